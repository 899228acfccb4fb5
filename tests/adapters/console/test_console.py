"""The console adapter: a piped transcript prints what the bot did, deterministically."""

from __future__ import annotations

import io
import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.adapters.console import ConsoleAdapter, TranscriptError, parse_line
from bot.adapters.console.runner import replay
from bot.adapters.console.transcript import Advance, React, Say, SetRole, Vote
from bot.core.actions import Restrict
from bot.core.permissions import Level
from bot.core.refs import UserRef
from tests.auxil.app import ROOT, running_app

TRANSCRIPT = """\
# a newcomer tries the bot
alice joins
alice presses onboarding:accept:alice on 1
alice: /ping
alice: /help
alice: /rules
bob: /nope
+2h
alice reacts 👍 to 2
"""


def run_cli(stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KENES_")}
    return subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(ROOT / "config.example.toml"), "run", *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=env,
    )


def test_piped_transcript_prints_replies_and_exits_zero() -> None:
    done = run_cli(TRANSCRIPT)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "alice joined" in out
    assert "Pong!" in out
    assert "/rules — show the community rules" in out
    assert "Be kind." in out
    assert "I don't know the command /nope" in out
    assert "2026-01-05 11:00 UTC" in out


def test_the_same_transcript_gives_the_same_output() -> None:
    first, second = run_cli(TRANSCRIPT), run_cli(TRANSCRIPT)
    assert first.stdout == second.stdout
    assert first.stdout


def test_a_transcript_edits_a_copy_of_the_rules_and_replays_alike(tmp_path: Path) -> None:
    # `/blocklist add` in a transcript wrote the real rules/words/chat.txt: the second run
    # said "already on that list", and the folder kept a word nobody meant to keep.
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    config = tmp_path / "config.toml"
    shipped = (ROOT / "config.example.toml").read_text("utf-8")
    config.write_text(shipped.replace('rules_dir = "rules"', f'rules_dir = "{rules}"'), "utf-8")
    before = (rules / "words" / "chat.txt").read_text("utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KENES_")}
    script = "mia is moderator\nmia: /blocklist add qa crypto\nbob: qa crypto here\n"
    runs = [
        subprocess.run(
            [sys.executable, "-m", "bot", "--config", str(config), "run"],
            input=script, capture_output=True, text=True, check=False, cwd=ROOT, env=env,
        )
        for _ in range(2)
    ]  # fmt: skip
    assert "“qa crypto” is now blocked" in runs[0].stdout, runs[0].stderr
    assert "bot deleted msg" in runs[0].stdout
    assert runs[0].stdout == runs[1].stdout
    assert (rules / "words" / "chat.txt").read_text("utf-8") == before


def test_a_bad_line_is_reported_with_its_number_and_the_rest_still_runs() -> None:
    done = run_cli("+soon\nalice: /ping\n")
    assert done.returncode == 1
    assert "transcript line 1" in done.stderr
    assert "+10s, +5m" in done.stderr
    assert "Pong!" in done.stdout


def test_parse_each_kind_of_line() -> None:
    assert parse_line("  # note") is None
    assert parse_line("Alice: hi there") == Say("alice", "hi there")
    assert parse_line("alice dm: help me") == Say("alice", "help me", direct=True)
    assert parse_line("bob in #random: yo") == Say("bob", "yo", channel="random")
    assert parse_line("bob replies to 4: same") == Say("bob", "same", reply_to=4)
    assert parse_line("carol is moderator") == SetRole("carol", Level.MODERATOR)
    assert parse_line("carol unreacts 👍 on 3") == React("carol", "👍", 3, removed=True)
    assert parse_line("dan votes 1, 3 in poll 9") == Vote("dan", "9", (1, 3))
    assert isinstance(parse_line("+1h30m"), Advance)
    assert parse_line("just text") == Say(None, "just text")
    assert parse_line("mia attaches docs/a.csv: /post media 1 | A") == Say(
        "mia", "/post media 1 | A", attach="docs/a.csv"
    )


