"""Tables of the Telegram adapter: the update watermark per bot and the chats of posted polls."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UTCDateTime

PlatformId = String(64)


class TelegramOffset(Base):
    """The highest update_id fully processed by a bot; re-deliveries up to it are skipped."""

    __tablename__ = "telegram_offsets"

    bot_id: Mapped[str] = mapped_column(PlatformId, primary_key=True)
    last_update_id: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TelegramPoll(Base):
    """A native poll the bot posted: poll answers name only the poll, not its chat."""

    __tablename__ = "telegram_polls"

    poll_id: Mapped[str] = mapped_column(PlatformId, primary_key=True)
    chat_id: Mapped[str] = mapped_column(PlatformId)
    message_id: Mapped[str] = mapped_column(PlatformId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
