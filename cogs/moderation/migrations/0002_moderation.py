"""moderation

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 22:16:07.843325
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mod_cases",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "community_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("user_name", sa.String(length=200), nullable=False),
        sa.Column("moderator_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pardoned", sa.Boolean(), nullable=False),
        sa.Column("pardoned_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_mod_cases_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mod_cases")),
    )
    with op.batch_alter_table("mod_cases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mod_cases_community_id"),
            ["community_id", "user_id", "created_at"],
            unique=False,
        )

    op.create_table(
        "mod_reports",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "community_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("reporter_id", sa.String(length=64), nullable=False),
        sa.Column("target_user_id", sa.String(length=64), nullable=True),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=True),
        sa.Column("excerpt", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_mod_reports_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mod_reports")),
    )
    with op.batch_alter_table("mod_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mod_reports_community_id"), ["community_id", "status"], unique=False
        )

    op.create_table(
        "mod_slowmodes",
        sa.Column(
            "community_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.Column("native", sa.Boolean(), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_mod_slowmodes_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("community_id", "chat_id", name=op.f("pk_mod_slowmodes")),
    )


def downgrade() -> None:
    op.drop_table("mod_slowmodes")
    with op.batch_alter_table("mod_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mod_reports_community_id"))

    op.drop_table("mod_reports")
    with op.batch_alter_table("mod_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mod_cases_community_id"))

    op.drop_table("mod_cases")
