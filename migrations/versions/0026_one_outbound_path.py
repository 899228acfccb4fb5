"""Queued jobs follow the one outbound path (core.act) and community moves

Adapters no longer schedule jobs of their own: a pending `discord.timeout` (a mute longer than
Discord's 28 days, applied again) becomes the core's `core.act` renewal, a pending
`discord.unban` a `core.act` Unban, and a pending `discord.delete` or `telegram.delete_message`
(a notice that expires) a `core.act` DeleteMessage, so nothing already promised is lost.

Revision ID: 0026
Revises: 0024
Create Date: 2026-11-29 04:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0024"
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


def _message(platform: str, chat: str, community: str, message: str) -> dict[str, Any]:
    where = {"platform": platform, "id": community}
    return {"chat": {"platform": platform, "id": chat, "community": where}, "id": message}


def _as_delete(kind: str, payload: dict[str, Any]) -> tuple[dict[str, Any], str]:
    if kind == "discord.delete":
        guild, chat = str(payload["guild"]), str(payload["channel"])
        message = _message("discord", chat, guild, str(payload["message"]))
    else:  # a Telegram group is its own community
        chat = str(payload["chat"])
        message = _message("telegram", chat, chat, str(payload["message"]))
    fields = {"message": message, "reason": "expired"}
    platform = message["chat"]["platform"]
    key = f"core.act:delete:{platform}:{chat}:{message['id']}"
    return {"action": {"type": "DeleteMessage", "fields": fields}}, key


KINDS = ("discord.timeout", "discord.unban", "discord.delete", "telegram.delete_message")


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(jobs.c.id, jobs.c.kind, jobs.c.payload).where(
            jobs.c.kind.in_(KINDS), jobs.c.status == "pending"
        )
    ).all()
    for job_id, kind, payload in rows:
        if kind.endswith(("delete", "delete_message")):
            new, key = _as_delete(kind, dict(payload))
        else:
            new, key = _as_core_act(kind, dict(payload))
        bind.execute(jobs.delete().where(jobs.c.key == key, jobs.c.id != job_id))
        bind.execute(
            jobs.update().where(jobs.c.id == job_id).values(kind="core.act", key=key, payload=new)
        )


def downgrade() -> None:
    # The old code re-applies nothing it did not schedule itself; the renewals stay as they are
    # (an older Kenes leaves a job kind it does not know pending, and loses nothing).
    pass
