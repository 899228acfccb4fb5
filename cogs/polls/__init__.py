"""The `polls` cog: polls, quizzes, A/B questions and reaction polls."""

from bot.core.cogs import CogHost
from cogs.polls.cog import Polls


async def setup(host: CogHost) -> None:
    await host.add_cog(Polls(host.services))
