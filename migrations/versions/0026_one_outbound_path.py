"""Queued jobs follow the one outbound path (core.act) and community moves

The Discord adapter no longer schedules jobs of its own: a pending `discord.timeout` (a mute
longer than Discord's 28 days, applied again) becomes the core's `core.act` renewal, and a
pending `discord.unban` becomes a `core.act` Unban, so nothing already promised is lost.

Revision ID: 0026
Revises: 0018
Create Date: 2026-11-29 04:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

jobs = sa.table(
    "scheduled_jobs",
    sa.column("id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("key", sa.String),
    sa.column("payload", sa.JSON),
    sa.column("status", sa.String),
)


def _member_fields(payload: dict[str, Any], reason: str) -> dict[str, Any]:
    return {
        "community": {"platform": "discord", "id": str(payload["guild"])},
        "user": {"platform": "discord", "id": str(payload["user"])},
        "reason": reason,
    }


def _as_core_act(kind: str, payload: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The `core.act` payload and key for one pending Discord job (bot/outbound.py's shape)."""
    where = f"discord:{payload['guild']}"
    if kind == "discord.timeout":
        fields = {**_member_fields(payload, str(payload.get("reason", ""))), "duration": None}
        new: dict[str, Any] = {"action": {"type": "Restrict", "fields": fields}}
        if payload.get("until") is not None:
            new["until"] = payload["until"]
        return new, f"core.act:renew:{where}:{payload['user']}"
    fields = _member_fields(payload, "temporary ban ended")
    return {
        "action": {"type": "Unban", "fields": fields}
    }, f"core.act:unban:{where}:{payload['user']}"


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(jobs.c.id, jobs.c.kind, jobs.c.payload).where(
            jobs.c.kind.in_(("discord.timeout", "discord.unban")), jobs.c.status == "pending"
        )
    ).all()
    for job_id, kind, payload in rows:
        new, key = _as_core_act(kind, dict(payload))
        bind.execute(jobs.delete().where(jobs.c.key == key, jobs.c.id != job_id))
        bind.execute(
            jobs.update().where(jobs.c.id == job_id).values(kind="core.act", key=key, payload=new)
        )


def downgrade() -> None:
    # The old code re-applies nothing it did not schedule itself; the renewals stay as they are
    # (an older Kenes leaves a job kind it does not know pending, and loses nothing).
    pass
