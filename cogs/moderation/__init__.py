"""The `moderation` cog: stop-words, limits, slow-mode, the ladder, cases and commands."""

from bot.core.cogs import CogHost
from cogs.moderation.cog import Moderation


async def setup(host: CogHost) -> None:
    cog = Moderation(host.services)
    await host.add_cog(cog)
    host.install_stage(cog, "moderation", cog.stage)
