"""`rules/support.toml`: shipped defaults load, bad lines name file, key and fix."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bot.rules.loader import RulesError
from cogs.support.rules import SupportRules
from tests.auxil.app import ROOT, RULES, load_shipped


def with_support(tmp_path: Path, text: str) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    (target / "support.toml").write_text(text, "utf-8")
    return target


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(RulesError) as caught:
        load_shipped(with_support(tmp_path, text))
    return [str(p) for p in caught.value.problems]


def test_shipped_file_reads_as_documented() -> None:
    rules = load_shipped(RULES).get(SupportRules)
    assert rules.targets.normal.get("first_response") == timedelta(hours=2)
    assert rules.hours.working_hours("Asia/Almaty").week[5] == ()
    assert "hello" in rules.quick_replies
    assert rules.breach_team == "leads"


def test_malformed_working_hours_name_file_key_and_hint(tmp_path: Path) -> None:
    shown = problems(tmp_path, '[hours]\nfriday = "9-18"\n')
    assert len(shown) == 1
    assert shown[0].startswith("rules/support.toml:2: hours.friday: ")
    assert "write it as HH:MM-HH:MM" in shown[0]


def test_every_problem_at_once(tmp_path: Path) -> None:
    text = (
        "warn_share = 1.5\n"
        "[hours]\ntimezone = 'Mars/Olympus'\nmonday = '18:00-09:00'\n"
        "[targets.normal]\nfirst_response = 'soon'\n"
        "[quick_replies.hi]\nen = 'Hi {name}'\n"
    )
    shown = "\n".join(problems(tmp_path, text))
    assert "warn_share" in shown
    assert "hours.timezone" in shown
    assert "Asia/Almaty" in shown
    assert "hours.monday" in shown
    assert "night shift" in shown
    assert "targets.normal.first_response" in shown
    assert "quick_replies" in shown
    assert "{member}" in shown


def test_all_days_closed_is_refused(tmp_path: Path) -> None:
    days = "".join(f'{d} = ""\n' for d in ("monday", "tuesday", "wednesday", "thursday", "friday"))
    shown = "\n".join(problems(tmp_path, "[hours]\n" + days))
    assert "every day is closed" in shown


def test_kenes_rules_check_reports_bad_hours(tmp_path: Path) -> None:
    folder = with_support(tmp_path, '[hours]\nmonday = "09:00 to 18:00"\n')
    done = subprocess.run(
        [sys.executable, "-m", "bot", "rules", "check", str(folder)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode != 0
    assert "support.toml:2: hours.monday" in done.stdout + done.stderr
