"""`kenes bans export` / `kenes bans import`: the documented format, line-and-field errors,
idempotent imports that the running bot applies once."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.clock import ManualClock
from cogs.federation.banlist import BanFileError, parse
from tests.auxil.app import ROOT
from tests.cogs.federation.console import console_app, shipped_config

GOOD = (
    '{"format": "kenes-bans", "version": 1, "bans": [\n'
    '{"platform": "console", "id": "eve", "reason": "spam", "time": "2026-01-05T08:00:00Z",'
    ' "source": "cas"},\n'
    '{"platform": "console", "id": "mal", "name": "Mal", "reason": "ads",'
    ' "time": "2026-01-05T08:30:00+05:00", "source": "other-list"}\n'
    "]}\n"
)


def after_now() -> ManualClock:
    """The command line stages on the real clock: the bot that applies it runs after it."""
    return ManualClock(datetime.now(UTC) + timedelta(minutes=1))


async def later(db: Path, *lines: str) -> list[str]:
    """The bot started after the command line ran (see `after_now`), fed `lines`."""
    async with console_app(db, clock=after_now()) as con:
        return await con(*lines)


def config_file(folder: Path) -> Path:
    db = folder / "kenes.db"
    text = (ROOT / "config.example.toml").read_text("utf-8")
    text = text.replace(
        'database_url = "sqlite+aiosqlite:///kenes.db"',
        f'database_url = "sqlite+aiosqlite:///{db}"',
    ).replace('rules_dir = "rules"', f'rules_dir = "{ROOT / "rules"}"')
    path = folder / "config.toml"
    path.write_text(text, "utf-8")
    return path


def kenes(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


async def federation_with_a_ban(db: Path) -> None:
    async with console_app(db) as con:
        await con("ada is admin", "ada: /fed new Brand", "ada: /fban @bob crypto spam", "+1s")


def test_export_and_import_round_trip_idempotently(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = config_file(tmp_path)
    asyncio.run(federation_with_a_ban(tmp_path / "kenes.db"))
    code, out, err = kenes(capsys, "--config", str(cfg), "bans", "export", "--federation", "1")
    assert code == 0, err
    exported = json.loads(out)
    assert exported["format"] == "kenes-bans"
    assert exported["scope"] == "federation 1 (Brand)"
    (ban,) = exported["bans"]
    assert {k: ban[k] for k in ("platform", "id", "reason", "source")} == {
        "platform": "console", "id": "bob", "reason": "crypto spam", "source": "fban"
    }  # fmt: skip
    assert ban["time"] == "2026-01-05T09:00:00Z"
    # The community's own list shows the ban its federation applied there.
    code, out, err = kenes(
        capsys, "--config", str(cfg), "bans", "export", "--community", "console:demo"
    )
    assert code == 0, err
    assert [b["id"] for b in json.loads(out)["bans"]] == ["bob"]

    source = tmp_path / "more.json"
    source.write_text(GOOD, "utf-8")
    args = ("--config", str(cfg), "bans", "import", "--federation", "1", str(source))
    code, out, _ = kenes(capsys, *args)
    assert code == 0
    assert "2 ban(s) added, 0 already there" in out
    code, out, _ = kenes(capsys, *args)
    assert "0 ban(s) added, 2 already there" in out

    out_lines = asyncio.run(later(tmp_path / "kenes.db", "+1s"))
    assert "  bot banned eve for good (case 2: federation)" in out_lines
    assert "  bot banned mal for good (case 3: federation)" in out_lines


def test_a_community_import_is_applied_once_by_the_bot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = config_file(tmp_path)
    source = tmp_path / "bans.csv"
    source.write_text(
        "platform,id,reason,time,source\nconsole,eve,spam,2026-01-05T08:00:00Z,cas\n", "utf-8"
    )
    args = ("--config", str(cfg), "bans", "import", "--community", "console:demo", str(source))
    code, out, _ = kenes(capsys, *args)
    assert (code, out) == (0, "console:demo: 1 ban(s) to apply when Kenes runs, 0 already "
                              "waiting to be applied, 0 already banned there\n")  # fmt: skip
    code, out, _ = kenes(capsys, *args)
    assert "0 ban(s) to apply when Kenes runs, 1 already waiting" in out

    out_lines = asyncio.run(later(tmp_path / "kenes.db", "+1s", "+1h"))
    assert [line for line in out_lines if "banned eve" in line] == [
        "  bot banned eve for good (case 1: import)"
    ]
    code, out, _ = kenes(capsys, *args)
    assert "0 ban(s) to apply when Kenes runs, 0 already waiting to be applied, 1 already" in out
    wrong = ("--config", str(cfg), "bans", "import", "--community", "telegram:-1001", str(source))
    code, _, err = kenes(capsys, *wrong)
    assert code == 2
    assert "name console accounts; telegram:-1001 is on telegram" in err


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{not json", "bad.json line 1: not valid JSON"),
        ('{"format": "other", "bans": []}', "not a Kenes ban list"),
        ('{"format": "kenes-bans", "version": 2, "bans": []}', "version 2; this Kenes reads 1"),
        ('{"format": "kenes-bans", "version": 1, "bans": {}}', '"bans" must be a list'),
        (
            '{"format": "kenes-bans", "version": 1, "bans": [\n{"platform": "telegram", "id": "1",'
            ' "reason": "x", "time": "2026-01-05T09:00:00Z", "source": "a"},\n\n'
            '{"platform": "telegram", "id": "x1", "reason": "x", "time": "yesterday",'
            ' "source": "a"}\n]}',
            "bad.json line 4: field 'id': a telegram id is a number",
        ),
        (
            '{"format": "kenes-bans", "version": 1, "bans": [\n"just text"\n]}',
            "bad.json line 2: a ban must be an object",
        ),
        ("platform,id\ntelegram,1\n", "bad.json line 1: the header lacks reason, time, source"),
        (
            "platform,id,reason,time,source\ntelegram,1,x,2026-01-05T09:00:00,a\n",
            "bad.json line 2: field 'time': needs a time zone",
        ),
        (
            "platform,id,reason,time,source\nfax,1,x,2026-01-05T09:00:00Z,a,extra\n",
            "bad.json line 2: a ban must be an object",
        ),
    ],
)
def test_a_bad_file_names_the_line_and_field_and_imports_nothing(text: str, problem: str) -> None:
    with pytest.raises(BanFileError) as raised:
        parse(text, "bad.json")
    assert problem in str(raised.value)


def test_import_errors_reach_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = config_file(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("platform,id,reason,time,source\ntelegram,abc,x,then,a\n", "utf-8")
    code, out, err = kenes(
        capsys, "--config", str(cfg), "bans", "import", "--federation", "1", str(bad)
    )
    assert (code, out) == (2, "")
    assert "bad.csv: 2 problem(s), nothing was imported" in err
    code, _, err = kenes(capsys, "--config", str(cfg), "bans", "export", "--federation", "7")
    assert "there is no such federation" in err
    code, _, err = kenes(capsys, "--config", str(cfg), "bans", "export", "--community", "nowhere")
    assert "write platform:id" in err
    missing = tmp_path / "missing.json"
    code, _, err = kenes(
        capsys, "--config", str(cfg), "bans", "import", "--federation", "1", str(missing)
    )
    assert code == 2
    assert "missing.json" in err


def test_shipped_config_loads_the_feature() -> None:
    assert "federation" in shipped_config().bot.cogs
