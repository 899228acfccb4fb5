"""When an AMA starts: parsed by `bot/when.py`, shown in the community's language here."""

from __future__ import annotations

from datetime import datetime

from bot.weekly import zone
from bot.when import BadWhen, parse_when, weekday_name

__all__ = ["BadWhen", "format_moment", "parse_when"]


def format_moment(locale: str, at: datetime, timezone: str) -> str:
    """`Friday Jan 9 at 18:00 (Almaty, UTC+5)` in the community's language and timezone."""
    from babel.dates import format_skeleton

    from bot.i18n import format_moment as moment_text
    from bot.i18n import t, zone_name

    local = at.astimezone(zone(timezone))
    weekday = t(locale, f"ama.weekdays.{weekday_name(local.weekday())}")
    return t(
        locale,
        "ama.moment",
        weekday=weekday,
        date=format_skeleton("MMMd", local, locale=locale),
        time=moment_text(local, locale, "time"),
        zone=zone_name(local, locale),
    )
