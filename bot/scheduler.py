"""Durable scheduler: jobs live in the database with a due time and run once, across restarts.

A job is claimed by switching its row from `pending` to `running` in one UPDATE, so two
schedulers (or a scheduler restarted mid-run) never run the same job twice at once. A job
interrupted by a crash is re-armed at start and run again, so it must be resumable:

- **Outbox.** A row and the jobs that must follow it (unmute, poll close) are written in one
  transaction, before any platform call: `stage()` inside the caller's session, or a store
  taking `FollowUps`. A crash after the commit loses nothing that was promised.
- **Keyed effects.** `once(key, perform)` records that an effect happened, so a re-run skips
  it. The record is `started` before the platform call and `done` after; a run that finds
  `started` (a crash inside the call) redoes it only when the effect is `repeatable` (the
  same end state twice: lifting a mute), and otherwise skips it (a post may have gone out,
  and twice is worse than a warning in the log).

Several instances may share one PostgreSQL database. The claim reads with `FOR UPDATE SKIP
LOCKED` there, so instances polling at the same moment take different jobs instead of queueing
on one row (SQLite has one writer and ignores the clause). A claim carries the instance's name
and a lease: a restarting instance takes back its own jobs at once, and the jobs of an instance
that died are taken back by the others when the lease runs out.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import CursorResult, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.clock import AdjustableClock, Clock
from bot.core.errors import FeatureOff
from bot.core.tasks import cancel_task
from bot.db.dialect import insert_for
from bot.db.models import JobEffect, ScheduledJob
from bot.telemetry import JOBS, SCHEDULER_FAILURES, SCHEDULER_LAG

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)

MAX_ATTEMPTS = 5
RETRY_DELAY = timedelta(minutes=1)
IDLE_RECHECK = timedelta(minutes=5)
ERROR_BACKOFF = timedelta(seconds=5)
# A job whose feature is switched off in its community waits; it is looked at again this often,
# and at once when the feature is switched on from chat (`resume`) or the bot starts.
FEATURE_OFF_RECHECK = timedelta(hours=1)
PAUSED = "paused: "  # `last_error` of a job waiting for its feature to be switched on
# Effect records are only needed while a job could still be re-run; older ones are pruned.
EFFECT_RETENTION = timedelta(days=30)


# Job kind → the pydantic model of its payload, declared by the kind's owner (`@job(kind,
# payload=Model)` in a cog, `declare_payload` in the core) when its module is imported. Every
# job is checked against it when it is built, so a wrong payload fails where it is staged, not
# days later when the job runs; tests/core/test_job_payloads.py names a kind without one.
PAYLOADS: dict[str, type[BaseModel]] = {}


class NoPayload(BaseModel):
    """The payload of a job that needs nothing but its kind and time (a daily pass)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def declare_payload(kind: str, model: type[M]) -> type[M]:
    """Declare `model` as the payload of jobs of `kind` (one model per kind)."""
    known = PAYLOADS.get(kind)
    if known is not None and known.__qualname__ != model.__qualname__:
        raise ValueError(
            f"job kind {kind!r} already has the payload model {known.__qualname__}; "
            f"{model.__qualname__} cannot be declared for it too"
        )
    PAYLOADS[kind] = model
    return model


def _checked(kind: str, payload: dict[str, Any] | BaseModel) -> dict[str, Any]:
    """`payload` as stored (JSON types), checked against the kind's declared model."""
    model = PAYLOADS.get(kind)
    if isinstance(payload, BaseModel):
        if model is not None and not isinstance(payload, model):
            raise JobPayloadError(
                f"job {kind} takes a {model.__name__} payload, not {type(payload).__name__}"
            )
        return payload.model_dump(mode="json")
    if model is not None:
        try:
            model.model_validate(payload)
        except ValidationError as exc:
            raise JobPayloadError(
                f"job {kind} cannot be staged: its payload does not fit {model.__name__}: "
                f"{_problems(exc)}"
            ) from exc
    return payload


def _problems(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or 'payload'}: {error['msg']}"
        for error in exc.errors()
    )


