"""Translated text: every user-facing string goes through `t()`; catalogues for kk, ru and en.

Values are rendered for the language by the template, not by the caller: pass numbers,
`timedelta`s and aware `datetime`s as they are, and the catalogue decides their form.

- A number is written the locale's way (`12 345,5`, never `2.0`); an entry that counts
  something is a plural table with CLDR categories (`one`, `few`, `many`, `other`, as
  Babel's plural rules name them) chosen by `count` or by the field named in `by`.
- `{field:case}` puts a value in a grammatical case where the language needs one: Kazakh
  endings after numbers and durations (`{max:dat}` → "100-ге", `{closes:abl}` →
  "2 сағаттан"), the Russian accusative of durations (`{duration:acc}` → "1 минуту").
- A `timedelta` reads as words ("1 hour 30 minutes", "2 сағат"); a `datetime` as a date and
  time in its own zone, with the zone named (`{when:date}`, `{when:time}` for one half).
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from babel import Locale
from babel.dates import format_date, format_skeleton, get_datetime_format, get_timezone_location
from babel.numbers import format_decimal

from bot.i18n import kazakh

LOCALES: tuple[str, ...] = ("kk", "ru", "en")
DEFAULT_LOCALE = "en"
PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")
CASES = kazakh.CASES


@dataclass(frozen=True)
class Plural:
    """A message with one form per CLDR plural category, chosen by the number in `by`."""

    forms: Mapping[str, str]
    by: str = "count"

    def form(self, locale: str, params: Mapping[str, object]) -> str:
        value = params.get(self.by)
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            category = Locale.parse(locale).plural_form(_plain(value))
            return self.forms.get(category) or self.forms["other"]
        return self.forms["other"]


Message = str | Plural


def _plural(table: Mapping[str, Any]) -> Plural | None:
    keys = set(table) - {"by"}
    if "other" not in keys or not keys <= set(PLURAL_CATEGORIES):
        return None
    if not all(isinstance(v, str) for v in table.values()):
        return None
    forms = {k: v for k, v in table.items() if k != "by"}
    return Plural(forms=forms, by=table.get("by", "count"))


def _flatten(prefix: str, table: Mapping[str, Any], out: dict[str, Message]) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping):
            plural = _plural(value)
            if plural is None:
                _flatten(full, value, out)
            else:
                out[full] = plural
        else:
            out[full] = str(value)


# Folders of feature catalogues (`cogs/<feature>/locales/`, one `<locale>.toml` each), counted
# because a test process may register the same feature from several apps at once.
_features: dict[str, tuple[Traversable, int]] = {}


def add_catalogue(folder: Traversable) -> None:
    """Make a feature's messages (`folder/<locale>.toml`) available to `t()`."""
    key = str(folder)
    _, count = _features.get(key, (folder, 0))
    _features[key] = (folder, count + 1)
    catalogue.cache_clear()


def remove_catalogue(folder: Traversable) -> None:
    """Undo one `add_catalogue(folder)`; the messages go when the last user removes them."""
    key = str(folder)
    found = _features.get(key)
    if found is None:
        return
    if found[1] <= 1:
        del _features[key]
    else:
        _features[key] = (folder, found[1] - 1)
    catalogue.cache_clear()


def _merge(flat: dict[str, Message], entry: Traversable, label: str) -> None:
    part: dict[str, Message] = {}
    _flatten("", tomllib.loads(entry.read_text("utf-8")), part)
    clash = flat.keys() & part.keys()
    if clash:
        raise ValueError(f"{label} repeats keys: {sorted(clash)}")
    flat.update(part)


@cache
def catalogue(locale: str) -> Mapping[str, Message]:
    """All messages of one locale, keyed by dotted name (`core.ping.reply`).

    The core's own files (`bot/i18n/catalogs/<locale>/*.toml`) plus `<locale>.toml` of every
    registered feature folder, so features add their messages without touching the core.
    """
    folder = resources.files("bot.i18n").joinpath("catalogs", locale)
    flat: dict[str, Message] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            _merge(flat, entry, f"{locale}/{entry.name}")
    for key, (feature, _) in sorted(_features.items()):
        entry = feature.joinpath(f"{locale}.toml")
        if entry.is_file():
            _merge(flat, entry, f"{key}/{locale}.toml")
    return flat


def forms(message: Message) -> tuple[str, ...]:
    """Every text a message can show: one, or one per plural category."""
    return (message,) if isinstance(message, str) else tuple(message.forms.values())


def fields(message: Message) -> dict[str, set[str]]:
    """Each `{name}` field of a message with the cases (format specs) it is used in."""
    found: dict[str, set[str]] = {}
    for text in forms(message):
        for _, name, spec, _ in string.Formatter().parse(text):
            if name:
                found.setdefault(name, set()).add(spec or "")
    return found


def placeholders(message: Message) -> set[str]:
    """The `{name}` fields a message expects."""
    return set(fields(message))


def _plain(value: int | float | Decimal) -> int | float | Decimal:
    # 2.0 points are 2 points: an integral float must not print "2.0" nor pick "other";
    # and a sum of floats (0.1 + 0.2) must not print its binary noise.
    if isinstance(value, float):
        value = round(value, 2)
    if isinstance(value, float | Decimal) and value == int(value):
        return int(value)
    return value


