"""The `polls` cog: polls, quizzes, A/B questions and reaction polls."""

from bot.core.cogs import CogHost
from bot.core.features import Feature, locales_of
from bot.rules.loader import RuleFileSpec
from cogs.polls.cog import Polls
from cogs.polls.rules import PollRules

FEATURE = Feature(
    name="polls",
    rule_files=(RuleFileSpec("polls.toml", PollRules),),
    locales=locales_of(__name__),
)


async def setup(host: CogHost) -> None:
    host.add_feature(FEATURE)
    await host.add_cog(Polls(host.services_for(Polls)))
