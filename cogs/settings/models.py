"""Settings chosen from chat: per community (/lang … all) and per person (/lang …)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base

PlatformId = String(64)


class CommunitySetting(Base):
    """One community setting written from chat; the config file wins when it sets the key."""

    __tablename__ = "settings_community"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class PersonLanguage(Base):
    """The language one person chose for what the bot tells them privately."""

    __tablename__ = "settings_person_language"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[str] = mapped_column(PlatformId, primary_key=True)
    locale: Mapped[str] = mapped_column(String(8))


class SavedNote(Base):
    """A saved answer (/note save), shown with /note get or `#name` in the chat."""

    __tablename__ = "settings_notes"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[str] = mapped_column(PlatformId)
