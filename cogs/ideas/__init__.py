"""The `ideas` cog: the ideas board, votes and statuses, the monthly "you asked — we did"."""

from bot.core.cogs import CogHost
from bot.core.features import Feature, locales_of
from bot.rules.loader import RuleFileSpec
from cogs.ideas.cog import Ideas
from cogs.ideas.rules import IdeaRules

FEATURE = Feature(
    name="ideas",
    rule_files=(RuleFileSpec("ideas.toml", IdeaRules),),
    locales=locales_of(__name__),
)


async def setup(host: CogHost) -> None:
    host.add_feature(FEATURE)
    await host.add_cog(Ideas(host.services))
