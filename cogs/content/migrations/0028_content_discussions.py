"""Content: discussions of posts and debates (reply chains, threads) and the replies in them

Revision ID: 0028
Revises: 0029b
Create Date: 2026-11-29 06:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0029b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "content_discussions",
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("thread_id", sa.String(length=64), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "subject", "platform", "chat_id", name=op.f("pk_content_discussions")
        ),
    )
    op.create_index(
        "ix_content_discussions_opened", "content_discussions", ["opened_at"], unique=False
    )
    op.create_table(
        "content_replies",
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "subject", "platform", "chat_id", "message_id", name=op.f("pk_content_replies")
        ),
    )


def downgrade() -> None:
    op.drop_table("content_replies")
    op.drop_index("ix_content_discussions_opened", table_name="content_discussions")
    op.drop_table("content_discussions")
