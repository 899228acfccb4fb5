"""Writes made while handling an event, keyed by its delivery id, so a replay doubles nothing;
inbox rows name their chat (lane), so a chat's updates run in update-id order across instances

Revision ID: 0025
Revises: 0026
Create Date: 2026-11-29 04:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0026"  # 0018 on the branch; re-chained after merging main
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "event_writes",
        sa.Column("key", sa.String(length=200), primary_key=True),
        sa.Column("result", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_event_writes_created_at", "event_writes", ["created_at"])
    with op.batch_alter_table("inbox") as batch:
        batch.add_column(sa.Column("lane", sa.String(length=64), nullable=True))
    op.create_index("ix_inbox_lane", "inbox", ["source", "lane", "seq"])


def downgrade() -> None:
    op.drop_index("ix_inbox_lane", table_name="inbox")
    with op.batch_alter_table("inbox") as batch:
        batch.drop_column("lane")
    op.drop_index("ix_event_writes_created_at", table_name="event_writes")
    op.drop_table("event_writes")
