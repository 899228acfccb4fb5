"""`kenes report`: CSV and JSON per period from a real database, and clear errors."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import datetime
from pathlib import Path

import pytest

from bot.adapters.console import ConsoleAdapter
from bot.adapters.console.runner import replay
from bot.cli import main
from bot.config import load_config
from bot.core.clock import ManualClock
from tests.auxil.app import running_app
from tests.auxil.rituals import rules_copy

MONDAY = datetime.fromisoformat("2026-01-12T10:00:00+05:00")


def write_config(tmp_path: Path) -> Path:
    rules = rules_copy(tmp_path)
    path = tmp_path / "kenes.toml"
    path.write_text(
        f"""
[bot]
database_url = "sqlite+aiosqlite:///{tmp_path / "report.db"}"
rules_dir = "{rules}"
cogs = ["core", "moderation", "polls", "support", "metrics"]

[defaults]
locale = "en"
timezone = "Asia/Almaty"
""",
        "utf-8",
    )
    return path


def seed(config_path: Path) -> None:
    """Week of 12 Jan: ann and bob write; week of 19 Jan: ann writes, cat joins."""

    async def run() -> None:
        config = load_config(config_path)
        console = ConsoleAdapter("demo", "general", out=lambda _: None)
        url = config.bot.database_url
        async with running_app(url, config, [console], ManualClock(MONDAY)):
            lines = ["ann: hello", "bob: hi", "+7d", "ann: again", "cat joins"]
            assert await replay(console, lines, io.StringIO()) == 0

    asyncio.run(run())


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = write_config(tmp_path)
    seed(path)
    return path


def report(config_path: Path, *args: str) -> int:
    return main(["--config", str(config_path), "report", "--community", "console:demo", *args])


def test_weekly_csv(config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = report(config_path, "--from", "2026-01-12", "--to", "2026-01-25")
    out = capsys.readouterr().out
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["start"] for r in rows] == ["2026-01-12", "2026-01-19"]
    assert [r["active"] for r in rows] == ["2", "1"]
    assert [r["messages"] for r in rows] == ["2", "1"]
    assert [r["joined"] for r in rows] == ["0", "1"]
    assert rows[0]["questions"] == "0"  # the support desk is on: zero questions, a real 0
    assert rows[0]["frt_median_s"] == ""  # none answered: no figure
    assert rows[0]["ideas"] == ""  # no ideas board yet: no data, not 0
    assert rows[0]["link_clicks"] == ""
    assert [r["bot_posts"] for r in rows] == ["0", "0"]  # counted, and the bot posted nothing
    assert rows[0]["bot_posts_with_step"] == "0"


def test_daily_json(config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = report(
        config_path, "--from", "2026-01-12", "--to", "2026-01-13", "--period", "day",
        "--format", "json",
    )  # fmt: skip
    assert code == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["start"], r["active"], r["present"]) for r in rows] == [
        ("2026-01-12", 2, 2),
        ("2026-01-13", 0, 2),
    ]
    assert rows[0]["active_share"] == 1.0
    assert rows[0]["ideas"] is None


def test_bad_arguments_are_explained(
    config_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert report(config_path, "--from", "2026-01-20", "--to", "2026-01-12") == 2
    assert "is before --from" in capsys.readouterr().err
    code = main(["--config", str(config_path), "report", "--community", "nowhere",
                 "--from", "2026-01-12", "--to", "2026-01-13"])  # fmt: skip
    assert code == 2
    assert "must look like 'platform:id'" in capsys.readouterr().err
    code = main(["--config", str(config_path), "report", "--community", "telegram:-1",
                 "--from", "2026-01-12", "--to", "2026-01-13"])  # fmt: skip
    assert code == 2
    assert "no community 'telegram:-1' in the database" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        report(config_path, "--from", "12.01.2026", "--to", "2026-01-13")
    assert "is not a date: write YYYY-MM-DD" in capsys.readouterr().err


def test_no_database_yet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config(tmp_path)
    assert report(path, "--from", "2026-01-12", "--to", "2026-01-13") == 2
    assert "no database at" in capsys.readouterr().err
