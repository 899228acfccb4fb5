"""Reports can be closed: who closed a report and when (status: resolved, dismissed, acted)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 00:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mod_reports") as batch:
        batch.add_column(sa.Column("closed_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mod_reports") as batch:
        batch.drop_column("closed_at")
        batch.drop_column("closed_by")
