"""Where members were last seen posting (written in batches), and "helpful" marks."""

from __future__ import annotations

from datetime import timedelta

from bot.core.cogs import listen
from bot.core.context import Context
from bot.core.events import ReactionAdded
from cogs.onboarding.base import Key, OnboardingBase
from cogs.onboarding.path import plain_emoji
from cogs.onboarding.store import Poster

FLUSH_AT = 500  # pending poster records before a batch write
FLUSH_EVERY = timedelta(minutes=5)  # or this old, so a crash loses little
KNOWN_FOR = timedelta(days=1)  # how long a poster counts as recorded before we refresh them
KNOWN_MAX = 100_000  # and at most this many, however busy the day


class Posters(OnboardingBase):
    """Records posters for the role path, bounded in time and number."""

    async def _poster(self, key: Key, name: str, chat_id: str) -> None:
        if self._bumped_since is None:
            self._bumped_since = self.services.clock.now()
        self._posters[key] = Poster(name, chat_id)
        self._remember(key)
        started = self._bumped_since
        overdue = self.services.clock.now() - started >= FLUSH_EVERY
        if len(self._posters) >= FLUSH_AT or overdue:
            await self.flush()

    def _remember(self, key: Key) -> None:
        now = self.services.clock.now()
        self._known[key] = now
        self._known.move_to_end(key)
        while self._known:
            oldest = next(iter(self._known.values()))
            if now - oldest < KNOWN_FOR and len(self._known) <= KNOWN_MAX:
                break
            self._known.popitem(last=False)

    @listen(ReactionAdded, group=5)
    async def on_reaction(self, ctx: Context[ReactionAdded]) -> None:
        """A "helpful" emoji on a member's message counts toward their next role (the core
        ledger counts the reaction received itself)."""
        event = ctx.event
        author = event.message_author
        if author is None or author == ctx.actor.user or ctx.actor.is_bot:
            return
        if plain_emoji(event.emoji) in self._compiled().helpful:
            ledger, ref = self.services.activity, ctx.community.ref
            ledger.add(ref, author.id, ledger.day_of(ref, event.at), "helpful_marks")

    async def flush(self, only: Key | None = None) -> None:
        """Write where members were last seen posting, gathered since the last flush.

        With `only`, just that member's (a member command must not write everyone's).
        """
        if only is not None:
            mine = self._posters.pop(only, None)
            posters = {only: mine} if mine is not None else {}
        elif self._posters:
            posters, self._posters, self._bumped_since = self._posters, {}, None
        else:
            posters = {}
        if not posters:
            return
        try:
            by_id = {
                (await self.services.directory.id_for(ref), user_id): poster
                for (ref, user_id), poster in posters.items()
            }
            await self.store.add_posters(by_id)
        except Exception:
            for key, poster in posters.items():  # keep them for the next try
                self._posters.setdefault(key, poster)
            raise
