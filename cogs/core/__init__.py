"""The `core` cog: /help, /ping, /rules, /about."""

from bot.core.cogs import CogHost
from cogs.core.cog import Core


async def setup(host: CogHost) -> None:
    await host.add_cog(Core(host.services_for(Core), host.loaded))
