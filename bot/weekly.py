"""Weekly rituals on the durable scheduler: the next slot in a community's timezone, one job a week.

Each community gets one pending job per ritual, keyed by the ISO week of its slot
(`heroes.announce:telegram:-100123:2026-W02`). The key makes scheduling idempotent (a restart or
a second cog load moves the same row instead of adding one) and the handler re-schedules the
next week itself, so a ritual is neither lost nor doubled across restarts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from bot.channels import RitualChannel
from bot.core.refs import CommunityRef
from bot.db.models import Community as CommunityRow
from bot.rules.models import WeeklySlot
from bot.scheduler import JobRun
from bot.services import Services

log = logging.getLogger(__name__)


@cache
def zone(name: str) -> ZoneInfo:
    """A cached ZoneInfo (config validated the name at start)."""
    return ZoneInfo(name)


def local_date(at: datetime, timezone: str) -> date:
    """The calendar day `at` falls on in `timezone`."""
    return at.astimezone(zone(timezone)).date()


def week_of(day: date) -> date:
    """The Monday of the ISO week `day` is in: the identity of a ritual's week."""
    return day - timedelta(days=day.weekday())


def week_label(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def next_weekly(after: datetime, slot: WeeklySlot, timezone: str) -> datetime:
    """The first moment strictly after `after` that falls on `slot` in `timezone` (UTC-aware)."""
    tz = zone(timezone)
    local = after.astimezone(tz)
    days = (slot.weekday_index - local.weekday()) % 7
    candidate_day = local.date() + timedelta(days=days)
    for extra in (0, 7, 14):
        moment = datetime.combine(candidate_day + timedelta(days=extra), slot.clock, tzinfo=tz)
        if moment > local:
            return moment.astimezone(after.tzinfo)
    raise AssertionError("a weekly slot always recurs within two weeks")  # pragma: no cover


class CommunityJob(BaseModel):
    """The payload of a job about one community (the weekly rituals and the like)."""

    model_config = ConfigDict(frozen=True)

    platform: str = Field(min_length=1)
    community: str = Field(min_length=1)

    @classmethod
    def of(cls, ref: CommunityRef) -> CommunityJob:
        return cls(platform=ref.platform, community=ref.id)

    @property
    def ref(self) -> CommunityRef:
        return CommunityRef(self.platform, self.community)


def community_payload(ref: CommunityRef) -> CommunityJob:
    return CommunityJob.of(ref)


def community_from(run: JobRun) -> CommunityRef:
    """The community a `CommunityJob` names (JobPayloadError when the stored one does not fit)."""
    return run.payload_as(CommunityJob).ref


class WeeklyJob:
    """Keeps one pending job of `kind` per known community at its next weekly slot."""

    def __init__(
        self,
        services: Services,
        kind: str,
        slot: Callable[[], WeeklySlot],
        lead: Callable[[], timedelta] | None = None,
        channel: RitualChannel | None = None,
        posts: Callable[[], bool] = lambda: True,
    ) -> None:
        self._services = services
        self.kind = kind
        self._slot = slot
        self._lead = lead
        self._armed: set[CommunityRef] = set()
        # Where the ritual posts, checked at first sight of a community and after each rules
        # edit while `posts()` says the ritual will post (so a wrong channel is found early).
        self.channel = channel
        self._posts = posts

    def due_after(self, ref: CommunityRef, after: datetime) -> datetime:
        """The next run: the slot itself, or `lead` before it (e.g. opening an AMA days ahead)."""
        timezone = self._services.config.community(ref).timezone
        lead = self._lead() if self._lead is not None else timedelta()
        return next_weekly(after + lead, self._slot(), timezone) - lead

    async def community_ref(self, community_id: int) -> CommunityRef | None:
        """The CommunityRef of a `communities` row (jobs store row ids)."""
        async with self._services.sessions() as session:
            row = await session.get(CommunityRow, community_id)
        return CommunityRef(row.platform, row.external_id) if row else None

    def key_for(self, ref: CommunityRef, due_at: datetime) -> str:
        timezone = self._services.config.community(ref).timezone
        return f"{self.kind}:{ref}:{week_label(local_date(due_at, timezone))}"

    async def schedule_after(self, ref: CommunityRef, after: datetime) -> datetime:
        """Schedule the job at the first slot after `after`; returns its due time."""
        due = self.due_after(ref, after)
        await self._services.scheduler.schedule(
            self.kind, due, community_payload(ref), key=self.key_for(ref, due)
        )
        self._armed.add(ref)
        return due

    async def ensure(self, ref: CommunityRef) -> None:
        """Arm the job for a community seen for the first time in this process (cheap after)."""
        if ref in self._armed or ref.is_private:
            return  # rituals run only in real communities, never in a DM
        await self._services.directory.id_for(ref)
        if not await self._has_pending(ref):
            await self.schedule_after(ref, self._services.clock.now())
        self._armed.add(ref)
        if self.channel is not None and self._posts():
            await self.channel.check_quietly(ref)

    async def check_channels(self) -> None:
        """After a rules edit: does the ritual's channel still resolve in every community?"""
        if self.channel is None or not self._posts():
            return
        for ref in sorted(self._armed, key=str):
            await self.channel.check_quietly(ref)

    async def ensure_quietly(self, ref: CommunityRef) -> None:
        """`ensure()` for the message path: a database hiccup is logged, never blocks the event."""
        try:
            await self.ensure(ref)
        except Exception:
            log.exception("could not arm %s for %s; will try on the next event", self.kind, ref)

    async def arm_known(self) -> int:
        """Arm the job for every community in the `communities` table (called at cog load)."""
        async with self._services.sessions() as session:
            rows = (
                await session.execute(
                    select(CommunityRow.platform, CommunityRow.external_id).where(
                        CommunityRow.kind == "community"
                    )
                )
            ).all()
        for platform, external_id in rows:
            await self.ensure(CommunityRef(platform, external_id))
        return len(rows)

    async def _has_pending(self, ref: CommunityRef) -> bool:
        prefix = f"{self.kind}:{ref}:"
        return any(
            job.key is not None and job.key.startswith(prefix)
            for job in await self._services.scheduler.pending(self.kind)
        )
