"""One activity ledger: the counters gain every signal, heroes' and onboarding's tallies move in

The hero of the week's `hero_signals` rows and onboarding's per-member reaction tallies become
columns of `activity_counters` (one write-behind ledger), summed into it here and dropped. The
metrics' rollups of closed periods get their table; the ledger is kept in day order.

Revision ID: 0020
Revises: 0025
Create Date: 2026-11-29 03:50:00
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_SIGNALS = (
    "votes",
    "questions",
    "reactions_received",
    "thanks_received",
    "helpful_answers",
    "helpful_marks",
    "ugc",
    "useful_ugc",
    "joins",
    "leaves",
    "staff",
    "bot",
)
# hero_signals' names -> the ledger's columns (markers keep 1 at most).
HERO_SIGNALS = {
    "helpful_answer": "helpful_answers",
    "thanks_received": "thanks_received",
    "reaction_received": "reactions_received",
    "_staff": "staff",
    "_bot": "bot",
}
RowId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _day(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        return date.fromisoformat(value[:10])
    return datetime.now().date()


def _fold(bind: sa.engine.Connection, tallies: dict[tuple[int, str, date], dict[str, int]]) -> None:
    """Add old tallies into the ledger: an existing day row grows, a missing one is made."""
    counters = sa.table(
        "activity_counters",
        sa.column("community_id"),
        sa.column("user_id"),
        sa.column("day", sa.Date()),
        *(sa.column(name) for name in ("messages", "reactions", "commands", *NEW_SIGNALS)),
    )
    for (community_id, user_id, day), values in tallies.items():
        key = (
            (counters.c.community_id == community_id)
            & (counters.c.user_id == user_id)
            & (counters.c.day == day)
        )
        # Markers are 0 or 1: adding 1 to a 1 would be wrong, so they are set to 1.
        changes = {
            name: sa.literal(1) if name in ("staff", "bot") else counters.c[name] + value
            for name, value in values.items()
        }
        if bind.execute(counters.update().where(key).values(**changes)).rowcount:
            continue
        row = dict.fromkeys(("messages", "reactions", "commands", *NEW_SIGNALS), 0)
        row.update(values)
        bind.execute(
            counters.insert().values(community_id=community_id, user_id=user_id, day=day, **row)
        )


def upgrade() -> None:
    # The table is rebuilt in (community, day, member) order: WITHOUT ROWID on SQLite, so a
    # period of a community is one contiguous read (see bot/db/models.py).
    with op.batch_alter_table(
        "activity_counters", recreate="always", table_kwargs={"sqlite_with_rowid": False}
    ) as batch:
        for name in NEW_SIGNALS:
            batch.add_column(sa.Column(name, sa.Integer(), server_default="0", nullable=False))
        batch.drop_constraint("pk_activity_counters", type_="primary")
        batch.create_primary_key("pk_activity_counters", ["community_id", "day", "user_id"])
        batch.create_index("ix_activity_counters_community_user", ["community_id", "user_id"])
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("first_spoke_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "activity_rollups",
        sa.Column("community_id", RowId, nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("active", sa.Integer(), nullable=False),
        sa.Column("present", sa.Integer(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("ugc", sa.Integer(), nullable=False),
        sa.Column("useful_ugc", sa.Integer(), nullable=False),
        sa.Column("joined", sa.Integer(), nullable=False),
        sa.Column("left", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_activity_rollups_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("community_id", "kind", "start", name=op.f("pk_activity_rollups")),
    )
    bind = op.get_bind()
    tallies: defaultdict[tuple[int, str, date], dict[str, int]] = defaultdict(dict)
    for community_id, day, user_id, signal, count in bind.execute(
        sa.text("SELECT community_id, day, user_id, signal, count FROM hero_signals")
    ):
        column = HERO_SIGNALS.get(signal)
        if column is not None:
            cell = tallies[(community_id, user_id, _day(day))]
            total = cell.get(column, 0) + int(count)
            cell[column] = min(total, 1) if column in ("staff", "bot") else total
    for community_id, user_id, reactions, helpful, passed, joined in bind.execute(
        sa.text(
            "SELECT community_id, user_id, reactions_received, helpful_answers, passed_at,"
            " joined_at FROM onboarding_members"
            " WHERE reactions_received != 0 OR helpful_answers != 0"
        )
    ):
        # Onboarding kept totals without days: they land on the day the member passed in.
        cell = tallies[(community_id, user_id, _day(passed or joined))]
        cell["reactions_received"] = cell.get("reactions_received", 0) + int(reactions)
        cell["helpful_marks"] = cell.get("helpful_marks", 0) + int(helpful)
    _fold(bind, tallies)
    op.drop_table("hero_signals")
    with op.batch_alter_table("onboarding_members") as batch:
        batch.drop_column("helpful_answers")
        batch.drop_column("reactions_received")


def downgrade() -> None:
    # The tallies stay in the ledger's history; the old tables come back empty.
    with op.batch_alter_table("onboarding_members") as batch:
        batch.add_column(
            sa.Column("reactions_received", sa.Integer(), server_default="0", nullable=False)
        )
        batch.add_column(
            sa.Column("helpful_answers", sa.Integer(), server_default="0", nullable=False)
        )
    op.create_table(
        "hero_signals",
        sa.Column("community_id", RowId, nullable=False),
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
    op.drop_table("activity_rollups")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("first_spoke_at")
    with op.batch_alter_table(
        "activity_counters", recreate="always", table_kwargs={"sqlite_with_rowid": True}
    ) as batch:
        batch.drop_index("ix_activity_counters_community_user")
        batch.drop_constraint("pk_activity_counters", type_="primary")
        batch.create_primary_key("pk_activity_counters", ["community_id", "user_id", "day"])
        for name in reversed(NEW_SIGNALS):
            batch.drop_column(name)
