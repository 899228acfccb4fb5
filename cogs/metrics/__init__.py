"""The `metrics` feature: community health per day, week and month from stored data (the core
activity ledger, and what support, moderation, polls and ideas publish); `/stats` with a trend
chart, `kenes report` for analysts, and typed queries (`queries.py`) for the dashboard."""

from bot.core.cogs import CogHost
from bot.core.features import Feature, locales_of
from cogs.metrics.cog import Metrics
from cogs.metrics.report import report

FEATURE = Feature(name="metrics", locales=locales_of(__name__), report=report)


async def setup(host: CogHost) -> None:
    host.add_feature(FEATURE)
    await host.add_cog(Metrics(host.services_for(Metrics)))
