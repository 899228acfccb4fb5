"""The bot as its own process (`kenes run`) against the fake Bot API: to kill it for real."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from tests.auxil.app import RULES
from tests.auxil.fake_telegram import TOKEN, FakeTelegram, supergroup, user

KENES = Path(sys.executable).with_name("kenes")
# What a restarted bot logs for a post whose request may have left before the kill.
POSTED_BEFORE = re.compile(
    r"SendMessage part \d+ in (-?\d+) was posted before a restart; not again"
)


def write_config(folder: Path, fake: FakeTelegram, cogs: list[str], **bot: str) -> Path:
    extra = "".join(f'{key} = "{value}"\n' for key, value in bot.items())
    path = folder / "config.toml"
    path.write_text(
        "[bot]\n"
        f'database_url = "sqlite+aiosqlite:///{folder / "kenes.db"}"\n'
        f'rules_dir = "{RULES}"\n'
        f"cogs = {cogs!r}\n".replace("'", '"')
        + extra
        + "\n[platforms.telegram]\n"
        f'base_url = "{fake.base_url}"\n',
        encoding="utf-8",
    )
    return path


async def start(config: Path, log: Path) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KENES_")}
    env["KENES_TELEGRAM_TOKEN"] = TOKEN
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            str(KENES),
            "--config",
            str(config),
            "run",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            env=env,
        )


async def kill_9(process: asyncio.subprocess.Process) -> None:
    process.send_signal(signal.SIGKILL)
    await process.wait()


async def wait_for(condition: Callable[[], bool], within: float, what: str) -> None:
    """Poll observable state (never a fixed sleep), failing after `within` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def stop(process: asyncio.subprocess.Process, within: float = 15.0) -> int:
    """SIGTERM, then the exit code (failing if the clean stop takes longer than `within`)."""
    process.send_signal(signal.SIGTERM)
    try:
        return await asyncio.wait_for(process.wait(), timeout=within)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError(f"the bot did not stop within {within} s of SIGTERM") from None


def replies(fake: FakeTelegram, prefix: str) -> Counter[tuple[int, int]]:
    """Replies starting with `prefix`, counted per (chat, message replied to)."""
    found: Counter[tuple[int, int]] = Counter()
    for params in fake.of("sendMessage"):
        if str(params.get("text", "")).startswith(prefix):
            reply = params.get("reply_parameters") or {}
            found[(int(params["chat_id"]), int(reply.get("message_id", 0)))] += 1
    return found


async def finish(
    process: asyncio.subprocess.Process, condition: Callable[[], bool], within: float, what: str
) -> None:
    """Wait for `condition`, then stop `process` cleanly (failing unless it exits with 0).

    A timeout kills the bot before failing, so no bot outlives its test.
    """
    try:
        await wait_for(condition, within, what)
    except BaseException:
        await kill_9(process)
        raise
    code = await stop(process)
    if code != 0:
        raise AssertionError(f"the bot exited with {code} on SIGTERM after {what}")


def queue_pings(
    fake: FakeTelegram, pings: int, chats: int, first_chat: int, first_user: int
) -> set[tuple[int, int]]:
    """`pings` members each send one /ping, spread over `chats` groups (ids counting down from
    `first_chat`); returns each ping's (chat, message), as `replies` keys the answers."""
    groups = [supergroup(first_chat - n, f"group {n}") for n in range(chats)]
    asked = set()
    for n in range(pings):
        chat = groups[n % chats]
        _, message = fake.say(chat, user(first_user + n, f"m{n}"), "/ping")
        asked.add((int(chat["id"]), int(message["message_id"])))
    return asked


def not_sent_again(log: Path) -> Counter[int]:
    """Posts, per chat, the restarted bot left out because their request may have left before
    the kill."""
    text = log.read_text("utf-8", errors="replace") if log.exists() else ""
    return Counter(int(chat) for chat in POSTED_BEFORE.findall(text))


def explained(asked: set[tuple[int, int]], fake: FakeTelegram, log: Path) -> bool:
    """Every ping is answered, or its chat has a post left out as in flight at the kill."""
    missing = asked - set(replies(fake, "Pong"))
    return Counter(chat for chat, _ in missing) <= not_sent_again(log)
