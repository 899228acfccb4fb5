"""Two Kenes processes in Telegram webhook mode on one PostgreSQL and one Redis, one of them
killed with SIGKILL mid-way: every update is handled once, every job runs once, and a member
flooding across both instances is muted. Real PostgreSQL and Redis (scripts/with-postgres,
scripts/with-redis), python-telegram-bot talking to the fake Bot API, updates POSTed to each
instance's webhook listener as Telegram does."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.adapters.telegram.refs import message_ref
from bot.adapters.telegram.webhook import SECRET_HEADER
from bot.core.actions import DeleteMessage
from bot.core.clock import SystemClock
from bot.db.engine import make_engine, make_sessionmaker
from bot.db.migrate import upgrade_engine
from bot.outbound import ACT_JOB, encode
from bot.scheduler import Scheduler
from bot.shared import SharedState
from tests.auxil.app import RULES
from tests.auxil.fake_telegram import TOKEN, FakeTelegram, supergroup, user
from tests.core.test_postgres import pg_url  # noqa: F401  (fixture: a fresh database per test)
from tests.reliability.child import kill_9, replies, stop, wait_for

REDIS_URL = os.environ.get("KENES_TEST_REDIS_URL", "")
pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("KENES_TEST_POSTGRES_URL"),
        reason="no PostgreSQL: "
        + os.environ.get("KENES_TEST_POSTGRES_SKIP", "run `make test`, which starts one"),
    ),
    pytest.mark.skipif(
        not REDIS_URL,
        reason="no Redis: "
        + os.environ.get("KENES_TEST_REDIS_SKIP", "run `make test`, which starts one"),
    ),
]

KENES = Path(sys.executable).with_name("kenes")
SECRET = "webhook-secret"
PINGS, CHATS, JOBS, FLOOD = 120, 10, 20, 10


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _config(folder: Path, fake: FakeTelegram, database: str, port: int) -> Path:
    folder.mkdir()
    path = folder / "config.toml"
    path.write_text(
        "[bot]\n"
        f'database_url = "{database}"\n'
        f'redis_url = "{REDIS_URL}"\n'
        f'rules_dir = "{RULES}"\n'
        'cogs = ["core", "moderation"]\n'
        "\n[platforms.telegram]\n"
        f'base_url = "{fake.base_url}"\n'
        'mode = "webhook"\n'
        'webhook_listen = "127.0.0.1"\n'
        f"webhook_port = {port}\n"
        f'webhook_url = "http://127.0.0.1:{port}/telegram"\n',
        encoding="utf-8",
    )
    return path


async def _start(name: str, config: Path, log: Path) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KENES_")}
    env |= {
        "KENES_TELEGRAM_TOKEN": TOKEN,
        "KENES_INSTANCE": name,  # two instances on one host need different names
        "KENES_TELEGRAM_WEBHOOK_SECRET": SECRET,
    }
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            str(KENES), "--config", str(config), "run", stdout=out, stderr=out, env=env
        )


@pytest.fixture
async def database(pg_url: str) -> str:  # noqa: F811
    engine = make_engine(pg_url)
    await upgrade_engine(engine)  # the deploy step, once before the instances start
    await engine.dispose()
    state = await SharedState.connect(REDIS_URL)
    await state.flush()
    await state.close()
    return pg_url


async def test_two_webhook_instances_one_killed(database: str, tmp_path: Path) -> None:
    async with FakeTelegram() as fake, aiohttp.ClientSession() as http:
        fake.latency = 0.02  # each Bot API call takes a little, so the kill lands mid-work
        ports = {"a": _free_port(), "b": _free_port()}
        logs = {name: tmp_path / f"{name}.log" for name in ports}

        # Jobs due at the same moment, stored before the instances start: both race for them.
        engine = make_engine(database)
        scheduler = Scheduler(make_sessionmaker(engine), SystemClock(), instance="test")
        jobs_chat = supergroup(-1_009_999, "jobs")
        for n in range(JOBS):
            expired = DeleteMessage(message=message_ref(str(jobs_chat["id"]), str(n)))
            await scheduler.schedule(ACT_JOB, datetime.now(UTC), {"action": encode(expired)})
        await engine.dispose()

        procs = {
            name: await _start(name, _config(tmp_path / name, fake, database, port), logs[name])
            for name, port in ports.items()
        }
        try:
            await wait_for(lambda: len(fake.of("setWebhook")) >= 2, 60, "both webhooks")

            async def deliver(update: dict[str, Any], first: str) -> None:
                """Telegram's side: POST until a 200; a dead instance's updates go to the other."""
                target = first
                for _ in range(200):
                    url = f"http://127.0.0.1:{ports[target]}/telegram"
                    try:
                        async with http.post(
                            url, json=update, headers={SECRET_HEADER: SECRET}
                        ) as answer:
                            if answer.status == 200:
                                return
                    except aiohttp.ClientError:
                        pass
                    if procs["a"].returncode is not None:
                        target = "b"
                raise AssertionError(f"update {update['update_id']} was never taken")

            def take() -> dict[str, Any]:
                return fake.updates.pop()  # built by the fake, POSTed by us, never polled

            def job_deletes() -> list[dict[str, Any]]:
                return [p for p in fake.of("deleteMessage") if int(p["chat_id"]) == jobs_chat["id"]]

            chats = [supergroup(-1_000_000 - n, f"group {n}") for n in range(CHATS)]
            asked, sends = set(), []
            for n in range(PINGS):
                chat = chats[n % CHATS]
                _, message = fake.say(chat, user(10_000 + n, f"m{n}"), "/ping")
                asked.add((chat["id"], message["message_id"]))
                sends.append(deliver(take(), "ab"[n % 2]))
            flooder, flood_chat = user(77, "flooder"), chats[0]
            for n in range(FLOOD):
                fake.say(flood_chat, flooder, f"buy cheap coins now {n}")
                sends.append(deliver(take(), "ab"[n % 2]))
            sending = asyncio.gather(*sends)

            await wait_for(lambda: sum(replies(fake, "Pong").values()) >= PINGS // 4, 120, "pongs")
            await kill_9(procs["a"])
            await asyncio.wait_for(sending, timeout=60)
            # What the dead instance took but did not handle is taken over when its claim ends.
            # Each chat's later updates wait for its earlier ones the dead instance held until a
            # survivor takes them over (the inbox lease), so allow for that on a loaded machine.
            await wait_for(lambda: set(replies(fake, "Pong")) >= asked, 150, "every ping answered")
            await wait_for(lambda: len(job_deletes()) >= JOBS, 30, "every job run")
            await wait_for(
                lambda: any(int(p["user_id"]) == 77 for p in fake.of("restrictChatMember")),
                30,
                "the flooder muted",
            )
            assert await stop(procs["b"]) == 0
        except BaseException:
            for name, log in logs.items():
                print(f"--- {name}.log\n{log.read_text(encoding='utf-8')[-4000:]}")
            raise
        finally:
            for proc in procs.values():
                if proc.returncode is None:
                    await kill_9(proc)

    answered = replies(fake, "Pong")
    doubled = {key: count for key, count in answered.items() if count > 1}
    deleted = Counter(str(p["message_id"]) for p in job_deletes())
    took = [
        line for line in logs["b"].read_text(encoding="utf-8").splitlines() if "taking over" in line
    ]
    print(
        f"pongs {sum(answered.values())} for {len(asked)} pings; jobs run {deleted.total()}; {took}"
    )
    assert set(answered) == asked, "every update handled"
    assert not doubled, doubled
    assert deleted == Counter({str(n): 1 for n in range(JOBS)}), "every job once"


ORDER_CHATS, ORDER_EACH = 8, 6


async def test_a_chats_updates_run_in_update_id_order_across_two_instances(
    database: str, tmp_path: Path
) -> None:
    """Each chat's updates reach the two instances in turn (1 at a, 2 at b, 3 at a, ...), each
    stored before the next is sent, as Telegram sends a chat's updates in order. An instance
    finishing update 1 would take update 3 straight after (its own lane, no wait) while update
    2 waits at the other one; the later update waits for the earlier one, so every chat's
    answers come in the order of its messages."""
    async with FakeTelegram() as fake, aiohttp.ClientSession() as http:
        fake.latency = 0.02
        ports = {"a": _free_port(), "b": _free_port()}
        logs = {name: tmp_path / f"{name}.log" for name in ports}
        procs = {
            name: await _start(name, _config(tmp_path / name, fake, database, port), logs[name])
            for name, port in ports.items()
        }
        try:
            await wait_for(lambda: len(fake.of("setWebhook")) >= 2, 60, "both webhooks")

            async def post(update: dict[str, Any], target: str) -> None:
                url = f"http://127.0.0.1:{ports[target]}/telegram"
                for _ in range(200):
                    try:
                        async with http.post(
                            url, json=update, headers={SECRET_HEADER: SECRET}
                        ) as answer:
                            if answer.status == 200:
                                return
                    except aiohttp.ClientError:
                        pass
                    await asyncio.sleep(0.05)  # the instance is still starting its listener
                raise AssertionError(f"update {update['update_id']} was never taken")

            chats = [supergroup(-1_100_000 - n, f"order {n}") for n in range(ORDER_CHATS)]
            updates: dict[int, list[dict[str, Any]]] = {chat["id"]: [] for chat in chats}
            for _ in range(ORDER_EACH):
                for n, chat in enumerate(chats):
                    fake.say(chat, user(20_000 + n, f"o{n}"), "/ping")
                    updates[chat["id"]].append(fake.updates.pop())

            async def one_chat(chat_updates: list[dict[str, Any]]) -> None:
                for k, update in enumerate(chat_updates):
                    await post(update, "ab"[k % 2])  # stored before the next is sent

            await asyncio.gather(*(one_chat(u) for u in updates.values()))

            def order() -> dict[int, list[int]]:
                seen: dict[int, list[int]] = {chat["id"]: [] for chat in chats}
                for params in fake.of("sendMessage"):
                    if str(params.get("text", "")).startswith("Pong"):
                        reply = params.get("reply_parameters") or {}
                        seen[int(params["chat_id"])].append(int(reply.get("message_id", 0)))
                return seen

            await wait_for(
                lambda: all(len(ids) == ORDER_EACH for ids in order().values()), 120, "pongs"
            )
            for proc in procs.values():
                assert await stop(proc) == 0
        except BaseException:
            for name, log in logs.items():
                print(f"--- {name}.log\n{log.read_text(encoding='utf-8')[-4000:]}")
            raise
        finally:
            for proc in procs.values():
                if proc.returncode is None:
                    await kill_9(proc)

    answered = order()
    asked = {
        chat: [int(u["message"]["message_id"]) for u in chat_updates]
        for chat, chat_updates in updates.items()
    }
    out_of_order = {chat: ids for chat, ids in answered.items() if ids != asked[chat]}
    print(f"{len(answered)} chats, {ORDER_EACH} updates each; out of order: {out_of_order}")
    assert not out_of_order