def format_number(value: int | float | Decimal, locale: str, case: str = "") -> str:
    """A number written the locale's way, with a Kazakh case ending when asked ("5-тен")."""
    value = _plain(value)
    shown = format_decimal(value, locale=locale, decimal_quantization=False)
    if locale == "kk":
        return kazakh.inflect_number(value, shown, case)
    return shown


_UNIT_SECONDS = (("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


def describe_duration(delta: timedelta, locale: str, case: str = "") -> str:
    """A duration as people read it: "1 hour 30 minutes", "на 1 минуту", "2 сағаттан".

    Weeks only when exact: "10 days" reads better than "1 week 3 days". Russian needs the
    accusative for some units ("1 минуту"), so `acc` looks up `<unit>_acc`; Kazakh puts the
    case ending on the last word of the whole phrase.
    """
    remaining = max(int(delta.total_seconds()), 0)
    units = _UNIT_SECONDS[:1] if remaining and remaining % 604800 == 0 else _UNIT_SECONDS[1:]
    messages = catalogue(locale if locale in LOCALES else DEFAULT_LOCALE)
    parts = []
    for unit, size in units:
        count, remaining = divmod(remaining, size)
        if count:
            key = f"core.durations.{unit}"
            if case == "acc" and f"{key}_acc" in messages:
                key += "_acc"
            parts.append(t(locale, key, count=count))
    text = " ".join(parts) or t(locale, "core.durations.second", count=0)
    if locale == "kk":
        return kazakh.inflect(text, case)
    return text


def format_moment(moment: datetime, locale: str, part: str = "") -> str:
    """An aware datetime in its own zone, written for `locale`, with the zone named.

    `part` is "date" or "time" for one half, "short" for both without the zone (a list whose
    header names it once); the full form names the zone so nobody has to guess whether "18:00"
    meant UTC: "29 нояб. 2026 г., 18:00 (Алматы, UTC+5)".
    """
    loc = locale if locale in LOCALES else DEFAULT_LOCALE
    day = format_date(moment, "medium", locale=loc)
    # A 24-hour clock everywhere: communities here read "18:00", and it cannot be misread.
    time = format_skeleton("Hm", moment, locale=loc)
    if part == "date":
        return day
    if part == "time":
        return time
    pattern = str(get_datetime_format("medium", locale=loc))  # "{1}, {0}": date, then time
    shown = pattern.replace("{1}", day).replace("{0}", time)
    if moment.tzinfo is None or part == "short":
        return shown
    return f"{shown} ({zone_name(moment, loc)})"


def zone_name(moment: datetime, locale: str) -> str:
    """The zone of an aware datetime as a place and an offset: "Алматы, UTC+5"."""
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    utc = "UTC" if not minutes else f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")
    place = get_timezone_location(moment.tzinfo, locale=locale, return_city=True)
    return utc if place in ("UTC", "") else f"{place}, {utc}"


class _Formatter(string.Formatter):
    """Fills `{name:case}` fields, rendering numbers, durations and times for one locale."""

    def __init__(self, locale: str) -> None:
        self.locale = locale

    def get_value(self, key: int | str, args: Any, kwargs: Mapping[str, Any]) -> Any:
        # A missing field stays visible as "{name}" instead of crashing a handler.
        if isinstance(key, str) and key not in kwargs:
            return _Missing(key)
        return super().get_value(key, args, kwargs)

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec not in ("", *CASES, "date", "time", "short"):
            raise ValueError(f"unknown field format {format_spec!r}")
        if isinstance(value, _Missing):
            return "{" + value.name + "}"
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, int | float | Decimal):
            return format_number(value, self.locale, format_spec)
        if isinstance(value, timedelta):
            return describe_duration(value, self.locale, format_spec)
        if isinstance(value, datetime):
            return format_moment(value, self.locale, format_spec)
        if isinstance(value, date):
            return format_date(value, "medium", locale=self.locale)
        if self.locale == "kk" and format_spec in CASES:
            return kazakh.inflect(str(value), format_spec)
        return str(value)


@dataclass(frozen=True)
class _Missing:
    name: str


def render(locale: str, message: Message, params: Mapping[str, object]) -> str:
    """One catalogue message filled for `locale` (the plural form chosen first)."""
    text = message.form(locale, params) if isinstance(message, Plural) else message
    return _Formatter(locale).vformat(text, (), params)


def t(locale: str, key: str, /, **params: object) -> str:
    """The message `key` in `locale`, with `{name}` fields filled from `params`.

    Falls back to English, then to the key itself, so a missing translation shows up
    plainly instead of crashing a handler (the completeness test catches it first).
    """
    chosen = locale if locale in LOCALES else DEFAULT_LOCALE
    message = catalogue(chosen).get(key)
    if message is None:
        chosen, message = DEFAULT_LOCALE, catalogue(DEFAULT_LOCALE).get(key)
    if message is None:
        return key
    return render(chosen, message, params)
