"""The `settings` cog: community settings from chat (/lang, /id), stored in the database."""

from bot.core.cogs import CogHost
from bot.core.features import Feature, locales_of
from cogs.settings.cog import Settings

FEATURE = Feature(name="settings", locales=locales_of(__name__))


async def setup(host: CogHost) -> None:
    host.add_feature(FEATURE)
    await host.add_cog(Settings(host.services_for(Settings)))
