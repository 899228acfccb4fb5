"""A persistent, bounded index of recent messages per channel for /purge (ids and times only)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 01:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RowId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "mod_recent_messages",
        sa.Column("community_id", RowId, nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_mod_recent_messages_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "community_id", "chat_id", "message_id", name=op.f("pk_mod_recent_messages")
        ),
    )
    with op.batch_alter_table("mod_recent_messages") as batch:
        batch.create_index(
            batch.f("ix_mod_recent_messages_community_id"),
            ["community_id", "chat_id", "sent_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("mod_recent_messages") as batch:
        batch.drop_index(batch.f("ix_mod_recent_messages_community_id"))
    op.drop_table("mod_recent_messages")
