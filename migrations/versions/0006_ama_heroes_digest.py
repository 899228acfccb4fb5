"""AMA, hero of the week and weekly digest tables

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 22:12:44.861298
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ama_sessions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "community_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("topic", sa.String(length=500), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("announcement_id", sa.String(length=64), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("top_posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_ama_sessions_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ama_sessions")),
    )
    with op.batch_alter_table("ama_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ama_sessions_community_id"), ["community_id", "status"], unique=False
        )

    op.create_table(
        "digest_issues",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "community_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_digest_issues_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_issues")),
        sa.UniqueConstraint(
            "community_id", "week", name=op.f("uq_digest_issues_community_id_week")
        ),
    )
    op.create_table(
        "digest_state",
        sa.Column(
            "community_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("teaser", sa.Text(), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_digest_state_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("community_id", name=op.f("pk_digest_state")),
    )
    op.create_table(
        "hero_signals",
        sa.Column(
            "community_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("signal", sa.String(length=32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_hero_signals_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "community_id", "day", "user_id", "signal", name=op.f("pk_hero_signals")
        ),
    )
    op.create_table(
        "hero_weeks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "community_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("role", sa.String(length=100), nullable=False),
        sa.Column("role_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_hero_weeks_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hero_weeks")),
        sa.UniqueConstraint("community_id", "week", name=op.f("uq_hero_weeks_community_id_week")),
    )
    op.create_table(
        "ama_questions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "session_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("author_id", sa.String(length=64), nullable=False),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("tokens", sa.Text(), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "merged_into", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("answer_chat_id", sa.String(length=64), nullable=True),
        sa.Column("answer_message_id", sa.String(length=64), nullable=True),
        sa.Column("answered_by", sa.String(length=64), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["ama_sessions.id"],
            name=op.f("fk_ama_questions_session_id_ama_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ama_questions")),
    )
    with op.batch_alter_table("ama_questions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ama_questions_chat_id"), ["chat_id", "message_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ama_questions_session_id"), ["session_id", "status"], unique=False
        )

    op.create_table(
        "ama_askers",
        sa.Column(
            "question_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("user_name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["ama_questions.id"],
            name=op.f("fk_ama_askers_question_id_ama_questions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("question_id", "user_id", name=op.f("pk_ama_askers")),
    )
    op.create_table(
        "ama_votes",
        sa.Column(
            "question_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["ama_questions.id"],
            name=op.f("fk_ama_votes_question_id_ama_questions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("question_id", "user_id", name=op.f("pk_ama_votes")),
    )


def downgrade() -> None:
    op.drop_table("ama_votes")
    op.drop_table("ama_askers")
    with op.batch_alter_table("ama_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ama_questions_session_id"))
        batch_op.drop_index(batch_op.f("ix_ama_questions_chat_id"))

    op.drop_table("ama_questions")
    op.drop_table("hero_weeks")
    op.drop_table("hero_signals")
    op.drop_table("digest_state")
    op.drop_table("digest_issues")
    with op.batch_alter_table("ama_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ama_sessions_community_id"))

    op.drop_table("ama_sessions")
