"""The `heroes` cog: recognition signals, /thanks, and the weekly hero with its history."""

from bot.core.cogs import CogHost
from cogs.heroes.cog import Heroes


async def setup(host: CogHost) -> None:
    await host.add_cog(Heroes(host.services))
