"""Who may see the dashboard: one-time login links from /dashboard, and browser sessions.

A login link carries 32 random bytes; only their SHA-256 is stored, so a copy of the database
signs nobody in. Redeeming marks the row used in the same UPDATE that checks it is unused and
unexpired, so a link works once even when two requests race. A session is a random id in a
signed cookie (bot/web/server.py), stored hashed with the communities it may see: each login
link adds the one community it was issued in, at the level its holder had there.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import WebSection
from bot.core.clock import Clock
from bot.core.permissions import Level
from bot.core.refs import CommunityRef, UserRef
from bot.db.models import Community as CommunityRow
from bot.db.models_web import WebLoginToken, WebSession, WebSessionCommunity


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class TooManyLinks(Exception):
    """The person asked for more login links this hour than `[web] links_per_hour` allows."""

    def __init__(self, retry_at: datetime) -> None:
        super().__init__(f"too many login links; next one at {retry_at.isoformat()}")
        self.retry_at = retry_at


@dataclass(frozen=True)
class Seat:
    """One community a session may see."""

    community_id: int
    ref: CommunityRef
    level: Level


@dataclass(frozen=True)
class SignedIn:
    """A live session: who it is and exactly the communities it may see."""

    id: str
    user: UserRef
    name: str
    csrf: str
    seats: tuple[Seat, ...]

    def seat(self, community_id: int) -> Seat | None:
        """The session's rights in `community_id`; None (refused) when it has none there."""
        return next((s for s in self.seats if s.community_id == community_id), None)


class Logins:
    """Issues login links and turns them into sessions; every check fails closed."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock, config: WebSection
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._config = config

    async def issue(
        self, user: UserRef, name: str, community_id: int, level: Level
    ) -> tuple[str, datetime]:
        """A new login link's URL and expiry; raises TooManyLinks past the hourly limit."""
        if level < Level.MODERATOR:
            raise PermissionError("only moderators and admins get dashboard links")
        now = self._clock.now()
        token = secrets.token_urlsafe(32)
        expires = now + timedelta(minutes=self._config.login_minutes)
        async with self._sessions.begin() as session:
            recent = list(
                await session.scalars(
                    select(WebLoginToken.created_at)
                    .where(
                        WebLoginToken.platform == user.platform,
                        WebLoginToken.user_id == user.id,
                        WebLoginToken.created_at > now - timedelta(hours=1),
                    )
                    .order_by(WebLoginToken.created_at)
                )
            )
            if len(recent) >= self._config.links_per_hour:
                raise TooManyLinks(recent[-self._config.links_per_hour] + timedelta(hours=1))
            session.add(
                WebLoginToken(
                    token_hash=_digest(token),
                    platform=user.platform,
                    user_id=user.id,
                    user_name=name[:200],
                    community_id=community_id,
                    level=int(level),
                    created_at=now,
                    expires_at=expires,
                )
            )
        return f"{self._config.root}/login/{token}", expires

    async def redeem(self, token: str, current: SignedIn | None) -> tuple[str, int] | None:
        """Spend a login link: the session id for the cookie and the link's community, or None
        when refused.

        Refused when the link is unknown, expired or used. A browser already signed in as the
        same person keeps its session and gains the link's community; anyone else gets a new one.
        """
        now = self._clock.now()
        async with self._sessions.begin() as session:
            row = await session.scalar(
                select(WebLoginToken).where(WebLoginToken.token_hash == _digest(token))
            )
            if row is None:
                return None
            spent = await session.execute(
                update(WebLoginToken)
                .where(
                    WebLoginToken.id == row.id,
                    WebLoginToken.used_at.is_(None),
                    WebLoginToken.expires_at > now,
                )
                .values(used_at=now)
            )
            if getattr(spent, "rowcount", 0) != 1:
                return None
            same = current is not None and current.user == UserRef(row.platform, row.user_id)
            if current is not None and same:
                sid = current.id
                found = await session.get(WebSessionCommunity, (_digest(sid), row.community_id))
                if found is not None:
                    found.level = row.level
                else:
                    session.add(
                        WebSessionCommunity(
                            session_id=_digest(sid), community_id=row.community_id, level=row.level
                        )
                    )
                return sid, row.community_id
            sid = secrets.token_urlsafe(32)
            session.add(
                WebSession(
                    id=_digest(sid),
                    platform=row.platform,
                    user_id=row.user_id,
                    user_name=row.user_name,
                    csrf=secrets.token_urlsafe(24),
                    created_at=now,
                    expires_at=now + timedelta(hours=self._config.session_hours),
                )
            )
            await session.flush()
            session.add(
                WebSessionCommunity(
                    session_id=_digest(sid), community_id=row.community_id, level=row.level
                )
            )
            return sid, row.community_id

    async def valid(self, token: str) -> bool:
        """Whether a login link may still be spent (for the page before the button)."""
        async with self._sessions() as session:
            row = await session.scalar(
                select(WebLoginToken).where(WebLoginToken.token_hash == _digest(token))
            )
        return row is not None and row.used_at is None and row.expires_at > self._clock.now()

    async def session(self, sid: str) -> SignedIn | None:
        """The live session behind a cookie's id; None when unknown or expired."""
        async with self._sessions() as session:
            row = await session.get(WebSession, _digest(sid))
            if row is None or row.expires_at <= self._clock.now():
                return None
            seats = (
                await session.execute(
                    select(
                        WebSessionCommunity.community_id,
                        WebSessionCommunity.level,
                        CommunityRow.platform,
                        CommunityRow.external_id,
                    )
                    .join(CommunityRow, CommunityRow.id == WebSessionCommunity.community_id)
                    .where(WebSessionCommunity.session_id == row.id)
                    .order_by(WebSessionCommunity.community_id)
                )
            ).all()
        return SignedIn(
            id=sid,
            user=UserRef(row.platform, row.user_id),
            name=row.user_name,
            csrf=row.csrf,
            seats=tuple(
                Seat(community_id=c, ref=CommunityRef(p, e), level=Level(lv))
                for c, lv, p, e in seats
            ),
        )

    async def end(self, sid: str) -> None:
        """Sign out: the session row goes, so its cookie is worth nothing from now on."""
        async with self._sessions.begin() as session:
            await session.execute(delete(WebSession).where(WebSession.id == _digest(sid)))

    async def sweep(self) -> int:
        """Delete expired sessions and links older than a day (keeps both tables bounded)."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            gone = await session.execute(delete(WebSession).where(WebSession.expires_at <= now))
            await session.execute(
                delete(WebLoginToken).where(WebLoginToken.created_at < now - timedelta(days=1))
            )
        return int(getattr(gone, "rowcount", 0) or 0)
