"""What the content feature publishes: the digest's debates and UGC sections, and the hero of
the week's `ugc_featured` tally (featured posts and challenge results)."""

from __future__ import annotations

from bot.core.published import Period, Published
from bot.i18n import t
from cogs.content.discussions import Discussions
from cogs.content.store import ContentStore

# Longest excerpt of a featured post the digest quotes.
EXCERPT = 120


class ContentPublished:
    def __init__(self, store: ContentStore, discussions: Discussions) -> None:
        self._store = store
        self._discussions = discussions
        # One bound method each, so detach withdraws exactly what attach published.
        self._debates = self.debates
        self._ugc = self.ugc
        self._tally = self.ugc_featured

    def attach(self, published: Published) -> None:
        published.sections.add("debates", self._debates)
        published.sections.add("ugc", self._ugc)
        published.tallies.add("ugc_featured", self._tally)

    def detach(self, published: Published) -> None:
        published.sections.remove("debates", only=self._debates)
        published.sections.remove("ugc", only=self._ugc)
        published.tallies.remove("ugc_featured", only=self._tally)

    async def debates(self, period: Period) -> str | None:
        """Debates that ended in the period, each with its two sides' counts."""
        debates = await self._store.closed_debates(period.community_id, period.start, period.end)
        if not debates:
            return None
        lines = [t(period.locale, "content.digest.debates")]
        for debate in debates[: period.limit]:
            a, b = await self._store.sides(debate.id)
            line = t(
                period.locale,
                "content.digest.debate",
                question=debate.question,
                side_a=debate.side_a,
                side_b=debate.side_b,
                a=a,
                b=b,
            )
            # What was said in its discussion: replies, or messages in its thread.
            replies, _people = await self._discussions.counts(f"debate:{debate.id}")
            if replies:
                line += t(period.locale, "content.digest.argued", count=replies)
            lines.append(line)
        return "\n".join(lines)

    async def ugc(self, period: Period) -> str | None:
        """Featured posts with thanks to their authors, and how many shared challenge results."""
        featured = await self._store.featured_in(period.community_id, period.start, period.end)
        results = await self._store.results_in(period.community_id, period.start, period.end)
        if not featured and not results:
            return None
        lines = [t(period.locale, "content.digest.ugc")]
        for post in featured[: period.limit]:
            excerpt = " ".join(post.excerpt.split())
            if len(excerpt) > EXCERPT:
                excerpt = excerpt[: EXCERPT - 1].rstrip() + "…"
            key = "content.digest.featured" if excerpt else "content.digest.featured_bare"
            lines.append(t(period.locale, key, name=post.name, excerpt=excerpt))
        if results:
            people = len({r.user_id for r in results})
            lines.append(t(period.locale, "content.digest.results", count=people))
        lines.append(t(period.locale, "content.digest.thanks"))
        return "\n".join(lines)

    async def ugc_featured(self, period: Period) -> list[str]:
        """One user id per featured post and per challenge result in the period."""
        featured = await self._store.featured_in(period.community_id, period.start, period.end)
        results = await self._store.results_in(period.community_id, period.start, period.end)
        return [post.user_id for post in featured] + [result.user_id for result in results]