@dataclass(frozen=True, slots=True)
class Job:
    """A job to store: what runs, when, with what; a `key` makes storing it idempotent.

    The payload is given as its kind's model (or a dict that fits it) and stored as JSON;
    one that does not fit raises JobPayloadError here, where it is staged.
    """

    kind: str
    due_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    key: str | None = None

    def __init__(
        self,
        kind: str,
        due_at: datetime,
        payload: dict[str, Any] | BaseModel | None = None,
        key: str | None = None,
    ) -> None:
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "due_at", due_at)
        object.__setattr__(self, "payload", _checked(kind, {} if payload is None else payload))
        object.__setattr__(self, "key", key)


# The jobs that must follow a new row, given the row's id (known only inside its transaction).
FollowUps = Callable[[int], Iterable[Job]]


def no_follow_ups(_: int) -> Iterable[Job]:
    return ()


async def stage(session: AsyncSession, job: Job, now: datetime) -> None:
    """Store `job` in the caller's transaction (the outbox): it commits with the caller's row.

    With a key, an existing pending job of that key is moved instead.
    """
    values = {
        "kind": job.kind,
        "key": job.key,
        "due_at": job.due_at,
        "payload": job.payload,
        "status": "pending",
        "attempts": 0,
        "created_at": now,
    }
    if job.key is None:
        session.add(ScheduledJob(**values))
        await session.flush()
        return
    # A finished job with the same key is history; the new one replaces it.
    await session.execute(
        delete(ScheduledJob).where(
            ScheduledJob.key == job.key, ScheduledJob.status.in_(("done", "failed"))
        )
    )
    # A running job that schedules its own successor (a weekly ritual) lets go of the key,
    # so the successor is stored instead of being folded into the runner.
    await session.execute(
        update(ScheduledJob)
        .where(ScheduledJob.key == job.key, ScheduledJob.status == "running")
        .values(key=None)
    )
    await session.execute(_upsert(session, values))


# How long a claimed job belongs to its instance. A job still `running` past its lease is taken
# to belong to a dead instance and run again (idempotently). A live instance renews the lease of
# a job that runs long (a ritual posting to many chats under rate limits) every third of it, so
# only a dead instance's jobs ever expire.
LEASE = timedelta(minutes=5)
RENEW_EVERY = 3


def instance_name() -> str:
    """This instance's name in job claims: KENES_INSTANCE, else the host name.

    Stable across restarts of the same instance (a container keeps its host name), so a
    restart re-arms its own interrupted jobs at once instead of waiting out their lease.
    """
    return os.environ.get("KENES_INSTANCE") or socket.gethostname() or "kenes"


@dataclass(frozen=True, slots=True)
class JobRun:
    """What a job handler receives."""

    id: int
    kind: str
    key: str | None
    due_at: datetime
    payload: dict[str, Any]
    attempt: int

    def payload_as(self, model: type[M]) -> M:
        """The payload as `model` (a pydantic model the job's owner declares), validated.

        A stored payload that does not fit raises JobPayloadError naming the job and the field,
        so the job fails visibly (and is retried, then marked failed) instead of acting on a
        half-read payload.
        """
        try:
            return model.model_validate(self.payload)
        except ValidationError as exc:
            raise JobPayloadError(
                f"job {self.kind} #{self.id} has a payload {model.__name__} cannot read: "
                f"{_problems(exc)}"
            ) from exc


class JobPayloadError(ValueError):
    """A stored job's payload does not fit the model its handler declares."""


JobHandler = Callable[[JobRun], Awaitable[None]]


