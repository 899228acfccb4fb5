"""Onboarding and polls through the console adapter: a transcript in, the printed transcript out."""

from __future__ import annotations

import io
from pathlib import Path

from bot.adapters.console import ConsoleAdapter
from bot.adapters.console.runner import replay
from bot.core.clock import ManualClock
from tests.auxil.rituals import ritual_app, rules_copy

ONBOARDING = """
newbie joins
newbie presses onboarding:accept:newbie on 1
newbie: hi all, glad to be here
lurker joins
+10m
"""

CAPTCHA = """
newbie joins
newbie: no idea
newbie: astana
newbie: hi all
"""

POLLS = """
alice: /poll 30s --public Carousel or video? | Carousel | Video
bob votes 1 in poll 2
cat votes 2 in poll 2
dan votes 2 in poll 2
+30s
alice: /quiz --buttons 1m Capital? | Almaty | *Astana --explain Since 1997.
bob presses poll:2:1 on 6
alice: /poll Carousel or video
"""


async def run(
    tmp_path: Path,
    clock: ManualClock,
    transcript: str,
    onboarding: list[tuple[str, str]] | None = None,
) -> list[str]:
    lines: list[str] = []
    console = ConsoleAdapter("demo", "general", out=lines.append)
    rules = rules_copy(tmp_path, {"onboarding.toml": onboarding or []})
    errors = io.StringIO()
    async with ritual_app(tmp_path, console, clock, rules):
        bad = await replay(console, transcript.strip().splitlines(), errors)
    assert bad == 0, errors.getvalue()
    return lines


async def test_console_welcome_accept_and_timeout_kick(tmp_path: Path, clock: ManualClock) -> None:
    out = "\n".join(await run(tmp_path, clock, ONBOARDING))
    assert "bot muted newbie until 2026-01-05 09:10 UTC" in out
    assert "[I accept the rules] → presses onboarding:accept:newbie on 1" in out
    assert "bot unmuted newbie (entry check passed)" in out
    assert "Newbie is in!" in out
    assert "[#general] newbie (msg 3): hi all, glad to be here" in out
    assert "bot kicked lurker (entry check failed)" in out
    assert "bot kicked newbie" not in out


async def test_console_captcha(tmp_path: Path, clock: ManualClock) -> None:
    method = [('method = "button"', 'method = "question"')]
    out = "\n".join(await run(tmp_path, clock, CAPTCHA, onboarding=method))
    assert "bot muted" not in out
    assert "bot deleted msg 2 in #general (entry check not passed yet)" in out
    assert "only newbie sees it: Not quite: 2 tries left." in out  # no reply to a removed msg
    assert "bot deleted msg 4" in out
    assert "Newbie is in!" in out
    assert "bot deleted msg 6" not in out  # the first message after passing stays


async def test_console_native_poll_quiz_and_a_syntax_error(
    tmp_path: Path, clock: ManualClock
) -> None:
    out = "\n".join(await run(tmp_path, clock, POLLS))
    assert "bot → #general (msg 2) poll 2: Carousel or video?" in out
    assert "Carousel  ███░░░░░░░ 33% (1)" in out
    assert "Video     ███████░░░ 67% (2)" in out
    assert "[Astana] → presses poll:2:1 on 6" in out
    assert "only bob sees it: Right: Astana!\n    Since 1997." in out
    assert "Separate the question and each option with |" in out
