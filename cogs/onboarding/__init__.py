"""The `onboarding` cog: welcome, entry gate, raid guard and the role path."""

from bot.core.cogs import CogHost
from cogs.onboarding.cog import Onboarding


async def setup(host: CogHost) -> None:
    await host.add_cog(Onboarding(host.services))
