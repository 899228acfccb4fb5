"""Vote manipulation: accounts that join and at once vote, react or press in bursts.

Bought or puppet accounts join a community and within minutes cast a burst of votes (poll
answers, AMA and idea upvotes, reactions that count as hero signals). A member who joined within
`join_minutes` and casts `votes` or more in `seconds` is flagged: the votes from the burst on
are discounted (they never reach the poll, AMA, ideas or heroes handlers) for `discount_hours`,
and the moderators are told once. Votes cast before the burst was recognised stay counted: the
features own their tallies, and a vote under the limit is indistinguishable from an honest one.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

from bot.core.refs import CommunityRef
from cogs.moderation.rules import Manipulation

Key = tuple[CommunityRef, str]
MAX_TRACKED = 50_000


class VoteBursts:
    """Per newcomer, the times of recent votes; who is flagged, and until when."""

    def __init__(self) -> None:
        self.votes: dict[Key, deque[datetime]] = {}
        self.flagged: dict[Key, datetime] = {}

    def discounted(self, key: Key, at: datetime) -> bool:
        until = self.flagged.get(key)
        if until is None:
            return False
        if at >= until:
            del self.flagged[key]
            return False
        return True

    def vote(self, key: Key, joined: datetime | None, at: datetime, rules: Manipulation) -> bool:
        """Record one vote; True when it completes a burst (the member is flagged now)."""
        if joined is None or at - joined > timedelta(minutes=rules.join_minutes):
            self.votes.pop(key, None)
            return False
        times = self.votes.get(key)
        if times is None:
            if len(self.votes) >= MAX_TRACKED:
                self.prune(at, rules)
            times = self.votes[key] = deque(maxlen=rules.votes)
        times.append(at)
        window = timedelta(seconds=rules.seconds)
        if len(times) >= rules.votes and at - times[0] <= window:
            del self.votes[key]
            self.flagged[key] = at + timedelta(hours=rules.discount_hours)
            return True
        return False

    def prune(self, now: datetime, rules: Manipulation) -> None:
        """Forget members whose join window is over and flags that ran out."""
        window = timedelta(minutes=rules.join_minutes)
        self.votes = {k: t for k, t in self.votes.items() if t and now - t[-1] < window}
        self.flagged = {k: until for k, until in self.flagged.items() if until > now}
        if len(self.votes) >= MAX_TRACKED:
            self.votes.clear()
