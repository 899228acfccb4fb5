"""The `moderation` cog: stop-words, limits, slow-mode, the ladder, cases and commands."""

from bot.core.cogs import CogHost
from bot.core.features import Feature, locales_of
from bot.rules.loader import RuleFileSpec
from cogs.moderation.cog import Moderation
from cogs.moderation.matcher import compile_moderation
from cogs.moderation.replay import replay_log
from cogs.moderation.rules import ModerationRules

FEATURE = Feature(
    name="moderation",
    rule_files=(RuleFileSpec("moderation.toml", ModerationRules),),
    compilers={"moderation": compile_moderation},
    locales=locales_of(__name__),
    replay=replay_log,
)


async def setup(host: CogHost) -> None:
    host.add_feature(FEATURE)
    cog = Moderation(host.services)
    await host.add_cog(cog)
    host.install_stage(cog, "moderation", cog.stage)
