"""`rules/support.toml`: working hours, SLA targets, staff, teams, quick replies.

Every number has a range and every text a length; a working-hours line that cannot be read says
how to write it, so `kenes rules check` names the file, the key and the fix.
"""

from __future__ import annotations

import re
import string
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from bot.core.durations import DurationError, parse_duration
from bot.rules.models import LocalisedText, RuleFile
from cogs.support.sla import Interval, WorkingHours

Priority = Literal["low", "normal", "high", "urgent"]
PRIORITIES: tuple[Priority, ...] = ("low", "normal", "high", "urgent")
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[Weekday, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
QUICK_REPLY_FIELDS = frozenset({"member", "ticket", "agent"})

_SPAN = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-3]|24):([0-5]\d)$")
HOURS_HINT = (
    'write it as HH:MM-HH:MM, several separated by commas, e.g. "09:00-13:00, 14:00-18:00"; '
    'an empty text "" means closed that day'
)
# Targets are working time: "2h" of a 9-hour day. Longer than 30 days is surely a typo.
LONGEST_TARGET = timedelta(days=30)


def parse_hours(text: str) -> tuple[Interval, ...]:
    """`"09:00-13:00, 14:00-18:00"` as intervals; raises ValueError with the way to write it."""
    spans: list[Interval] = []
    cleaned = text.strip()
    if cleaned.casefold() in ("", "closed"):
        return ()
    for part in cleaned.split(","):
        match = _SPAN.match(part.strip())
        if match is None:
            raise ValueError(f"{part.strip()!r} is not a span of hours; {HOURS_HINT}")
        start = time(int(match[1]), int(match[2]))
        end_h, end_m = int(match[3]), int(match[4])
        if end_h == 24 and end_m:
            raise ValueError(f"{part.strip()!r} ends after midnight; 24:00 is the latest end")
        end = None if end_h == 24 else time(end_h, end_m)
        if end is not None and end <= start:
            raise ValueError(
                f"{part.strip()!r} ends before it starts; a night shift is two spans "
                '(e.g. "22:00-24:00" today and "00:00-06:00" the next day)'
            )
        if spans and (spans[-1].end is None or spans[-1].end > start):
            raise ValueError(f"{part.strip()!r} overlaps the span before it; list spans in order")
        spans.append(Interval(start, end))
    return tuple(spans)


def parse_target(value: str) -> timedelta:
    """A target written as a duration (`2h`, `1h30m`) within one minute and 30 days."""
    try:
        delta = parse_duration(value)
    except DurationError as exc:
        raise ValueError(str(exc)) from None
    if not timedelta(minutes=1) <= delta <= LONGEST_TARGET:
        raise ValueError(f"{value!r} must be between 1m and 30d of working time")
    return delta


