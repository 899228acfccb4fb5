"""The `heroes` cog: recognition signals, /thanks, and the weekly hero with its history."""

from bot.core.cogs import CogHost
from bot.core.features import Feature, locales_of
from bot.rules.loader import RuleFileSpec
from cogs.heroes.cog import Heroes
from cogs.heroes.phrases import COMPILED_KEY, compile_thanks
from cogs.heroes.rules import HeroRules

FEATURE = Feature(
    name="heroes",
    rule_files=(RuleFileSpec("rituals.toml", HeroRules, section="heroes"),),
    compilers={COMPILED_KEY: compile_thanks},
    locales=locales_of(__name__),
)


async def setup(host: CogHost) -> None:
    host.add_feature(FEATURE)
    await host.add_cog(Heroes(host.services_for(Heroes)))
