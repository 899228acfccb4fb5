"""The clean-up of the DM "communities" older versions stored: their ritual jobs are cancelled,
empty ones deleted, and ones where a member asked something kept (as `kind = "private"`)."""

from __future__ import annotations

import importlib.util
import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from bot.db.engine import make_engine
from bot.db.migrate import upgrade_engine
from tests.auxil.app import ROOT

AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC).isoformat()


def _revision() -> tuple[str, str]:
    path = ROOT / "migrations" / "versions" / "0023_private_chats.py"
    spec = importlib.util.spec_from_file_location("private_chats_revision", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.revision, module.down_revision


async def test_dm_communities_are_cleaned_up_without_losing_a_ticket(tmp_path: Path) -> None:
    revision, before = _revision()
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        await upgrade_engine(engine, before)
        async with engine.begin() as conn:
            for row_id, external in ((1, "-1001000000001"), (2, "555"), (3, "777")):
                await conn.execute(
                    text(
                        "INSERT INTO communities (id, platform, external_id, name, created_at)"
                        " VALUES (:id, 'telegram', :ext, '', :at)"
                    ),
                    {"id": row_id, "ext": external, "at": AT},
                )
                await conn.execute(
                    text(
                        "INSERT INTO members (community_id, user_id, display_name, is_bot,"
                        " first_seen_at, last_seen_at) VALUES (:id, :ext, 'x', 0, :at, :at)"
                    ),
                    {"id": row_id, "ext": external.lstrip("-"), "at": AT},
                )
                for kind in ("heroes.announce", "digest.weekly"):
                    await conn.execute(
                        text(
                            "INSERT INTO scheduled_jobs (kind, key, due_at, payload, status,"
                            " attempts, created_at) VALUES (:kind, :key, :at, :payload,"
                            " 'pending', 0, :at)"
                        ),
                        {
                            "kind": kind,
                            "key": f"{kind}:telegram:{external}:2026-W02",
                            "at": AT,
                            "payload": json.dumps({"platform": "telegram", "community": external}),
                        },
                    )
            # The ticket's SLA timer is no ritual: it stays.
            await conn.execute(
                text(
                    "INSERT INTO scheduled_jobs (kind, key, due_at, payload, status, attempts,"
                    " created_at) VALUES ('support.sla', 'support.sla:7:breach', :at, :payload,"
                    " 'pending', 0, :at)"
                ),
                {
                    "at": AT,
                    "payload": json.dumps(
                        {"platform": "telegram", "community": "777", "ticket": 7, "round": 1}
                    ),
                },
            )
            # In the private chat 777 a member asked for help: that ticket must survive.
            await conn.execute(
                text(
                    "INSERT INTO support_tickets (id, community_id, member_id, member_name, text,"
                    " via, chat_id, priority, status, escalated, clock_round, resolve_round,"
                    " created_at) VALUES (7, 3, '777', 'Alice', 'My payment failed', 'command',"
                    " '777', 'normal', 'open', 0, 1, 1, :at)"
                ),
                {"at": AT},
            )

        await upgrade_engine(engine, revision)

        async with engine.connect() as conn:
            communities = (
                await conn.execute(text("SELECT external_id, kind FROM communities ORDER BY id"))
            ).all()
            jobs = (await conn.execute(text("SELECT key FROM scheduled_jobs"))).scalars().all()
            ticket = (
                await conn.execute(text("SELECT community_id, text FROM support_tickets"))
            ).all()
            members = (
                (await conn.execute(text("SELECT community_id FROM members ORDER BY 1")))
                .scalars()
                .all()
            )
    finally:
        await engine.dispose()

    assert communities == [("-1001000000001", "community"), ("777", "private")]
    assert sorted(jobs) == [
        "digest.weekly:telegram:-1001000000001:2026-W02",
        "heroes.announce:telegram:-1001000000001:2026-W02",
        "support.sla:7:breach",
    ]
    assert ticket == [(3, "My payment failed")]
    assert members == [1, 3]  # the empty DM's ledger rows went with it
