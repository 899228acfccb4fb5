"""telegram: update watermark per bot, chats of posted polls

Revision ID: 0003
Revises: 0008
Create Date: 2026-11-26 22:12:52.527941
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "telegram_offsets",
        sa.Column("bot_id", sa.String(length=64), nullable=False),
        sa.Column("last_update_id", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("bot_id", name=op.f("pk_telegram_offsets")),
    )
    op.create_table(
        "telegram_polls",
        sa.Column("poll_id", sa.String(length=64), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("poll_id", name=op.f("pk_telegram_polls")),
    )


def downgrade() -> None:
    op.drop_table("telegram_polls")
    op.drop_table("telegram_offsets")
