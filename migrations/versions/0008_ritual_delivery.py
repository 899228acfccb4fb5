"""Delivery state of the weekly rituals: hero weeks and digests are claimed, then sent

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-26 22:45:00

Rows written before this revision were posted already, so they start as `sent`.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("hero_weeks") as batch:
        batch.add_column(
            sa.Column("status", sa.String(length=16), server_default="sent", nullable=False)
        )
        batch.add_column(sa.Column("message_id", sa.String(length=64), nullable=True))
    with op.batch_alter_table("digest_issues") as batch:
        batch.add_column(
            sa.Column("status", sa.String(length=16), server_default="sent", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("digest_issues") as batch:
        batch.drop_column("status")
    with op.batch_alter_table("hero_weeks") as batch:
        batch.drop_column("message_id")
        batch.drop_column("status")
