"""Reading and writing the settings tables; one session per call."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Community
from cogs.settings.models import CommunitySetting, PersonLanguage


class SettingsStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def community_settings(self) -> list[tuple[str, str, str, str]]:
        """(platform, external id, key, value) of every stored community setting."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(
                    Community.platform,
                    Community.external_id,
                    CommunitySetting.key,
                    CommunitySetting.value,
                ).join(Community, Community.id == CommunitySetting.community_id)
            )
            return [(p, e, k, v) for p, e, k, v in rows.all()]

    async def set_community(self, community_id: int, key: str, value: str) -> None:
        async with self._sessions() as session, session.begin():
            await session.merge(CommunitySetting(community_id=community_id, key=key, value=value))

    async def people(self) -> list[tuple[str, str, str]]:
        async with self._sessions() as session:
            rows = await session.execute(
                select(PersonLanguage.platform, PersonLanguage.user_id, PersonLanguage.locale)
            )
            return [(p, u, loc) for p, u, loc in rows.all()]

    async def set_person(self, platform: str, user_id: str, locale: str | None) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(
                delete(PersonLanguage).where(
                    PersonLanguage.platform == platform, PersonLanguage.user_id == user_id
                )
            )
            if locale is not None:
                session.add(PersonLanguage(platform=platform, user_id=user_id, locale=locale))
