"""Metrics: weekly D7/D30 cohorts kept once they can no longer change; the bot's posts per day

Revision ID: 0029b
Revises: 0029
Create Date: 2026-11-29 06:20:00

The community page's cohort table read every member's days again on each view (over a second
at 50,000 members). A week's D7 is final 14 days after it ends and its D30 37 days after, so
from then on it is kept here, one row a week; only the last weeks are computed live. The
table is a cache: it starts empty and fills on first read (or the daily rollup job).

`metrics_bot_posts` counts the bot's own posts per community and local day by the next step
they ask for (a poll, buttons, a thread, a question, a link; "" for none), written behind.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029b"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "metrics_cohorts",
        sa.Column(
            "community_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("d7", sa.Integer(), nullable=False),
        sa.Column("d30", sa.Integer(), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_metrics_cohorts_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("community_id", "week", name=op.f("pk_metrics_cohorts")),
    )

    op.create_table(
        "metrics_bot_posts",
        sa.Column(
            "community_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("posts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_metrics_bot_posts_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("community_id", "day", "kind", name=op.f("pk_metrics_bot_posts")),
    )


def downgrade() -> None:
    op.drop_table("metrics_bot_posts")
    op.drop_table("metrics_cohorts")
