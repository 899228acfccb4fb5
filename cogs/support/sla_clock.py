"""The SLA clock: a ticket's running target and resolution target, their durable timers
and the warning and breach notices they send."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.cogs import job
from bot.core.refs import CommunityRef
from bot.i18n import t
from bot.scheduler import Job, JobRun
from bot.weekly import community_from, community_payload
from cogs.support.escalation import Escalation
from cogs.support.models import Ticket
from cogs.support.sla import Deadline, deadline, resume

SLA_JOB = "support.sla"


class SlaClock(Escalation):
    """Arms, pauses and stops the two clocks; `on_sla` is their warning and breach job."""

    def _target(self, ticket: Ticket, kind: str) -> timedelta:
        return self.rules.targets.of(ticket.priority).get(kind)

    def _timers(
        self,
        ref: CommunityRef,
        ticket_id: int,
        round_: int,
        when: Deadline,
        target: str | None = None,
    ) -> list[Job]:
        """The warning and breach jobs of one run of a clock, keyed so a re-arm moves them: the
        running target's, or with `target="resolution"` the resolution clock's (one of its own
        per ticket)."""
        payload: dict[str, object] = {
            **community_payload(ref),
            "ticket": ticket_id,
            "round": round_,
        }
        key = f"{SLA_JOB}:{ticket_id}"
        if target is not None:
            payload["target"] = target
            key = f"{key}:{target}"
        jobs = [Job(SLA_JOB, when.due_at, {**payload, "stage": "breach"}, key=f"{key}:breach")]
        if when.warn_at is not None:
            jobs.append(
                Job(SLA_JOB, when.warn_at, {**payload, "stage": "warning"}, key=f"{key}:warning")
            )
        return jobs

    async def _arm_resolution(self, ref: CommunityRef, ticket: Ticket, when: Deadline) -> None:
        """Store the resolution due time and its two timers, in one transaction."""
        round_ = ticket.resolve_round + 1
        await self.store.update(
            ticket.id,
            jobs=self._timers(ref, ticket.id, round_, when, "resolution"),
            now=self.services.clock.now(),
            resolve_round=round_,
            resolve_due_at=when.due_at,
            resolve_left_s=None,
        )
        self.services.scheduler.wake()
        if when.warn_at is None:
            await self.services.scheduler.cancel(f"{SLA_JOB}:{ticket.id}:resolution:warning")
        ticket.resolve_round, ticket.resolve_due_at, ticket.resolve_left_s = (
            round_,
            when.due_at,
            None,
        )

    async def _stop_resolution(
        self, ref: CommunityRef, ticket: Ticket, *, pause: bool = False
    ) -> int | None:
        """Stop the resolution clock; with `pause`, keep the working time it had left."""
        left: int | None = None
        if ticket.resolve_due_at is not None:
            now = self.services.clock.now()
            left = int(self._hours(ref).between(now, ticket.resolve_due_at).total_seconds())
            if now > ticket.resolve_due_at:
                left = -1
        elif ticket.resolve_left_s is not None:
            left = ticket.resolve_left_s
        await self.store.update(
            ticket.id,
            resolve_due_at=None,
            resolve_left_s=left if pause else None,
            resolve_round=ticket.resolve_round + 1,
        )
        for stage in ("warning", "breach"):
            await self.services.scheduler.cancel(f"{SLA_JOB}:{ticket.id}:resolution:{stage}")
        ticket.resolve_round += 1
        ticket.resolve_due_at, ticket.resolve_left_s = None, left if pause else None
        return left

    async def _resume_resolution(self, ref: CommunityRef, ticket: Ticket) -> None:
        """After pending: the resolution clock goes on with the working time it had left."""
        if ticket.resolve_left_s is None:
            return
        when = resume(
            self._hours(ref),
            self.services.clock.now(),
            timedelta(seconds=max(ticket.resolve_left_s, 0)),
            self._target(ticket, "resolution"),
            self.rules.warn_share,
        )
        await self._arm_resolution(ref, ticket, when)

    async def _arm(self, ref: CommunityRef, ticket: Ticket, kind: str, when: Deadline) -> None:
        """Store the running target on the ticket and its two timers, in one transaction."""
        round_ = ticket.clock_round + 1
        await self.store.update(
            ticket.id,
            jobs=self._timers(ref, ticket.id, round_, when),
            now=self.services.clock.now(),
            clock_kind=kind,
            clock_round=round_,
            clock_warn_at=when.warn_at,
            clock_due_at=when.due_at,
            clock_left_s=None,
        )
        self.services.scheduler.wake()
        if when.warn_at is None:  # an older warning would find a newer round and do nothing
            await self.services.scheduler.cancel(f"{SLA_JOB}:{ticket.id}:warning")
        ticket.clock_kind, ticket.clock_round, ticket.clock_left_s = kind, round_, None
        ticket.clock_warn_at, ticket.clock_due_at = when.warn_at, when.due_at

    async def _start_clock(self, ref: CommunityRef, ticket: Ticket, kind: str) -> Deadline:
        now = self.services.clock.now()
        when = deadline(self._hours(ref), now, self._target(ticket, kind), self.rules.warn_share)
        await self._arm(ref, ticket, kind, when)
        return when

    async def _stop_clock(self, ref: CommunityRef, ticket: Ticket, *, pause: bool = False) -> None:
        """Stop the running target; with `pause`, keep the working time it had left."""
        left: int | None = None
        if pause and ticket.clock_due_at is not None:
            now = self.services.clock.now()
            left = int(self._hours(ref).between(now, ticket.clock_due_at).total_seconds())
        await self.store.update(
            ticket.id,
            clock_kind=ticket.clock_kind if pause else None,
            clock_warn_at=None,
            clock_due_at=None,
            clock_left_s=left,
            clock_round=ticket.clock_round + 1,
        )
        for stage in ("warning", "breach"):
            await self.services.scheduler.cancel(f"{SLA_JOB}:{ticket.id}:{stage}")

    @job(SLA_JOB)
    async def on_sla(self, run: JobRun) -> None:
        """A warning or breach timer; stale rounds (the clock moved since) do nothing."""
        ticket = await self.store.get(int(run.payload["ticket"]))
        stage = str(run.payload["stage"])
        if ticket is None or ticket.status != "open":
            return
        clock: str | None
        if run.payload.get("target") == "resolution":
            round_, clock, due = ticket.resolve_round, "resolution", ticket.resolve_due_at
            key = f"sla:{ticket.id}:resolution:{round_}:{stage}"
            if due is None:
                return
        else:
            round_, clock, due = ticket.clock_round, ticket.clock_kind, ticket.clock_due_at
            key = f"sla:{ticket.id}:{round_}:{stage}"
        if round_ != int(run.payload["round"]) or clock is None:  # stale, or the clock stopped
            return
        ref = community_from(run.payload)
        # A keyed effect: a re-run after a crash (or a second instance) sends nothing twice.
        await self.services.scheduler.once(
            f"support.{key}", lambda: self._sla_notice(ref, ticket, stage, key, clock, due)
        )

    async def _sla_notice(
        self,
        ref: CommunityRef,
        ticket: Ticket,
        stage: str,
        key: str,
        clock: str,
        due_at: datetime | None,
    ) -> None:
        now = self.services.clock.now()
        kind = "sla_warning" if stage == "warning" else "sla_breach"
        if not await self.store.change(ticket.id, kind, now, detail=clock, key=key):
            return  # the event is written already: so was its notice
        locale = self._locale(ref)
        target = t(locale, f"support.targets.{clock}")
        due = due_at or now
        if stage == "warning":
            left = self._hours(ref).between(now, due)
            text = t(
                locale,
                "support.sla.warning",
                id=str(ticket.id),
                share=round(self.rules.warn_share * 100),
                target=target,
                due=self._moment(ref, due),
                remaining=left,
                assignee=ticket.assignee_name or t(locale, "support.nobody"),
            )
            await self._send(self._staff_chat(ref), text)
            return
        team_name = ticket.team or self.rules.breach_team
        team = self.rules.teams.get(team_name) if team_name else None
        await self._send(
            self._staff_chat(ref),
            t(
                locale,
                "support.sla.breach",
                id=str(ticket.id),
                target=target,
                due=self._moment(ref, due),
                team=team.name.get(locale) if team else t(locale, "support.no_team"),
            ),
        )
        if team is not None and team_name is not None and not ticket.escalated:
            await self._escalate(ref, ticket, team_name, team, actor=None, auto=True)
