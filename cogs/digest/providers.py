"""The digest's own section: the teaser an admin set with /digest_next.

Every other section is published by the feature that owns its data (`bot/core/published.py`):
"questions" and "next_ama" by the AMA, "hero" by the heroes cog, "polls" by the polls cog.
`sections` in `[digest]` of rules/rituals.toml picks which names appear and in what order; a
name nobody publishes is skipped, so "ideas" stays silent until the ideas board publishes one.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.published import Period
from bot.i18n import t
from cogs.digest.models import DigestState


class Teaser:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def __call__(self, period: Period) -> str | None:
        """The next topic an admin set with /digest_next."""
        async with self._sessions() as session:
            text = await session.scalar(
                select(DigestState.teaser).where(DigestState.community_id == period.community_id)
            )
        return t(period.locale, "digest.teaser", text=text) if text else None
