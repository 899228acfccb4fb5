"""Support desk: the resolution target's own clock on the ticket

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 02:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("support_tickets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("resolve_round", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("resolve_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("resolve_left_s", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("resolved_in_time", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("support_tickets", schema=None) as batch_op:
        batch_op.drop_column("resolved_in_time")
        batch_op.drop_column("resolve_left_s")
        batch_op.drop_column("resolve_due_at")
        batch_op.drop_column("resolve_round")
