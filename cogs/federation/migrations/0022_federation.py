"""Federations: communities, admins, join codes, linked accounts, bans and where each applied

Revision ID: 0022
Revises: 0023
Create Date: 2026-11-29 03:25:46.449122
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "federations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("owner_platform", sa.String(length=16), nullable=False),
        sa.Column("owner_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "log_community_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("log_chat_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["log_community_id"],
            ["communities.id"],
            name=op.f("fk_federations_log_community_id_communities"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federations")),
    )
    op.create_table(
        "federation_admins",
        sa.Column(
            "federation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["federation_id"],
            ["federations.id"],
            name=op.f("fk_federation_admins_federation_id_federations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "federation_id", "platform", "user_id", name=op.f("pk_federation_admins")
        ),
    )
    op.create_table(
        "federation_bans",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "federation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("user_name", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("banned_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_by", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["federation_id"],
            ["federations.id"],
            name=op.f("fk_federation_bans_federation_id_federations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_bans")),
    )
    with op.batch_alter_table("federation_bans", schema=None) as batch_op:
        batch_op.create_index(
            "ix_federation_bans_member", ["federation_id", "platform", "user_id"], unique=False
        )

    op.create_table(
        "federation_codes",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column(
            "federation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(
            ["federation_id"],
            ["federations.id"],
            name=op.f("fk_federation_codes_federation_id_federations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["used_by"],
            ["communities.id"],
            name=op.f("fk_federation_codes_used_by_communities"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_federation_codes")),
    )
    op.create_table(
        "federation_communities",
        sa.Column(
            "federation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "community_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_federation_communities_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["federation_id"],
            ["federations.id"],
            name=op.f("fk_federation_communities_federation_id_federations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "federation_id", "community_id", name=op.f("pk_federation_communities")
        ),
    )
    with op.batch_alter_table("federation_communities", schema=None) as batch_op:
        batch_op.create_index("ix_federation_communities_community", ["community_id"], unique=False)

    op.create_table(
        "federation_links",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "federation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("person", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["federation_id"],
            ["federations.id"],
            name=op.f("fk_federation_links_federation_id_federations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_links")),
        sa.UniqueConstraint(
            "federation_id",
            "platform",
            "user_id",
            name=op.f("uq_federation_links_federation_id_platform_user_id"),
        ),
    )
    op.create_table(
        "federation_applications",
        sa.Column("ban_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "community_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ban_id"],
            ["federation_bans.id"],
            name=op.f("fk_federation_applications_ban_id_federation_bans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_federation_applications_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ban_id", "community_id", name=op.f("pk_federation_applications")),
    )


def downgrade() -> None:
    op.drop_table("federation_applications")
    op.drop_table("federation_links")
    with op.batch_alter_table("federation_communities", schema=None) as batch_op:
        batch_op.drop_index("ix_federation_communities_community")

    op.drop_table("federation_communities")
    op.drop_table("federation_codes")
    with op.batch_alter_table("federation_bans", schema=None) as batch_op:
        batch_op.drop_index("ix_federation_bans_member")

    op.drop_table("federation_bans")
    op.drop_table("federation_admins")
    op.drop_table("federations")
