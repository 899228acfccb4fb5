"""Reading and writing the settings tables; one session per call."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Community
from cogs.settings.models import CommunitySetting, PersonLanguage, SavedNote


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

    async def save_note(self, community_id: int, name: str, text: str, author: str) -> None:
        async with self._sessions() as session, session.begin():
            await session.merge(
                SavedNote(community_id=community_id, name=name, text=text, author_id=author)
            )

    async def note(self, community_id: int, name: str) -> str | None:
        async with self._sessions() as session:
            row = await session.get(SavedNote, (community_id, name))
            return None if row is None else row.text

    async def note_names(self, community_id: int) -> list[str]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(SavedNote.name)
                .where(SavedNote.community_id == community_id)
                .order_by(SavedNote.name)
            )
            return list(rows)

    async def delete_note(self, community_id: int, name: str) -> bool:
        async with self._sessions() as session, session.begin():
            row = await session.get(SavedNote, (community_id, name))
            if row is None:
                return False
            await session.delete(row)
            return True
