"""Database access of the polls cog: polls, and votes written one transaction each.

For reaction polls `poll_votes` holds every poll reaction a member still has on the message
(one row per emoji), not only the vote: a single-choice vote is derived at tally time from
the most recent reaction still present, so taking back the newest reaction brings the older
one back into force, across restarts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.replay import event_write
from bot.scheduler import FollowUps, no_follow_ups, stage
from cogs.polls.models import Poll, PollVote

# Reactions of one member are ordered by `voted_at`; two at the same clock reading are
# stored this far apart so the later one still reads as later.
TIE_BREAK = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Tally:
    """Votes per option, the number of distinct voters, and (public polls) who chose what."""

    counts: tuple[int, ...]
    voters: int
    names: tuple[tuple[str, ...], ...] = field(default=())


class PollStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def create(self, then: FollowUps = no_follow_ups, **values: object) -> int:
        """Store a poll with the jobs that must follow it (its close), in one transaction."""
        async with self._sessions.begin() as session:
            mark = await event_write(session, "polls.poll")
            if mark.done and mark.result is not None:
                return mark.result  # written by a run a crash interrupted: not again
            poll = Poll(**values)
            session.add(poll)
            await session.flush()
            for job in then(poll.id):
                await stage(session, job, poll.created_at)
            await mark.record(session, poll.id)
            return poll.id

    async def get(self, poll_id: int) -> Poll | None:
        async with self._sessions() as session:
            return await session.get(Poll, poll_id)

    async def by_native(self, platform: str, native_id: str) -> Poll | None:
        async with self._sessions() as session:
            return await session.scalar(
                select(Poll).where(Poll.platform == platform, Poll.native_poll_id == native_id)
            )

    async def open_reaction_polls(self) -> list[Poll]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(Poll).where(Poll.mode == "reactions", Poll.status == "open")
            )
            return list(rows.all())

    async def set_fields(self, poll_id: int, **fields: object) -> None:
        async with self._sessions.begin() as session:
            await session.execute(update(Poll).where(Poll.id == poll_id).values(**fields))

    async def close(self, poll_id: int, at: datetime) -> Poll | None:
        """Mark the poll closed (votes are refused from now on); return it, or None if unknown."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(Poll)
                .where(Poll.id == poll_id, Poll.status == "open")
                .values(status="closed", closed_at=at)
            )
            return await session.get(Poll, poll_id)

    async def choices(self, poll_id: int, user_id: str) -> set[int]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(PollVote.option).where(
                    PollVote.poll_id == poll_id, PollVote.user_id == user_id
                )
            )
            return set(rows.all())

    async def vote(
        self,
        poll_id: int,
        user_id: str,
        name: str,
        at: datetime,
        *,
        set_to: Iterable[int] | None = None,
        add: int | None = None,
        remove: int | None = None,
    ) -> set[int]:
        """Change one member's vote in its own transaction; return their options after it.

        `set_to` replaces the vote (single choice, native answers, empty retracts); `add` and
        `remove` change one option (multi-choice toggles, reactions).
        """
        async with self._sessions.begin() as session:
            mine = (PollVote.poll_id == poll_id) & (PollVote.user_id == user_id)
            current = set((await session.scalars(select(PollVote.option).where(mine))).all())
            wanted = set(current)
            if set_to is not None:
                wanted = set(set_to)
            if add is not None:
                wanted.add(add)
            if remove is not None:
                wanted.discard(remove)
            gone, new = current - wanted, wanted - current
            if gone:
                await session.execute(delete(PollVote).where(mine, PollVote.option.in_(gone)))
            for option in sorted(new):
                session.add(
                    PollVote(
                        poll_id=poll_id,
                        user_id=user_id,
                        option=option,
                        voter_name=name[:200],
                        voted_at=at,
                    )
                )
        return wanted

    async def react(
        self, poll_id: int, user_id: str, name: str, at: datetime, option: int, *, present: bool
    ) -> None:
        """Record that a member's reaction for `option` is now on (or off) the poll message."""
        async with self._sessions.begin() as session:
            mine = (PollVote.poll_id == poll_id) & (PollVote.user_id == user_id)
            if not present:
                await session.execute(delete(PollVote).where(mine, PollVote.option == option))
                return
            if await session.get(PollVote, (poll_id, user_id, option)) is not None:
                return  # a re-delivered reaction keeps its original time
            latest = await session.scalar(select(func.max(PollVote.voted_at)).where(mine))
            if latest is not None and at <= latest:
                at = latest + TIE_BREAK
            session.add(
                PollVote(
                    poll_id=poll_id,
                    user_id=user_id,
                    option=option,
                    voter_name=name[:200],
                    voted_at=at,
                )
            )

    async def tally(self, poll: Poll) -> Tally:
        """Results computed from the stored votes (a reaction poll's: from present reactions)."""
        async with self._sessions() as session:
            rows: list[tuple[int, str, str]] = [
                (option, user_id, voter_name)
                for option, user_id, voter_name in await session.execute(
                    select(PollVote.option, PollVote.user_id, PollVote.voter_name)
                    .where(PollVote.poll_id == poll.id)
                    .order_by(PollVote.voted_at, PollVote.user_id)
                )
            ]
        if poll.mode == "reactions" and not poll.multiple:
            # Single choice: the member's most recent reaction still on the message counts.
            latest: dict[str, tuple[int, str]] = {}
            for option, user_id, voter_name in rows:
                latest.pop(user_id, None)  # re-inserted: the dict stays in order of the vote
                latest[user_id] = (option, voter_name)
            rows = [(o, u, n) for u, (o, n) in latest.items()]
        size = len(poll.options)
        counts = [0] * size
        names: list[list[str]] = [[] for _ in range(size)]
        voters = set()
        for option, user_id, voter_name in rows:
            if 0 <= option < size:
                counts[option] += 1
                names[option].append(voter_name or user_id)
                voters.add(user_id)
        return Tally(tuple(counts), len(voters), tuple(tuple(n) for n in names))
