"""The `moderation` cog: stop-words, limits, slow-mode, the ladder, cases and commands."""

from bot.core.cogs import CogHost
from bot.core.features import Feature, locales_of
from bot.rules.loader import RuleFileSpec
from cogs.moderation.cog import Moderation
from cogs.moderation.matcher import ModerationCompiler
from cogs.moderation.replay import replay_log
from cogs.moderation.rules import ModerationRules
from cogs.moderation.spam import compile_spam

FEATURE = Feature(
    name="moderation",
    rule_files=(RuleFileSpec("moderation.toml", ModerationRules),),
    # The word compiler is one per process: it keeps each word file's keyed entries, so an edit
    # re-keys that file only. The spam model is its own compiler: a sample edit retrains it.
    compilers={"moderation": ModerationCompiler(), "spam": compile_spam},
    locales=locales_of(__name__),
    replay=replay_log,
)


async def setup(host: CogHost) -> None:
    host.add_feature(FEATURE)
    cog = Moderation(host.services_for(Moderation))
    await host.add_cog(cog)
    host.install_stage(cog, "moderation", cog.stage)
