"""The `digest` cog: the weekly digest, assembled from section providers, with a private preview."""

from bot.core.cogs import CogHost
from cogs.digest.cog import Digest


async def setup(host: CogHost) -> None:
    await host.add_cog(Digest(host.services))
