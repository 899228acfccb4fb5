"""The bot as its own process (`kenes run`) against the fake Bot API: to kill it for real."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from tests.auxil.app import RULES
from tests.auxil.fake_telegram import TOKEN, FakeTelegram

KENES = Path(sys.executable).with_name("kenes")


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
