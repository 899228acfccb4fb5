"""kill -9 while a federation ban fans out to 20 Telegram groups: after a restart on the same
database every group has the ban, none was banned twice or got two cases, and the only group
that may lack a recorded "applied" is the one whose ban was inside the platform call at the kill
(recorded as interrupted: it may have happened, so it is not done again)."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

from bot.activity import CommunityDirectory
from bot.core.clock import ManualClock, SystemClock
from bot.core.refs import CommunityRef, UserRef
from bot.db.engine import make_engine, make_sessionmaker
from bot.db.migrate import upgrade_engine
from cogs.federation.models import MEMBER
from cogs.federation.store import FederationStore
from tests.auxil.fake_telegram import FakeTelegram, supergroup, user
from tests.reliability.child import finish, kill_9, start, wait_for, write_config

GROUPS = 20
OWNER = user(23, "Owner")
SPAMMER = 555


async def prepare(db: Path, groups: list[dict[str, object]]) -> None:
    """A federation of `groups`, as /fed new and /fed join would leave it."""
    engine = make_engine(f"sqlite+aiosqlite:///{db}")
    await upgrade_engine(engine)
    sessions = make_sessionmaker(engine)
    clock = SystemClock()
    directory = CommunityDirectory(sessions, ManualClock(clock.now()))
    store = FederationStore(sessions)
    ids = [await directory.id_for(CommunityRef("telegram", str(g["id"]))) for g in groups]
    number = await store.create("Brand", UserRef("telegram", str(OWNER["id"])), ids[0], clock.now())
    for community_id in ids[1:]:
        await store.enter(number, community_id, MEMBER, clock.now())
    await engine.dispose()


def states(db: Path) -> Counter[str]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT state FROM federation_applications").fetchall()
    return Counter(state for (state,) in rows)


def cases(db: Path) -> Counter[int]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT community_id FROM mod_cases WHERE rule = 'federation'"
        ).fetchall()
    return Counter(community for (community,) in rows)


async def test_kill_9_mid_fan_out_bans_every_group_once(tmp_path: Path) -> None:
    groups = [supergroup(-1_002_000_000 - n, f"brand {n}") for n in range(GROUPS)]
    async with FakeTelegram() as fake:
        fake.latency = 0.03  # every call waits at "Telegram": the kill lands inside one
        for group in groups:
            fake.chats[int(str(group["id"]))] = group
            fake.set_admins(int(str(group["id"])), OWNER)
        config = write_config(tmp_path, fake, ["core", "moderation", "federation"])
        db = tmp_path / "kenes.db"
        await prepare(db, groups)
        log = tmp_path / "bot.log"

        first = await start(config, log)
        fake.say(groups[0], OWNER, f"/fban telegram:{SPAMMER} crypto spam")
        await wait_for(lambda: len(fake.of("banChatMember")) >= 5, 90, "the first bans")
        await kill_9(first)
        banned_before = len(fake.of("banChatMember"))

        second = await start(config, log)
        await finish(second, lambda: sum(states(db).values()) == GROUPS, 120, "every group done")

    per_group = Counter(int(str(p["chat_id"])) for p in fake.of("banChatMember"))
    found = states(db)
    print(f"killed after {banned_before} bans; states after the restart: {dict(found)}")
    assert set(found) <= {"applied", "interrupted"}
    assert found["interrupted"] <= 1  # jobs run one at a time: at most one was mid-call
    assert all(count == 1 for count in per_group.values()), per_group  # never twice
    assert len(per_group) >= GROUPS - found["interrupted"]
    assert all(count == 1 for count in cases(db).values())  # one case per group at most
    assert sum(cases(db).values()) >= GROUPS - found["interrupted"]
