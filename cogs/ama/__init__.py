"""The `ama` cog: collect questions for an Ask-Me-Anything session, vote, answer, summarise."""

from bot.core.cogs import CogHost
from bot.core.features import Feature, locales_of
from bot.rules.loader import RuleFileSpec
from cogs.ama.cog import Ama
from cogs.ama.rules import AmaRules

FEATURE = Feature(
    name="ama",
    rule_files=(RuleFileSpec("rituals.toml", AmaRules, section="ama"),),
    locales=locales_of(__name__),
)


async def setup(host: CogHost) -> None:
    host.add_feature(FEATURE)
    await host.add_cog(Ama(host.services_for(Ama)))