class Scheduler:
    """Stores jobs, runs the due ones, and re-arms what a restart interrupted."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        instance: str | None = None,
        lease: timedelta = LEASE,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self.instance = instance or instance_name()
        self._lease = lease
        self._handlers: dict[str, JobHandler] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        # Set when time may have moved (a manual clock does not wake sleepers by itself).
        self._beat = asyncio.Event()
        self.renewals = 0

    def register(self, kind: str, handler: JobHandler) -> None:
        """Route jobs of `kind` to `handler`; one handler per kind."""
        if kind in self._handlers:
            raise ValueError(f"a handler for job kind {kind!r} is already registered")
        self._handlers[kind] = handler
        self._wake.set()

    @property
    def kinds(self) -> frozenset[str]:
        """The job kinds that have a handler now."""
        return frozenset(self._handlers)

    def unregister(self, kind: str) -> None:
        self._handlers.pop(kind, None)

    async def schedule(
        self,
        kind: str,
        due_at: datetime,
        payload: dict[str, Any] | BaseModel | None = None,
        *,
        key: str | None = None,
    ) -> None:
        """Store a job. With a `key`, an existing pending job of that key is moved instead.

        Keys make scheduling idempotent: re-arming "unmute alice" twice leaves one job.
        """
        job = Job(kind, due_at, payload, key)  # checks the payload before any write
        async with self.transaction() as session:
            await stage(session, job, self._clock.now())

    async def daily(self, kind: str, hour: int, minute: int, key: str) -> None:
        """Schedule `kind` (a daily pass, no payload) at the next `hour:minute` UTC.

        The job is keyed `{key}:{its day}`: the handler schedules the next day while it runs,
        and a key of its own keeps that job from being folded into the running one.
        """
        now = self._clock.now()
        due = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if due <= now:
            due += timedelta(days=1)
        await self.schedule(kind, due, NoPayload(), key=f"{key}:{due.date().isoformat()}")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A write transaction for a row and its jobs; the loop looks again once it commits."""
        async with self._sessions.begin() as session:
            yield session
        self._wake.set()

    def wake(self) -> None:
        """Jobs were staged in a transaction of a store: look for due work again."""
        self._wake.set()

    async def once(
        self,
        key: str,
        perform: Callable[[], Awaitable[object]],
        *,
        repeatable: bool = False,
    ) -> bool:
        """Perform the effect named `key` unless a run did already; True when done now.

        If `perform` raises, the record is dropped (nothing was done) and the error goes on,
        so the job's retry performs it.
        """
        now = self._clock.now()
        try:
            async with self._sessions.begin() as session:
                session.add(JobEffect(key=key, state="started", started_at=now))
        except IntegrityError:
            async with self._sessions() as session:
                found = await session.get(JobEffect, key)
            if found is None:  # dropped by a failed run in between: take it again
                return await self.once(key, perform, repeatable=repeatable)
            if found.state == "done":
                log.info("effect %s was done already; skipped", key)
                return False
            if not repeatable:
                log.warning(
                    "effect %s was started by a run that did not finish; it may have "
                    "happened, so it is not done again",
                    key,
                )
                await self._mark_done(key)
                return False
            log.info("effect %s was interrupted; doing it again (repeatable)", key)
        try:
            await perform()
        except BaseException:
            async with self._sessions.begin() as session:
                await session.execute(
                    delete(JobEffect).where(JobEffect.key == key, JobEffect.state == "started")
                )
            raise
        await self._mark_done(key)
        return True

    async def _mark_done(self, key: str) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(JobEffect)
                .where(JobEffect.key == key)
                .values(state="done", done_at=self._clock.now())
            )

    async def cancel(self, key: str) -> bool:
        """Drop the pending job with `key`; True when there was one."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(ScheduledJob).where(
                    ScheduledJob.key == key, ScheduledJob.status == "pending"
                )
            )
        return _rowcount(result) > 0

    async def pending(self, kind: str | None = None) -> list[JobRun]:
        """Pending jobs, soonest first (for commands that list what is planned)."""
        query = select(ScheduledJob).where(ScheduledJob.status == "pending")
        if kind is not None:
            query = query.where(ScheduledJob.kind == kind)
        async with self._sessions() as session:
            rows = (await session.scalars(query.order_by(ScheduledJob.due_at))).all()
        return [_as_run(row) for row in rows]

    async def rearm(self) -> int:
        """Return to `pending` what a crash left `running`: this instance's jobs, and those
        whose lease ran out (their instance died); called at start and on every pass."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(ScheduledJob)
                .where(
                    ScheduledJob.status == "running",
                    or_(
                        ScheduledJob.claimed_by == self.instance,
                        ScheduledJob.claimed_by.is_(None),
                        ScheduledJob.lease_until < self._clock.now(),
                    ),
                )
                .values(status="pending", claimed_by=None, lease_until=None)
            )
            await session.execute(
                delete(JobEffect).where(
                    JobEffect.state == "done",
                    JobEffect.done_at < self._clock.now() - EFFECT_RETENTION,
                )
            )
        count = _rowcount(result)
        if count:
            log.warning("re-armed %d job(s) interrupted by a shutdown or a dead instance", count)
        return count

    async def _rearm_expired(self) -> None:
        # Cheap when nothing expired: one UPDATE matching no row, on the (status, due_at) index.
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(ScheduledJob)
                .where(
                    ScheduledJob.status == "running",
                    ScheduledJob.lease_until < self._clock.now(),
                )
                .values(status="pending", claimed_by=None, lease_until=None)
            )
        if _rowcount(result):
            log.warning("took back %d job(s) of an instance that stopped", _rowcount(result))

    async def resume(self, reason: str | None = None) -> int:
        """Make jobs put aside because their feature was off due now: those paused for
        `reason` (`str(FeatureOff(...))`), or all of them. They look again, and run if the
        feature is on (or wait again if it is still off)."""
        paused = (
            ScheduledJob.last_error == PAUSED + reason
            if reason is not None
            else ScheduledJob.last_error.startswith(PAUSED)
        )
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(ScheduledJob)
                .where(ScheduledJob.status == "pending", paused)
                .values(due_at=self._clock.now(), last_error=None)
            )
        count = _rowcount(result)
        if count:
            log.info("%d job(s) waiting for a feature to be switched on look again", count)
            self._wake.set()
        return count

    async def next_due(self) -> datetime | None:
        """The due time of the soonest pending job that has a handler."""
        if not self._handlers:
            return None
        async with self._sessions() as session:
            return await session.scalar(
                select(ScheduledJob.due_at)
                .where(
                    ScheduledJob.status == "pending",
                    ScheduledJob.kind.in_(list(self._handlers)),
                )
                .order_by(ScheduledJob.due_at)
                .limit(1)
            )

    async def run_due(self) -> int:
        """Run every job due by now, oldest first; return how many ran."""
        async with self._lock:
            await self._rearm_expired()
            ran = 0
            while True:
                job = await self._claim_next(self._clock.now())
                if job is None:
                    return ran
                await self._run(job)
                ran += 1

    async def advance(self, clock: AdjustableClock, delta: timedelta) -> int:
        """Move a manual clock forward by `delta`, running each job at its own due time."""
        target = clock.now() + delta
        ran = 0
        while (due := await self.next_due()) is not None and due <= target:
            clock.set(due)
            ran += await self.run_due()
        clock.set(target)
        return ran + await self.run_due()

    async def start(self) -> None:
        """Re-arm interrupted jobs and start the background loop."""
        await self.rearm()
        await self.resume()  # `features_off` in the config file may have changed
        self._task = asyncio.create_task(self._loop(), name="kenes-scheduler")

    async def stop(self) -> None:
        # A pass stuck on a locked database is left: its job stays `running`, re-armed at start.
        await cancel_task(self._task, within=0.5)
        self._task = None

    async def _loop(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.run_due()
                due = await self.next_due()
            except Exception:
                # A locked or unreachable database must not end the loop for good: every
                # mute expiry and ritual depends on it. Look again shortly.
                SCHEDULER_FAILURES.inc()
                log.exception("scheduler pass failed; retrying in %ss", ERROR_BACKOFF.seconds)
                due = self._clock.now() + ERROR_BACKOFF
            horizon = self._clock.now() + IDLE_RECHECK
            await self._clock.sleep_until(min(due, horizon) if due else horizon, self._wake)

    async def _claim_next(self, now: datetime) -> JobRun | None:
        if not self._handlers:
            return None
        async with self._sessions.begin() as session:
            row = await session.scalar(
                select(ScheduledJob)
                .where(
                    ScheduledJob.status == "pending",
                    ScheduledJob.due_at <= now,
                    ScheduledJob.kind.in_(list(self._handlers)),
                )
                .order_by(ScheduledJob.due_at, ScheduledJob.id)
                .limit(1)
                # PostgreSQL: a row another instance is claiming is skipped, not waited for.
                .with_for_update(skip_locked=True)
            )
            if row is None:
                return None
            attempt = row.attempts + 1  # read before the UPDATE refreshes the loaded row
            claimed = await session.execute(
                update(ScheduledJob)
                .where(ScheduledJob.id == row.id, ScheduledJob.status == "pending")
                .values(
                    status="running",
                    attempts=ScheduledJob.attempts + 1,
                    claimed_by=self.instance,
                    lease_until=now + self._lease,
                )
            )
            if _rowcount(claimed) != 1:
                return None  # another scheduler took it between our read and our write
            return JobRun(
                id=row.id,
                kind=row.kind,
                key=row.key,
                due_at=row.due_at,
                payload=dict(row.payload),
                attempt=attempt,
            )

    def tick(self) -> None:
        """Time moved (a manual clock was set): heartbeats of running jobs look at it again."""
        self._beat.set()

    async def _heartbeat(self, job_id: int) -> None:
        """Renew the lease of a job while it runs, so no other instance takes it back."""
        every = self._lease / RENEW_EVERY
        renew_at = self._clock.now() + every
        while True:
            self._beat.clear()
            if self._clock.now() < renew_at:
                await self._clock.sleep_until(renew_at, self._beat)
                continue
            try:
                async with self._sessions.begin() as session:
                    renewed = await session.execute(
                        update(ScheduledJob)
                        .where(
                            ScheduledJob.id == job_id,
                            ScheduledJob.status == "running",
                            ScheduledJob.claimed_by == self.instance,
                        )
                        .values(lease_until=self._clock.now() + self._lease)
                    )
            except Exception as exc:  # the next beat tries again; the lease has room for it
                log.warning("could not renew the lease of job #%d: %s", job_id, exc)
            else:
                if _rowcount(renewed) != 1:
                    log.warning("job #%d was taken back before its lease was renewed", job_id)
                    return
                self.renewals += 1
            renew_at = self._clock.now() + every

    async def _run(self, job: JobRun) -> None:
        handler = self._handlers.get(job.kind)
        status, error, due = "done", None, job.due_at
        counted = 0  # a run that did nothing (no handler, feature off) is not an attempt
        if handler is None:
            status, counted = "pending", 1
        else:
            SCHEDULER_LAG.observe(max((self._clock.now() - job.due_at).total_seconds(), 0.0))
            beat = asyncio.create_task(self._heartbeat(job.id), name=f"kenes-job-{job.id}-lease")
            try:
                await handler(job)
            except FeatureOff as exc:
                due = self._clock.now() + FEATURE_OFF_RECHECK
                status, error, counted = "pending", PAUSED + str(exc), 1
                log.info(
                    "job %s #%d skipped: %s; it waits until the feature is switched on",
                    job.kind,
                    job.id,
                    exc,
                )
            except Exception as exc:
                log.exception("job %s #%d failed (attempt %d)", job.kind, job.id, job.attempt)
                error = f"{type(exc).__name__}: {exc}"
                if job.attempt < MAX_ATTEMPTS:
                    status, due = "pending", self._clock.now() + RETRY_DELAY * job.attempt
                else:
                    status = "failed"
            finally:
                await cancel_task(beat, within=0.5)
            JOBS.labels(job.kind, "retry" if status == "pending" else status).inc()
        async with self._sessions.begin() as session:
            await session.execute(
                update(ScheduledJob)
                .where(ScheduledJob.id == job.id)
                .values(
                    status=status,
                    claimed_by=None,
                    lease_until=None,
                    last_error=error,
                    attempts=ScheduledJob.attempts - counted,
                    due_at=due,
                    finished_at=self._clock.now() if status in ("done", "failed") else None,
                )
            )


def _rowcount(result: Any) -> int:
    return int(result.rowcount) if isinstance(result, CursorResult) else 0


def _as_run(row: ScheduledJob) -> JobRun:
    return JobRun(
        id=row.id,
        kind=row.kind,
        key=row.key,
        due_at=row.due_at,
        payload=dict(row.payload),
        attempt=row.attempts,
    )


def _upsert(session: AsyncSession, values: dict[str, Any]) -> Any:
    stmt = insert_for(session, ScheduledJob).values(**values)
    return stmt.on_conflict_do_update(
        index_elements=["key"],
        set_={"due_at": stmt.excluded.due_at, "payload": stmt.excluded.payload},
        where=ScheduledJob.status == "pending",
    )
