"""Pydantic models of the rule files under `rules/`; unknown keys are errors."""

from __future__ import annotations

import datetime as dt
import re
from datetime import timedelta
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
)

from bot.core.durations import MAX_DAYS, MAX_SECONDS, format_duration, parse_duration


class RuleFile(BaseModel):
    """Base of every rule-file model: strict, immutable once loaded."""

    # nan and inf pass every range check (nan compares false both ways) and then break the
    # arithmetic at run time ("inf points", a hero score that never wins): refused in every file.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class LocalisedText(RuleFile):
    """The same text in each shipped language; a missing language falls back to English."""

    en: str = Field(min_length=1, max_length=4000)
    ru: str | None = Field(default=None, max_length=4000)
    kk: str | None = Field(default=None, max_length=4000)

    def get(self, locale: str) -> str:
        value = getattr(self, locale, None) if locale in ("en", "ru", "kk") else None
        return value if isinstance(value, str) and value else self.en


def in_locale(value: str | LocalisedText, locale: str) -> str:
    """A rule-file text that is either one plain string (older files) or one per language."""
    return value if isinstance(value, str) else value.get(locale)


class CommunityRules(RuleFile):
    """`rules/community.toml`: the rules members accept, shown by /rules and on join."""

    rules: LocalisedText
    about: LocalisedText | None = None


def _duration(value: object) -> object:
    # Admins write durations the way members do in commands: "30s", "10m", "2h", "1d".
    # ISO 8601 ("PT10M", what JSON Schema tools suggest) is left to pydantic.
    if isinstance(value, str) and not value.strip().upper().startswith("P"):
        return parse_duration(value)
    return value


def _in_range(value: timedelta) -> timedelta:
    # ISO 8601 lets an admin write `P999999999D`, which parses and then overflows the first
    # `now + duration` at run time; the same bounds as a duration typed in a command.
    if not timedelta(0) < value <= timedelta(seconds=MAX_SECONDS):
        raise ValueError(f"a duration must be longer than zero and at most {MAX_DAYS}d")
    return value


Duration = Annotated[
    timedelta,
    BeforeValidator(_duration),
    AfterValidator(_in_range),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^((\d+\s*[smhdw]\s*)+|P.+)$",
            "examples": ["30s", "10m", "1d"],
        }
    ),
]


Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[str, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def clock_time(value: str) -> dt.time:
    """`"18:30"` as a time of day (the rule files keep it as text people can read)."""
    match = _CLOCK.match(value)
    if match is None:
        raise ValueError(f"{value!r} is not a time of day; write it as HH:MM, e.g. 18:00")
    return dt.time(int(match.group(1)), int(match.group(2)))


def _clock_text(value: str) -> str:
    clock_time(value)
    return value


# A time of day as a rule file keeps it, "18:30" (see `clock_time`). The pattern is for editors
# (JSON Schema); the validator gives people the friendlier error.
ClockTime = Annotated[
    str, AfterValidator(_clock_text), Field(json_schema_extra={"pattern": _CLOCK.pattern})
]


class WeeklySlot(RuleFile):
    """A weekly moment in the community's own timezone."""

    weekday: Weekday = "friday"
    time: ClockTime = "18:00"

    @property
    def weekday_index(self) -> int:
        return WEEKDAYS.index(self.weekday)

    @property
    def clock(self) -> dt.time:
        return clock_time(self.time)


_CHANNEL = re.compile(r"^(|-?\d{1,20}|#?[\w-]{1,100})$")
_COMMUNITY = re.compile(r"^[a-z]+:-?[\w-]{1,64}$")


def _channel_setting(value: str) -> str:
    if _CHANNEL.match(value) is None:
        raise ValueError(
            f"{value!r} is not a channel: write a chat id (-1001234567890), a channel name "
            "(general or #general), or leave it out for the community's main chat"
        )
    return value


class Channels(RuleFile):
    """Where a ritual posts: `channel` everywhere, or per community in `channels`.

    "" (the default) is the community's main chat; a chat id or (where the platform has names,
    e.g. Discord) a channel name picks another. The platform adapter resolves it; one that
    names nothing is told to the admins when the rules load or a community is first seen.
    """

    channel: str = Field(default="", max_length=101)
    channels: dict[str, str] = Field(default_factory=dict)

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str) -> str:
        return _channel_setting(value)

    @field_validator("channels")
    @classmethod
    def _channels(cls, value: dict[str, str]) -> dict[str, str]:
        for community, setting in value.items():
            if _COMMUNITY.match(community) is None:
                raise ValueError(
                    f"{community!r} is not a community: write it as platform:id, "
                    'e.g. "telegram:-1001234567890" or "discord:123456789012345678"'
                )
            _channel_setting(setting)
        return value

    def chat_for(self, community: str) -> str:
        """The channel setting for `community` ("platform:id"); "" means its main chat."""
        return self.channels.get(community, self.channel)
