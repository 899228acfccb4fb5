"""reliability: keyed job effects (outbox), the update inbox, handled delivery ids

Revision ID: 0009
Revises: 0003
Create Date: 2026-11-29 00:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_effects",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_job_effects")),
    )
    op.create_table(
        "inbox",
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source", "seq", name=op.f("pk_inbox")),
    )
    op.create_index(op.f("ix_inbox_source"), "inbox", ["source", "handled_at", "seq"], unique=False)
    op.create_table(
        "deliveries",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("delivery_id", sa.String(length=64), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "delivery_id", name=op.f("pk_deliveries")),
    )
    op.create_index(op.f("ix_deliveries_seen_at"), "deliveries", ["seen_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_deliveries_seen_at"), table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_index(op.f("ix_inbox_source"), table_name="inbox")
    op.drop_table("inbox")
    op.drop_table("job_effects")
