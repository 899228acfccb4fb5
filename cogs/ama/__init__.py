"""The `ama` cog: collect questions for an Ask-Me-Anything session, vote, answer, summarise."""

from bot.core.cogs import CogHost
from cogs.ama.cog import Ama


async def setup(host: CogHost) -> None:
    await host.add_cog(Ama(host.services))