class Hours(RuleFile):
    """`[hours]`: when the team answers; the SLA clock runs only then."""

    timezone: str | None = Field(default=None, min_length=1, max_length=64)
    monday: str = Field(default="09:00-18:00", max_length=200)
    tuesday: str = Field(default="09:00-18:00", max_length=200)
    wednesday: str = Field(default="09:00-18:00", max_length=200)
    thursday: str = Field(default="09:00-18:00", max_length=200)
    friday: str = Field(default="09:00-18:00", max_length=200)
    saturday: str = Field(default="", max_length=200)
    sunday: str = Field(default="", max_length=200)
    holidays: tuple[date, ...] = Field(default=(), max_length=1000)

    @field_validator("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    @classmethod
    def _day(cls, value: str) -> str:
        parse_hours(value)
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(
                    f"{value!r} is not a time zone; use a name like Asia/Almaty or Europe/Moscow"
                ) from None
        return value

    @model_validator(mode="after")
    def _some_hours(self) -> Hours:
        if not any(parse_hours(getattr(self, day)) for day in WEEKDAYS):
            raise ValueError("every day is closed; give at least one weekday working hours")
        return self

    def working_hours(self, default_zone: str) -> WorkingHours:
        """The SLA clock for a community whose own time zone is `default_zone`."""
        return WorkingHours(
            zone=ZoneInfo(self.timezone or default_zone),
            week=tuple(parse_hours(getattr(self, day)) for day in WEEKDAYS),
            holidays=frozenset(self.holidays),
        )


class Targets(RuleFile):
    """Targets of one priority, in working time."""

    first_response: str = "2h"
    next_response: str = "4h"
    resolution: str = "2d"

    @field_validator("first_response", "next_response", "resolution")
    @classmethod
    def _target(cls, value: str) -> str:
        parse_target(value)
        return value

    def get(self, kind: str) -> timedelta:
        return parse_target(str(getattr(self, kind)))


class PriorityTargets(RuleFile):
    """`[targets.<priority>]`."""

    low: Targets = Targets(first_response="8h", next_response="1d", resolution="5d")
    normal: Targets = Targets()
    high: Targets = Targets(first_response="1h", next_response="2h", resolution="1d")
    urgent: Targets = Targets(first_response="30m", next_response="1h", resolution="8h")

    def of(self, priority: str) -> Targets:
        value = getattr(self, priority, None)
        return value if isinstance(value, Targets) else self.normal


class RotaShift(RuleFile):
    """Who is on call, on which weekdays, at which hours (the community's time zone)."""

    member: str = Field(min_length=3, max_length=100, pattern=r"^[a-z]+:\S+$")
    name: str = Field(default="", max_length=100)
    days: tuple[Weekday, ...] = WEEKDAYS
    hours: str = Field(default="00:00-24:00", max_length=200)

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        if not parse_hours(value):
            raise ValueError(f"an on-call shift needs hours; {HOURS_HINT}")
        return value

    def covers(self, local: datetime) -> bool:
        if WEEKDAYS[local.weekday()] not in self.days:
            return False
        now = local.time()
        return any(
            span.start <= now and (span.end is None or now < span.end)
            for span in parse_hours(self.hours)
        )


class Team(RuleFile):
    """`[teams.<id>]`: a specialist team, where it reads, and the topics routed to it."""

    name: LocalisedText
    chat: str = Field(min_length=1, max_length=64)
    role: str = Field(default="", max_length=100)
    keywords: tuple[str, ...] = Field(default=(), max_length=500)
    priority: Priority | None = None
    rota: tuple[RotaShift, ...] = Field(default=(), max_length=100)

    def on_call(self, local: datetime) -> RotaShift | None:
        """The shift covering `local` time, else the first one (someone is always paged)."""
        for shift in self.rota:
            if shift.covers(local):
                return shift
        return self.rota[0] if self.rota else None


MEMBER_ID = re.compile(r"[a-z]{2,16}:[A-Za-z0-9_.-]{1,64}")


def _member_ids(value: tuple[str, ...]) -> tuple[str, ...]:
    for entry in value:
        if not MEMBER_ID.fullmatch(entry):
            raise ValueError(
                f"{entry!r}: write a staff member as platform:id, e.g. telegram:123456789"
            )
    return value


class Staff(RuleFile):
    """Who is support staff in one community (`[staff_by_community."platform:id"]`)."""

    role: str = Field(default="", max_length=100)
    members: tuple[str, ...] = Field(default=(), max_length=1000)
    moderators: bool = True

    @field_validator("members")
    @classmethod
    def _ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _member_ids(value)


class SupportRules(RuleFile):
    """`rules/support.toml`."""

    enabled: bool = True
    hours: Hours = Hours()
    targets: PriorityTargets = PriorityTargets()
    warn_share: float = Field(default=0.75, ge=0.05, le=0.99)
    default_priority: Priority = "normal"
    priority_keywords: dict[Priority, tuple[str, ...]] = Field(default_factory=dict)
    staff_chat: str = Field(default="staff", min_length=1, max_length=64)
    staff_chats: dict[str, str] = Field(default_factory=dict, max_length=1000)
    # Support staff: members with `staff_role` (a platform role, on Discord), the `staff` ids,
    # and moderators unless `moderators_are_staff` is false; per community in
    # `staff_by_community`. Checked by the core for every staff command (fail closed).
    staff_role: str = Field(default="support", max_length=100)
    staff: tuple[str, ...] = Field(default=(), max_length=1000)
    moderators_are_staff: bool = True
    staff_by_community: dict[str, Staff] = Field(default_factory=dict, max_length=1000)
    support_channels: tuple[str, ...] = Field(default=(), max_length=100)
    direct_messages: bool = True
    breach_team: str | None = Field(default=None, max_length=64)
    teams: dict[str, Team] = Field(default_factory=dict, max_length=50)
    quick_replies: dict[str, LocalisedText] = Field(default_factory=dict, max_length=500)
    max_ticket_length: int = Field(default=2000, ge=20, le=4000)
    rating_prompt: bool = True

    @field_validator("staff")
    @classmethod
    def _staff_ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _member_ids(value)

    @field_validator("teams", "quick_replies")
    @classmethod
    def _names(cls, value: dict[str, object]) -> dict[str, object]:
        for name in value:
            if not re.fullmatch(r"[a-z0-9_-]{1,32}", name):
                raise ValueError(f"{name!r}: names are 1-32 of a-z, 0-9, _ and -")
        return value

    @field_validator("quick_replies")
    @classmethod
    def _fields(cls, value: dict[str, LocalisedText]) -> dict[str, LocalisedText]:
        for name, text in value.items():
            for locale in ("en", "ru", "kk"):
                body = getattr(text, locale) or ""
                try:
                    used = {f for _, f, _, _ in string.Formatter().parse(body) if f}
                except ValueError:
                    raise ValueError(
                        f"{name}.{locale}: a lone {{ or }}; write {{{{ for a brace"
                    ) from None
                unknown = used - QUICK_REPLY_FIELDS
                if unknown:
                    raise ValueError(
                        f"{name}.{locale}: unknown placeholder(s) {sorted(unknown)}; "
                        f"use {{member}}, {{ticket}} or {{agent}}"
                    )
        return value

    @model_validator(mode="after")
    def _breach_team_exists(self) -> SupportRules:
        if self.breach_team is not None and self.breach_team not in self.teams:
            raise ValueError(f"breach_team {self.breach_team!r} is not one of [teams]")
        return self

    def staff_chat_for(self, community: str) -> str:
        return self.staff_chats.get(community, self.staff_chat)

    def staff_for(self, community: str) -> Staff:
        """Who is staff in `community` ("platform:id"): its own section, else the defaults."""
        return self.staff_by_community.get(community) or Staff(
            role=self.staff_role, members=self.staff, moderators=self.moderators_are_staff
        )
