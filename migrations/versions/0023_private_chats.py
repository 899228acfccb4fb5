"""Private chats are not communities: `communities.kind`, `private_routes`, and a clean-up of
the DM "communities" older versions stored

Revision ID: 0023
Revises: 0021
Create Date: 2026-11-29 04:00:00

Older versions made every Telegram private chat (a positive chat id; groups are negative) a
community, with weekly ritual jobs. This cancels those jobs, deletes the rows nothing but the
activity ledger refers to, and keeps as `kind = "private"` the ones where a member left
something (a ticket, a question, a vote...), so nothing a member asked is lost. Discord DMs were
never stored (the adapter dropped them).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The core's own per-community ledger: rows here are counters and sightings, not anything a
# member asked for, so they go with the DM row.
LEDGER = ("members", "activity_counters", "channels", "private_routes")
WEEKLY_KEY = re.compile(r"[\w.]+:telegram:\d+:\d{4}-W\d{2}")


def upgrade() -> None:
    with op.batch_alter_table("communities") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=16), nullable=False, server_default="community")
        )
    op.create_table(
        "private_routes",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column(
            "community_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("pending_text", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_private_routes_community_id_communities"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("platform", "user_id", name=op.f("pk_private_routes")),
    )
    clean_up_private_chats(op.get_bind())


def clean_up_private_chats(bind: sa.engine.Connection) -> tuple[int, int]:
    """Cancel the DM rows' pending jobs; delete or mark them. Returns (deleted, kept)."""
    communities = sa.table(
        "communities",
        sa.column("id"),
        sa.column("platform"),
        sa.column("external_id"),
        sa.column("kind"),
    )
    private = bind.execute(
        sa.select(communities.c.id, communities.c.external_id).where(
            communities.c.platform == "telegram",
            sa.not_(communities.c.external_id.like("-%")),
        )
    ).all()
    if not private:
        return 0, 0
    ids = {row.id for row in private}
    external = {str(row.external_id) for row in private}
    # Their weekly ritual jobs (keyed `<kind>:telegram:<id>:<ISO week>`, see bot/weekly.py) are
    # cancelled: a pending job is dropped, as the scheduler's own cancel does. Other jobs (a
    # ticket's SLA timers, an unmute) are left to run: they finish what a member started.
    jobs = sa.table(
        "scheduled_jobs",
        sa.column("id"),
        sa.column("key"),
        sa.column("payload", sa.JSON),
        sa.column("status"),
    )
    doomed = [
        row.id
        for row in bind.execute(
            sa.select(jobs.c.id, jobs.c.key, jobs.c.payload).where(jobs.c.status == "pending")
        )
        if isinstance(row.payload, dict)
        and str(row.payload.get("platform")) == "telegram"
        and str(row.payload.get("community")) in external
        and WEEKLY_KEY.fullmatch(str(row.key or ""))
    ]
    if doomed:
        bind.execute(sa.delete(jobs).where(jobs.c.id.in_(doomed)))
    inspector = sa.inspect(bind)
    referring: list[tuple[str, str]] = []
    for table in inspector.get_table_names():
        for fk in inspector.get_foreign_keys(table):
            if fk["referred_table"] == "communities" and len(fk["constrained_columns"]) == 1:
                referring.append((table, fk["constrained_columns"][0]))
    deleted = kept = 0
    for community_id in sorted(ids):
        asked = any(
            bind.execute(
                sa.select(sa.literal(1))
                .select_from(sa.table(table))
                .where(sa.column(column) == community_id)
                .limit(1)
            ).first()
            for table, column in referring
            if table not in LEDGER
        )
        if asked:
            bind.execute(
                sa.update(communities)
                .where(communities.c.id == community_id)
                .values(kind="private")
            )
            kept += 1
            continue
        for table, column in referring:
            if table in LEDGER:
                bind.execute(sa.delete(sa.table(table)).where(sa.column(column) == community_id))
        bind.execute(sa.delete(communities).where(communities.c.id == community_id))
        deleted += 1
    return deleted, kept


def downgrade() -> None:
    op.drop_table("private_routes")
    with op.batch_alter_table("communities") as batch:
        batch.drop_column("kind")
