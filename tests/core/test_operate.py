"""Operating Kenes: config paths, backup and restore, export and import, schema checks, clear
errors for what operators get wrong, and logs (text, JSON lines, secrets masked)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.cli import _parser, main
from bot.config import load_config
from bot.core.errors import ConfigError
from bot.core.refs import CommunityRef
from bot.db.engine import make_engine
from bot.db.migrate import SchemaMismatch, check_schema, downgrade_engine, upgrade_engine
from bot.logs import setup_logging
from tests.auxil.app import ROOT, RULES
from tests.auxil.fake_telegram import TOKEN, FakeTelegram


def kenes(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`kenes ARGS` in a fresh process, as an operator types it."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd="/",  # not the source folder: paths must come from the config file
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )


def site(tmp_path: Path, extra: str = "") -> Path:
    """A deployment folder: config.toml with relative paths, and a copy of the rules."""
    folder = tmp_path / "site"
    shutil.copytree(RULES, folder / "rules")
    config = folder / "config.toml"
    config.write_text(
        f'[bot]\ndatabase_url = "sqlite+aiosqlite:///data/kenes.db"\nrules_dir = "rules"\n{extra}',
        "utf-8",
    )
    (folder / "data").mkdir()
    return config


def test_paths_in_the_config_are_relative_to_its_folder(tmp_path: Path) -> None:
    config = load_config(site(tmp_path))
    folder = (tmp_path / "site").resolve()
    assert config.bot.rules_dir == folder / "rules"
    assert config.bot.database_url == f"sqlite+aiosqlite:///{folder / 'data' / 'kenes.db'}"


def test_absolute_and_server_urls_are_kept(tmp_path: Path) -> None:
    pg = "postgresql+asyncpg://kenes:pw@db:5432/kenes"
    path = tmp_path / "c.toml"
    path.write_text(f'[bot]\ndatabase_url = "{pg}"\nrules_dir = "{RULES}"\n', "utf-8")
    config = load_config(path)
    assert config.bot.database_url == pg
    assert config.bot.rules_dir == RULES


def test_config_option_before_or_after_the_command() -> None:
    before = _parser().parse_args(["--config", "x.toml", "--log-format", "json", "run"])
    after = _parser().parse_args(["run", "--config", "x.toml", "--log-format", "json"])
    assert before.config == after.config == Path("x.toml")
    assert before.log_format == after.log_format == "json"
    nested = _parser().parse_args(["db", "backup", "--config", "x.toml", "b.db"])
    assert nested.config == Path("x.toml")
    assert _parser().parse_args(["run"]).log_format == "text"


def test_backup_is_consistent_while_a_writer_holds_a_transaction(tmp_path: Path) -> None:
    config = site(tmp_path)
    assert main(["--config", str(config), "db", "upgrade"]) == 0
    db = tmp_path / "site" / "data" / "kenes.db"
    writer = sqlite3.connect(db)
    writer.execute(
        "INSERT INTO communities (platform, external_id, name, created_at) "
        "VALUES ('telegram', '-1', 'committed', '2026-01-05 09:00:00')"
    )
    writer.commit()
    # A transaction in flight at backup time: the backup holds what was committed, not this.
    writer.execute("BEGIN IMMEDIATE")
    writer.execute(
        "INSERT INTO communities (platform, external_id, name, created_at) "
        "VALUES ('telegram', '-2', 'in flight', '2026-01-05 09:00:00')"
    )
    copy = tmp_path / "backup.db"
    try:
        assert main(["--config", str(config), "db", "backup", str(copy)]) == 0
    finally:
        writer.commit()
        writer.close()
    with sqlite3.connect(copy) as check:
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        names = [row[0] for row in check.execute("SELECT name FROM communities")]
        assert names == ["committed"]
        assert check.execute("PRAGMA journal_mode").fetchone() == ("delete",)

    # Restore brings the database back to the backup's content.
    assert main(["--config", str(config), "db", "restore", str(copy)]) == 0
    with sqlite3.connect(db) as check:
        names = [row[0] for row in check.execute("SELECT name FROM communities")]
    assert names == ["committed"]


def test_backup_refuses_to_overwrite_and_restore_refuses_a_stranger(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = site(tmp_path)
    assert main(["--config", str(config), "db", "upgrade"]) == 0
    taken = tmp_path / "taken.db"
    taken.write_text("x", "utf-8")
    assert main(["--config", str(config), "db", "backup", str(taken)]) == 2
    assert "exists already" in capsys.readouterr().err
    # A typo in the target's folder blamed the live database ("backup of kenes.db failed:
    # unable to open database file").
    nowhere = tmp_path / "no-such-folder" / "b.db"
    assert main(["--config", str(config), "db", "backup", str(nowhere)]) == 2
    said = capsys.readouterr().err
    assert f"cannot write {nowhere}: there is no folder {nowhere.parent}" in said
    stranger = tmp_path / "stranger.db"
    sqlite3.connect(stranger).close()
    assert main(["--config", str(config), "db", "restore", str(stranger)]) == 2
    assert "not a Kenes database" in capsys.readouterr().err


def test_backup_on_postgres_points_to_pg_dump(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[bot]\ndatabase_url = "postgresql+asyncpg://k@127.0.0.1/k"\n', "utf-8")
    assert main(["--config", str(config), "db", "backup", str(tmp_path / "b")]) == 2
    assert "pg_dump" in capsys.readouterr().err


def test_export_and_import_move_a_community(tmp_path: Path) -> None:
    source = site(tmp_path, '[communities."telegram:-100"]\nlocale = "kk"\nlog_channel = "-7"\n')
    (source.parent / "rules" / "words" / "en.txt").write_text("# ours\nbadword\n", "utf-8")
    bundle = tmp_path / "bundle.json"
    assert main(["--config", str(source), "export", "telegram:-100", str(bundle)]) == 0
    data = json.loads(bundle.read_text("utf-8"))
    assert data["settings"]["locale"] == "kk"
    assert "schema/community.schema.json" not in data["rules"]

    target_dir = tmp_path / "new"
    target_dir.mkdir()
    target = target_dir / "config.toml"
    target.write_text('[bot]\nrules_dir = "rules"\n', "utf-8")
    assert main(["--config", str(target), "import", str(bundle)]) == 0
    moved = load_config(target)
    settings = moved.community(CommunityRef("telegram", "-100"))
    assert (settings.locale, settings.log_channel) == ("kk", "-7")
    assert (target_dir / "rules" / "words" / "en.txt").read_text("utf-8") == "# ours\nbadword\n"
    assert main(["--config", str(target), "rules", "check"]) == 0
    # Importing the same bundle again changes nothing.
    before = target.read_text("utf-8")
    assert main(["--config", str(target), "import", str(bundle)]) == 0
    assert target.read_text("utf-8") == before


def seen(config: Path, *communities: str) -> None:
    """The migrated database of `config` with a row for each 'platform:id', as the bot's
    first event in a community leaves it."""
    assert main(["--config", str(config), "db", "upgrade"]) == 0
    with sqlite3.connect(config.parent / "data" / "kenes.db") as db:
        for number, community in enumerate(communities, 1):
            platform, _, ident = community.partition(":")
            db.execute(
                "INSERT INTO communities (id, platform, external_id, name, created_at) "
                "VALUES (?, ?, ?, 'A community', '2026-01-05 09:00:00')",
                (number, platform, ident),
            )


def test_export_of_an_unknown_community_says_so_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = site(tmp_path, '[communities."discord:42"]\nlocale = "en"\n')
    bundle = tmp_path / "bundle.json"
    # No database yet: only the config file's communities are known.
    assert main(["--config", str(config), "export", "telegram:-999", str(bundle)]) == 2
    said = capsys.readouterr().err
    assert "kenes: unknown community 'telegram:-999': there is no database yet" in said
    assert "known communities: discord:42." in said
    assert not bundle.exists()
    # The database has seen others: they are named, and the typo still writes nothing.
    seen(config, "telegram:-100", "console:demo")
    capsys.readouterr()
    assert main(["--config", str(config), "export", "telegram:-999", str(bundle)]) == 2
    said = capsys.readouterr().err
    assert "unknown community 'telegram:-999': the database has never seen it" in said
    assert '[communities."telegram:-999"]' in said
    assert "known communities: console:demo, discord:42, telegram:-100." in said
    assert "Check the 'platform:id' spelling" in said
    assert not bundle.exists()
    # Seen by the database, or configured in the file: both export.
    assert main(["--config", str(config), "export", "telegram:-100", str(bundle)]) == 0
    assert json.loads(bundle.read_text("utf-8"))["community"] == "telegram:-100"
    assert main(["--config", str(config), "export", "discord:42", str(bundle)]) == 0
    assert json.loads(bundle.read_text("utf-8"))["settings"]["locale"] == "en"


def test_an_invalid_bundle_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = site(tmp_path)
    seen(config, "telegram:-100")
    bundle = tmp_path / "bundle.json"
    assert main(["--config", str(config), "export", "telegram:-100", str(bundle)]) == 0
    data = json.loads(bundle.read_text("utf-8"))
    data["rules"]["community.toml"] = "nonsense = 1\n"
    bundle.write_text(json.dumps(data), "utf-8")
    shipped = (config.parent / "rules" / "community.toml").read_text("utf-8")
    assert main(["--config", str(config), "import", str(bundle)]) == 2
    assert "nothing was changed" in capsys.readouterr().err
    assert (config.parent / "rules" / "community.toml").read_text("utf-8") == shipped
    assert "telegram:-100" not in config.read_text("utf-8")
    # Not JSON at all: said so, not json's bare "Expecting value: line 1 column 1 (char 0)".
    bundle.write_text("nonsense\n", "utf-8")
    assert main(["--config", str(config), "import", str(bundle)]) == 2
    said = capsys.readouterr().err
    assert f"{bundle} is not a Kenes export: not JSON (Expecting value at line 1)" in said


async def test_instances_refuse_a_schema_older_or_newer_than_their_code(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'k.db'}")
    try:
        await upgrade_engine(engine)
        await check_schema(engine, upgrade_older=False)  # the same: starts
        await downgrade_engine(engine, "-1")
        with pytest.raises(
            SchemaMismatch,
            match=r", 1 revision behind this Kenes \(at 0\d+\): run `kenes db upgrade` once",
        ):
            await check_schema(engine, upgrade_older=False)
        await check_schema(engine, upgrade_older=True)  # one SQLite process migrates itself
        await check_schema(engine, upgrade_older=False)
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
        with pytest.raises(SchemaMismatch, match="newer than this Kenes"):
            await check_schema(engine, upgrade_older=True)
    finally:
        await engine.dispose()


def test_run_on_a_newer_schema_says_what_to_do(tmp_path: Path) -> None:
    config = site(tmp_path)
    assert kenes("--config", str(config), "db", "upgrade").returncode == 0
    with sqlite3.connect(tmp_path / "site" / "data" / "kenes.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    done = kenes("run", "--config", str(config), "--keep-state")
    assert done.returncode == 2
    assert "newer than this Kenes" in done.stderr
    assert "Traceback" not in done.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.mark.parametrize(
    ("bot_section", "command", "expected"),
    [
        ('cogs = ["core", "moderatoin"]', "run", "unknown cog(s) 'moderatoin'; available: "),
        ('database_url = "mysql+aiomysql://k@h/k"', "run", "unsupported database"),
        ('database_url = "sqlite+aiosqlite:///config.toml/k.db"', "db upgrade", "not a folder"),
        ('database_url = "sqlite+aiosqlite:///missing/k.db"', "run", "does not exist"),
        (
            'database_url = "postgresql+asyncpg://kenes:hunter22@127.0.0.1:{port}/kenes"',
            "db upgrade",
            "cannot connect to the database postgresql+asyncpg://kenes:***@127.0.0.1",
        ),
    ],
)
def test_operator_mistakes_are_one_clear_line(
    tmp_path: Path, bot_section: str, command: str, expected: str
) -> None:
    config = tmp_path / "config.toml"
    section = bot_section.replace("{port}", str(_free_port()))
    config.write_text(f'[bot]\nrules_dir = "{RULES}"\n{section}\n', "utf-8")
    done = kenes("--config", str(config), *command.split(), "--keep-state" * (command == "run"))
    assert done.returncode == 2, done.stderr
    assert expected in done.stderr
    assert "Traceback" not in done.stderr
    assert "hunter22" not in done.stderr


def test_unknown_cog_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[bot]\ncogs = ["core", "../etc"]\n', "utf-8")
    with pytest.raises(ConfigError, match=r"bot\.cogs: .*unknown cog"):
        load_config(path)


def test_log_lines_mask_secrets_in_text_and_json() -> None:
    out = io.StringIO()
    handler = setup_logging("INFO", "json", ["s3cret-token-value"], out)
    try:
        log = logging.getLogger("kenes.test")
        log.info("calling https://api.example/bots3cret-token-value/getMe")
        try:
            raise RuntimeError("bad token s3cret-token-value")
        except RuntimeError:
            log.exception("failed")
    finally:
        logging.getLogger().removeHandler(handler)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["level"] for line in lines] == ["INFO", "ERROR"]
    assert lines[0]["message"] == "calling https://api.example/bot***/getMe"
    assert "RuntimeError: bad token ***" in lines[1]["exception"]
    assert "s3cret" not in out.getvalue()


async def test_a_running_bot_never_logs_its_token(tmp_path: Path) -> None:
    """The real bot against the fake Bot API, JSON logs at DEBUG: the token never appears."""
    config = tmp_path / "config.toml"
    async with FakeTelegram() as fake:
        config.write_text(
            f'[bot]\nrules_dir = "{RULES}"\nlog_level = "DEBUG"\n'
            f'database_url = "sqlite+aiosqlite:///k.db"\n'
            f'[platforms.telegram]\nbase_url = "{fake.base_url}"\n',
            "utf-8",
        )
        env = {**os.environ, "KENES_TELEGRAM_TOKEN": TOKEN, "PYTHONPATH": str(ROOT)}
        env.pop("KENES_DISCORD_TOKEN", None)
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            "--config",
            str(config),
            "--log-format",
            "json",
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
        )
        assert proc.stderr is not None
        seen: list[str] = []
        try:
            # Until the bot says it serves Telegram: its signal handlers are in place by then.
            while not seen or "started (polling)" not in seen[-1]:
                line = await asyncio.wait_for(proc.stderr.readline(), timeout=60)
                assert line, "".join(seen)
                seen.append(line.decode())
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    stderr = "".join(seen) + err.decode()
    lines = [json.loads(line) for line in stderr.splitlines()]
    assert proc.returncode == 0, stderr
    assert any("getMe" in line["message"] for line in lines), stderr
    assert TOKEN not in stderr
    assert TOKEN.split(":")[1] not in stderr


async def test_export_shows_chat_settings_merged_with_the_file_winning(tmp_path: Path) -> None:
    source = site(tmp_path, '[communities."telegram:-100"]\nlocale = "kk"\n')
    config = load_config(source)
    engine = make_engine(config.bot.database_url)
    try:
        await upgrade_engine(engine)
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO communities (id, platform, external_id, name, created_at) "
                    "VALUES (1, 'telegram', '-100', 'Ours', '2026-01-05 09:00:00')"
                )
            )
            for key, value in (("locale", "ru"), ("log_channel", "-7"), ("features_off", "polls")):
                await conn.execute(
                    text("INSERT INTO settings_community VALUES (1, :k, :v)"),
                    {"k": key, "v": value},
                )
    finally:
        await engine.dispose()
    bundle = tmp_path / "bundle.json"
    assert (
        await asyncio.to_thread(
            main, ["--config", str(source), "export", "telegram:-100", str(bundle)]
        )
        == 0
    )
    data = json.loads(bundle.read_text("utf-8"))
    assert data["settings"]["locale"] == "kk", "the config file wins"
    assert data["settings"]["log_channel"] == "-7"
    assert data["settings"]["features_off"] == ["polls"]
    assert data["sources"]["locale"] == "config"
    assert data["sources"]["log_channel"] == "chat"
    assert data["sources"]["timezone"] == "default"