def test_bad_time_step_explains_the_format() -> None:
    with pytest.raises(TranscriptError, match=r"\+2h"):
        parse_line("+later")


async def test_console_enforces_mutes_until_they_expire(tmp_path: Path) -> None:
    out: list[str] = []
    console = ConsoleAdapter("demo", "general", out=out.append)
    async with running_app(tmp_path / "k.db", adapters=[console]) as app:
        from datetime import timedelta

        await app.execute(
            Restrict(
                community=console.community,
                user=UserRef("console", "bob"),
                duration=timedelta(minutes=10),
                reason="flood",
            )
        )
        await replay(console, ["bob: hello", "+11m", "bob: back"], errors=io.StringIO())
    assert "  bot muted bob until 2026-01-05 09:10 UTC (flood)" in out
    assert "(bob is muted; the platform drops the message)" in out
    assert any(line.startswith("[#general] bob (msg") and "back" in line for line in out)


def test_a_mistyped_directive_is_not_said_in_the_chat() -> None:
    done = run_cli("alice joins\nalice reacts to 1\nalice is moderater\nbob is happy\n")
    assert "looks like a directive but is not one; write e.g. alice reacts 👍 to 3" in done.stderr
    assert "write e.g. alice is moderator" in done.stderr
    assert "alice reacts to 1" not in done.stdout  # not posted as a message
    assert "[#general] you (msg 2): bob is happy" in done.stdout
    assert done.returncode == 1


def test_a_press_on_a_message_without_that_button_is_refused() -> None:
    done = run_cli("alice joins\nbob: hello\nalice presses onboarding:accept:alice on 2\n")
    assert "(msg 2 has no button onboarding:accept:alice)" in done.stdout
    assert "unmuted alice" not in done.stdout


def interactive_session(lines: list[str], *, interrupt: bool) -> tuple[str, int]:
    """Run `kenes run` on a terminal (a pty), type `lines`, then Ctrl-C or Ctrl-D."""
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child becomes the bot
        env = {k: v for k, v in os.environ.items() if not k.startswith("KENES_")}
        config = str(ROOT / "config.example.toml")
        os.chdir(ROOT)
        os.execve(sys.executable, [sys.executable, "-m", "bot", "--config", config, "run"], env)
    output = b""

    def read_until(marker: bytes, within: float = 20.0) -> None:
        nonlocal output
        deadline = time.monotonic() + within
        while marker not in output:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([fd], [], [], max(left, 0))
            if not ready:
                raise AssertionError(f"no {marker!r} in {output.decode(errors='replace')}")
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                chunk = b""
            if not chunk:
                raise AssertionError(f"ended before {marker!r}: {output.decode(errors='replace')}")
            output += chunk

    read_until(b"you> ")
    for line in lines:
        before = output.count(b"> ")
        os.write(fd, line.encode() + b"\n")
        while output.count(b"> ") <= before:
            ready, _, _ = select.select([fd], [], [], 20)
            assert ready, output.decode(errors="replace")
            output += os.read(fd, 4096)
    if interrupt:
        os.kill(pid, signal.SIGINT)
    else:
        os.write(fd, b"\x04")
    while True:
        ready, _, _ = select.select([fd], [], [], 20)
        assert ready, output.decode(errors="replace")
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return output.decode(errors="replace"), os.waitstatus_to_exitcode(status)


def test_interactive_sessions_number_alike_and_ctrl_c_leaves_quietly() -> None:
    # Each session starts from an empty community: message 1 and case 1, every time; the
    # first ends with Ctrl-C (no traceback), the second with Ctrl-D.
    lines = ["mia is moderator", "bob: hi", "mia: /warn @bob rude"]
    for interrupt in (True, False):
        output, code = interactive_session(lines, interrupt=interrupt)
        assert "bob (msg 1): hi" in output
        assert "Case #1: Bob: warning." in output
        assert "Traceback" not in output
        assert code in (0, 130)
