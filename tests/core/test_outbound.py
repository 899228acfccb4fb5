"""The one outbound port (bot/outbound.py): every action goes out through it, and what is done
later is one job kind with a platform-neutral payload, run once as a keyed effect."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.adapters.memory import MemoryAdapter
from bot.app import Kenes
from bot.core.actions import (
    Ban,
    Button,
    DeleteMessage,
    EditMessage,
    FetchFile,
    GrantRole,
    Kick,
    OpenThread,
    Pin,
    Restrict,
    RevokeRole,
    SendDirect,
    SendImage,
    SendMessage,
    SendPoll,
    SetSlowMode,
    StartThread,
    Unban,
    Unrestrict,
)
from bot.core.events import Attachment
from bot.core.refs import ChatRef, CommunityRef, MessageRef, UserRef
from bot.db.engine import make_engine
from bot.db.migrate import upgrade_engine
from bot.outbound import ACT_JOB, RENEW_MARGIN, _action_types, decode, encode
from bot.scheduler import JobRun
from tests.auxil.app import START, make_config
from tests.auxil.discord_world import GUILD_ID, MEMBERS, discord_world

COMMUNITY = CommunityRef("memory", "c1")
CHAT = ChatRef("memory", "general", COMMUNITY)
ALICE = UserRef("memory", "alice")
MESSAGE = MessageRef(CHAT, "7")

EXAMPLES = [
    SendMessage(
        chat=CHAT,
        text="hi",
        reply_to=MESSAGE,
        buttons=(Button("Yes", "vote:yes"),),
        ephemeral_to=ALICE,
        delete_after=timedelta(seconds=30),
        thread_id="5",
    ),
    SendDirect(user=ALICE, text="psst", buttons=(Button("Ok", "ok"),)),
    SendImage(chat=CHAT, image=b"\x89PNG\r\n\x1a\n\x00", filename="stats.png", caption="trend"),
    DeleteMessage(message=MESSAGE, reason="spam"),
    Restrict(community=COMMUNITY, user=ALICE, duration=timedelta(hours=1), reason="flood"),
    Restrict(community=COMMUNITY, user=ALICE, duration=None),
    Unrestrict(community=COMMUNITY, user=ALICE),
    Kick(community=COMMUNITY, user=ALICE),
    Ban(community=COMMUNITY, user=ALICE, duration=timedelta(days=3)),
    Unban(community=COMMUNITY, user=ALICE, reason="case 4 ended"),
    GrantRole(community=COMMUNITY, user=ALICE, role="member"),
    RevokeRole(community=COMMUNITY, user=ALICE, role="member"),
    SetSlowMode(chat=CHAT, seconds=30),
    SendPoll(chat=CHAT, question="Lunch?", options=("soup", "salad"), open_for=timedelta(hours=2)),
    Pin(message=MESSAGE),
    OpenThread(chat=CHAT, title="ticket 4"),
    EditMessage(message=MESSAGE, text="3 votes", buttons=(Button("Yes", "vote:yes"),)),
    StartThread(message=MESSAGE, title="Dark theme?", text="Discuss here."),
    FetchFile(chat=CHAT, attachment=Attachment("file1", "fees.png", 1200), limit=8_000_000),
]


def test_every_action_type_survives_the_job_payload() -> None:
    assert {type(a).__name__ for a in EXAMPLES} == set(_action_types()) - {"MemberAction"}
    for action in EXAMPLES:
        data = encode(action)
        assert data["type"] == type(action).__name__
        assert decode(data) == action


def test_an_unknown_stored_action_type_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown action type 'Teleport'"):
        decode({"type": "Teleport", "fields": {}})


async def test_later_performs_the_action_through_the_port_when_due(
    app: Kenes, memory: MemoryAdapter
) -> None:
    unban = Unban(community=COMMUNITY, user=ALICE, reason="over")
    await app.outbound.later(unban, START + timedelta(hours=2), "test:unban")
    [job] = await app.scheduler.pending(ACT_JOB)
    assert job.payload["action"]["fields"]["user"] == {"platform": "memory", "id": "alice"}
    await app.advance(timedelta(hours=1))
    assert unban not in memory.actions
    before = app.outbound.performed
    await app.advance(timedelta(hours=1))
    assert memory.actions.count(unban) == 1
    assert app.outbound.performed == before + 1
    assert await app.scheduler.pending(ACT_JOB) == []


async def test_a_rerun_of_the_same_job_does_not_act_twice(
    app: Kenes, memory: MemoryAdapter
) -> None:
    post = SendMessage(chat=CHAT, text="once")
    job = app.outbound.job(post, START, "test:post")
    run = JobRun(id=41, kind=ACT_JOB, key=job.key, due_at=START, payload=job.payload, attempt=1)
    await app.outbound.run(run)
    await app.outbound.run(run)  # as after a crash between the post and the job's end
    assert memory.actions.count(post) == 1


async def test_a_refused_scheduled_action_ends_the_job_without_retrying(
    app: Kenes, memory: MemoryAdapter
) -> None:
    memory.refuse[Unban] = "no rights"
    await app.outbound.later(Unban(community=COMMUNITY, user=ALICE), START, "test:refused")
    await app.advance(timedelta(seconds=1))
    await app.advance(timedelta(hours=1))
    assert await app.scheduler.pending() == []


async def test_a_mute_longer_than_the_platform_holds_is_renewed_by_the_core(
    app: Kenes, memory: MemoryAdapter
) -> None:
    memory.restrict_ceiling = timedelta(days=3)
    await app.execute(Restrict(community=COMMUNITY, user=ALICE, duration=timedelta(days=5)))
    [job] = await app.scheduler.pending(ACT_JOB)
    assert job.due_at == START + timedelta(days=3) - RENEW_MARGIN
    await app.advance(timedelta(days=6))
    mutes = [a for a in memory.actions if isinstance(a, Restrict)]
    assert len(mutes) == 2
    # Applied again with exactly what was left, so the mute ends when it was meant to.
    assert mutes[1].duration == timedelta(days=5) - (timedelta(days=3) - RENEW_MARGIN)
    assert await app.scheduler.pending(ACT_JOB) == []


async def test_lifting_a_renewed_mute_drops_its_renewal(app: Kenes, memory: MemoryAdapter) -> None:
    memory.restrict_ceiling = timedelta(days=3)
    await app.execute(Restrict(community=COMMUNITY, user=ALICE, duration=None))
    assert len(await app.scheduler.pending(ACT_JOB)) == 1
    await app.execute(Unrestrict(community=COMMUNITY, user=ALICE))
    assert await app.scheduler.pending(ACT_JOB) == []


async def test_a_timed_ban_on_discord_is_lifted_once_by_moderation(tmp_path: Path) -> None:
    config = make_config(bot={"cogs": ["core", "moderation"]})
    async with discord_world(tmp_path / "kenes.db", config=config) as world:
        await world.slash("mod", "ban", member="@bob", reason="1d spam")
        bans = rf"^/guilds/{GUILD_ID}/bans/{MEMBERS['bob'][0]}$"
        assert len(world.fake.calls("PUT", bans)) == 1
        kinds = sorted(job.kind for job in await world.app.scheduler.pending())
        assert kinds == ["moderation.unban"]  # the feature's expiry only, none of the adapter
        await world.advance(timedelta(days=1, minutes=1))
        assert len(world.fake.calls("DELETE", bans)) == 1


async def test_queued_discord_jobs_become_the_cores_jobs_on_upgrade(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    timeout = {"guild": "5", "user": "6", "until": "2027-01-01T00:00:00+00:00", "reason": "r"}
    try:
        await upgrade_engine(engine, "0018")
        async with engine.begin() as conn:
            for kind, payload in (
                ("discord.timeout", timeout),
                ("discord.unban", timeout),
                ("discord.delete", {"guild": "5", "channel": "8", "message": "9"}),
                ("telegram.delete_message", {"chat": "-100", "message": "3"}),
            ):
                await conn.execute(
                    text(
                        "INSERT INTO scheduled_jobs (kind, key, due_at, payload, status, attempts,"
                        " created_at) VALUES (:kind, :key, '2026-12-01 00:00:00', :payload,"
                        " 'pending', 0, '2026-11-01 00:00:00')"
                    ),
                    {"kind": kind, "key": f"{kind}:5:6", "payload": json.dumps(payload)},
                )
        await upgrade_engine(engine)
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT kind, payload FROM scheduled_jobs"))).all()
    finally:
        await engine.dispose()
    assert {kind for kind, _ in rows} == {ACT_JOB}
    actions = {type(decode(json.loads(p)["action"])): json.loads(p) for _, p in rows}
    where, member = CommunityRef("discord", "5"), UserRef("discord", "6")
    assert decode(actions[Restrict]["action"]) == Restrict(
        community=where, user=member, duration=None, reason="r"
    )
    assert actions[Restrict]["until"] == timeout["until"]
    assert decode(actions[Unban]["action"]) == Unban(
        community=where, user=member, reason="temporary ban ended"
    )
    decoded = [decode(json.loads(p)["action"]) for _, p in rows]
    deletes = {a for a in decoded if isinstance(a, DeleteMessage)}
    group = CommunityRef("telegram", "-100")
    assert deletes == {
        DeleteMessage(message=MessageRef(ChatRef("discord", "8", where), "9"), reason="expired"),
        DeleteMessage(
            message=MessageRef(ChatRef("telegram", "-100", group), "3"), reason="expired"
        ),
    }
