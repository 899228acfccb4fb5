"""Tracked links: the bot posts `/l/<id>` instead of a link, counts each open, and redirects.

Other features call `Links.shorten()` (through `Services.links`) for a link they post, naming
the community and the source ("faq:<entry>", "post:<kind>"). While the web server is off it
gives the link back unchanged, so callers never branch on it. Only http(s) links that a
feature shortened are ever redirected to: the target comes from the table, never from the
request, so `/l/` cannot be used as an open redirect.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import WebSection
from bot.core.clock import Clock
from bot.core.published import NextStep, Period
from bot.db.dialect import insert_for
from bot.db.models_web import TrackedLink

ID_BYTES = 6  # 8 URL-safe characters: 2^48 ids, far beyond what a community posts
MAX_URL = 2000


def safe_target(url: str) -> bool:
    """An absolute http(s) link with a host and no credentials or control characters."""
    if len(url) > MAX_URL or any(ord(c) < 33 or c == "\\" for c in url):
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and "@" not in parts.netloc


@dataclass(frozen=True)
class LinkStats:
    id: str
    source: str
    url: str
    clicks: int
    created_at: datetime
    last_click_at: datetime | None


class Links:
    """Shortens links for a community and a source; counts clicks; gives them back tagged."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock, config: WebSection
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._config = config

    @property
    def enabled(self) -> bool:
        return self._config.enabled

    async def shorten(self, community_id: int, url: str, source: str) -> str:
        """The link to post: `<base_url>/l/<id>` while the web server is on, else `url` itself.

        Raises ValueError for a link that is not absolute http(s) (nothing to redirect to).
        """
        if not safe_target(url):
            raise ValueError(f"only absolute http(s) links can be tracked, not {url[:80]!r}")
        if not self._config.enabled:
            return url
        source = source[:64]
        async with self._sessions.begin() as session:
            await session.execute(
                insert_for(session, TrackedLink)
                .values(
                    id=secrets.token_urlsafe(ID_BYTES),
                    community_id=community_id,
                    source=source,
                    url=url,
                    clicks=0,
                    created_at=self._clock.now(),
                )
                .on_conflict_do_nothing(index_elements=["community_id", "source", "url"])
            )
            link_id = await session.scalar(
                select(TrackedLink.id).where(
                    TrackedLink.community_id == community_id,
                    TrackedLink.source == source,
                    TrackedLink.url == url,
                )
            )
        return f"{self._config.root}/l/{link_id}"

    async def follow(self, link_id: str) -> str | None:
        """Count one open of `link_id` and return where it goes (tagged), or None if unknown."""
        async with self._sessions.begin() as session:
            row = await session.get(TrackedLink, link_id)
            if row is None or not safe_target(row.url):
                return None
            await session.execute(
                update(TrackedLink)
                .where(TrackedLink.id == link_id)
                .values(clicks=TrackedLink.clicks + 1, last_click_at=self._clock.now())
            )
            return self.tagged(row.url, row.source)

    def tagged(self, url: str, source: str) -> str:
        """`url` with the configured UTM tags added; tags the link already has are kept.

        Nothing is added unless `[web.utm]` sets a source or a medium; the campaign is then
        the configured one or the kind of source ("faq", "post").
        """
        utm = self._config.utm
        if not (utm.source or utm.medium):
            return url
        wanted = {
            "utm_source": utm.source,
            "utm_medium": utm.medium,
            "utm_campaign": utm.campaign or source.split(":", 1)[0],
        }
        parts = urlsplit(url)
        present = {key for key, _ in parse_qsl(parts.query, keep_blank_values=True)}
        added = urlencode([(k, v) for k, v in wanted.items() if v and k not in present])
        if not added:
            return url
        # Appended, so the link's own query keeps its exact spelling.
        query = f"{parts.query}&{added}" if parts.query else added
        return urlunsplit(parts._replace(query=query))

    async def next_steps(self, period: Period) -> list[NextStep]:
        """Each link shortened in the period (the metrics' "links"), with its clicks.

        `reach` is 0: an open of `/l/<id>` is anonymous (no login, no visitor id kept), so no
        member is known to have clicked; a count of distinct clickers is not stored.
        """
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(TrackedLink.created_at, TrackedLink.clicks).where(
                        TrackedLink.community_id == period.community_id,
                        TrackedLink.created_at >= period.start,
                        TrackedLink.created_at < period.end,
                    )
                )
            ).all()
        return [NextStep(at, "link", int(clicks), 0) for at, clicks in rows]

    async def for_community(self, community_id: int, limit: int = 100) -> list[LinkStats]:
        """The community's tracked links, most opened first."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(TrackedLink)
                .where(TrackedLink.community_id == community_id)
                .order_by(TrackedLink.clicks.desc(), TrackedLink.created_at)
                .limit(limit)
            )
            return [
                LinkStats(r.id, r.source, r.url, r.clicks, r.created_at, r.last_click_at)
                for r in rows
            ]
