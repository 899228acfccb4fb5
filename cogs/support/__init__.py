"""The `support` cog: tickets with an SLA clock in working hours, FAQ answers, help routes."""

from bot.core.cogs import CogHost


async def setup(host: CogHost) -> None:
    # Imported here: the rule registry imports this package's rule models, and the cog
    # module imports the rule loader; loading the cog late keeps that from being a circle.
    from cogs.support.cog import Support

    await host.add_cog(Support(host.services))
