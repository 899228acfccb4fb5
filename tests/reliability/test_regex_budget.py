"""Admin regexes have an instruction budget: stall patterns are refused, work is counted."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.actions import DeleteMessage, Restrict
from bot.core.events import MessageEdited
from bot.core.refs import MessageRef
from bot.rules.loader import RulesError
from cogs.moderation.matcher import compile_moderation
from cogs.moderation.regex import MAX_REGEX_PROGRAM, MAX_REGEX_TOTAL, regex_size
from cogs.moderation.stage import ModerationStage
from tests.auxil.app import ROOT, load_shipped
from tests.auxil.moderation import copy_rules, moderated

STALL = r"(?s).{0,1000}x.{0,1000}y"
# The largest pattern of this shape the budget allows, five times: the worst accepted set.
WIDE = r"(?s).{0,60}x.{0,60}y"
CONFIG = str(ROOT / "config.example.toml")


def with_regexes(tmp_path: Path, patterns: list[str]) -> Path:
    rules = copy_rules(tmp_path)
    path = rules / "moderation.toml"
    text = path.read_text("utf-8")
    for i, pattern in enumerate(patterns):
        text += f'\n[[regex]]\nid = "extra-{i}"\npattern = \'{pattern}\'\naction = "delete"\n'
    path.write_text(text, "utf-8")
    return rules


def problems(rules: Path) -> list[str]:
    with pytest.raises(RulesError) as caught:
        load_shipped(rules, {"moderation": compile_moderation})
    return [str(p) for p in caught.value.problems]


def test_a_stall_pattern_is_refused_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert regex_size(STALL, ignore_case=True) > MAX_REGEX_PROGRAM
    rules = with_regexes(tmp_path, [STALL])
    [problem] = problems(rules)
    assert "regex.2.pattern" in problem
    assert "16006 RE2 instructions" in problem
    assert main(["--config", CONFIG, "rules", "check", str(rules)]) == 1
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err


def test_the_set_of_regexes_has_a_total_and_a_count_budget(tmp_path: Path) -> None:
    size = regex_size(WIDE, ignore_case=True)
    assert size <= MAX_REGEX_PROGRAM
    too_many = MAX_REGEX_TOTAL // size + 1
    [problem] = problems(with_regexes(tmp_path / "a", [WIDE] * too_many))
    assert f"more than the {MAX_REGEX_TOTAL}" in problem
    [problem] = problems(with_regexes(tmp_path / "b", ["spam"] * 49))
    assert "at most 50 items" in problem


def _adversarial() -> list[str]:
    return [
        "xy" * 2048,
        ("x" + "a" * 50) * 80,
        "x" * 4096,
        ("x" + " " * 60) * 60 + "y",
        "a" * 40_000 + " x y",  # a console/replay line: longer than any platform allows
    ]


async def test_worst_accepted_regexes_stay_within_the_step_budget(tmp_path: Path) -> None:
    size = regex_size(WIDE, ignore_case=True)
    allowed = (MAX_REGEX_TOTAL - 300) // size  # the shipped rules use a few instructions too
    rules = with_regexes(tmp_path, [WIDE] * allowed)
    async with moderated(tmp_path, rules=rules) as (app, memory):
        stage = getattr(app.cogs.get("moderation"), "stage", None)
        assert isinstance(stage, ModerationStage)
        removed = []
        for i, text in enumerate(_adversarial()):
            actions = await memory.say(f"m{i}", text)
            removed.append(any(isinstance(a, DeleteMessage) for a in actions))
        assert removed == [True, False, False, True, True]
        assert stage.work.messages == 5
        # At most MAX_REGEX_TOTAL steps per character, whatever the text.
        longest = max(len(t) for t in _adversarial())
        assert stage.work.most <= MAX_REGEX_TOTAL * (longest + 1)
        assert stage.work.regex_steps <= MAX_REGEX_TOTAL * sum(len(t) + 1 for t in _adversarial())


async def test_edits_count_towards_the_flood_limit(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (app, memory):
        ref = MessageRef(memory.chat, "1")
        for i in range(7):
            edit = MessageEdited(
                chat=memory.chat,
                author=memory.author("eve"),
                at=app.clock.now(),
                message=ref,
                text=f"take {i}",
            )
            await memory.push(edit)
            await app.advance(timedelta(seconds=1))
        assert [r.user.id for r in memory.of_type(Restrict)] == ["eve"]
