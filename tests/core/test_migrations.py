"""Migrations match the models and go up, down and up again on a real SQLite file."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from bot.db.base import Base, load_all_models
from bot.db.engine import make_engine
from bot.db.migrate import downgrade_engine, upgrade_engine
from tests.auxil.app import ROOT


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, load_all_models()))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


async def assert_migrations_match_and_cycle(url: str) -> None:
    """Upgrade, compare with the models, downgrade to nothing, upgrade again to the same tables."""
    engine = make_engine(url)
    try:
        await upgrade_engine(engine)
        async with engine.connect() as conn:
            diff = await conn.run_sync(_diff)
            full = await conn.run_sync(_tables)
        assert diff == [], f"models differ from migrations; write a migration for: {diff}"
        assert {"communities", "channels", "members", "activity_counters", "scheduled_jobs"} <= full
        await downgrade_engine(engine, "base")
        async with engine.connect() as conn:
            assert await conn.run_sync(_tables) == set()
        await upgrade_engine(engine)
        async with engine.connect() as conn:
            assert await conn.run_sync(_tables) == full
    finally:
        await engine.dispose()


async def test_sqlite_migrations_match_the_models_and_cycle(tmp_path: Path) -> None:
    await assert_migrations_match_and_cycle(f"sqlite+aiosqlite:///{tmp_path / 'cycle.db'}")


def test_cli_upgrade_and_downgrade(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[bot]\ndatabase_url = "sqlite+aiosqlite:///{tmp_path / "cli.db"}"\n'
        f'rules_dir = "{ROOT / "rules"}"\n',
        "utf-8",
    )

    def kenes(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "--config", str(config), *args],
            capture_output=True,
            text=True,
            check=False,
            cwd=tmp_path,
        )

    assert kenes("db", "upgrade").returncode == 0
    assert kenes("db", "downgrade", "base").returncode == 0
    done = kenes("db", "upgrade")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "cli.db").exists()


def test_platform_ids_are_never_32_bit() -> None:
    from sqlalchemy import Integer, String

    for table in Base.metadata.tables.values():
        for column in table.columns:
            if column.name in ("external_id", "user_id"):
                assert isinstance(column.type, String), f"{table.name}.{column.name}"
                assert not isinstance(column.type, Integer)


async def test_weeks_announced_before_the_delivery_state_count_as_sent(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        await upgrade_engine(engine, "0006")
        async with engine.begin() as conn:
            for statement in (
                "INSERT INTO communities (id, platform, external_id, name, created_at)"
                " VALUES (1, 'memory', 'c1', '', '2026-01-01 00:00:00')",
                "INSERT INTO hero_weeks (community_id, week, name, score, reasons, role,"
                " announced_at) VALUES (1, '2026-01-05', '', 0, '{}', '', '2026-01-11 13:00:00')",
                "INSERT INTO digest_issues (community_id, week, text, chat_id, published_at)"
                " VALUES (1, '2026-01-05', 'digest', 'general', '2026-01-11 14:00:00')",
            ):
                await conn.execute(text(statement))
        await upgrade_engine(engine)
        async with engine.connect() as conn:
            heroes = (await conn.execute(text("SELECT status FROM hero_weeks"))).scalars().all()
            digests = (await conn.execute(text("SELECT status FROM digest_issues"))).scalars()
            assert (list(heroes), list(digests)) == (["sent"], ["sent"])  # never re-posted
    finally:
        await engine.dispose()


async def test_heroes_and_onboarding_tallies_fold_into_the_one_ledger(tmp_path: Path) -> None:
    """0020 moves hero_signals and onboarding's reaction totals into activity_counters."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        await upgrade_engine(engine, "0018")
        async with engine.begin() as conn:
            for statement in (
                "INSERT INTO communities (id, platform, external_id, name, created_at)"
                " VALUES (1, 'memory', 'c1', '', '2026-01-01 00:00:00')",
                # ann already has a ledger row that day: the tallies add to it.
                "INSERT INTO activity_counters (community_id, user_id, day, messages,"
                " reactions, commands) VALUES (1, 'ann', '2026-01-05', 4, 0, 0)",
                "INSERT INTO hero_signals VALUES (1, '2026-01-05', 'ann', 'helpful_answer', 2, '')",
                "INSERT INTO hero_signals VALUES (1, '2026-01-05', 'ann', 'reaction_received',"
                " 3, '')",
                "INSERT INTO hero_signals VALUES (1, '2026-01-06', 'bob', 'thanks_received', 1,"
                " '')",
                "INSERT INTO hero_signals VALUES (1, '2026-01-06', 'bob', '_staff', 1, '')",
                "INSERT INTO onboarding_members (community_id, user_id, name, chat_id, status,"
                " method, attempts, role, reactions_received, helpful_answers, passed_at)"
                " VALUES (1, 'cat', 'Cat', 'g', 'passed', 'none', 0, '', 5, 2,"
                " '2026-01-07 10:00:00')",
            ):
                await conn.execute(text(statement))
        await upgrade_engine(engine)
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        "SELECT user_id, day, messages, helpful_answers, reactions_received,"
                        " thanks_received, staff, helpful_marks FROM activity_counters"
                        " ORDER BY user_id"
                    )
                )
            ).all()
            tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
        assert [tuple(r) for r in rows] == [
            ("ann", "2026-01-05", 4, 2, 3, 0, 0, 0),
            ("bob", "2026-01-06", 0, 0, 0, 1, 1, 0),
            ("cat", "2026-01-07", 0, 0, 5, 0, 0, 2),
        ]
        assert "hero_signals" not in tables
    finally:
        await engine.dispose()


def test_one_history_with_a_single_head_across_every_feature_folder() -> None:
    from alembic.script import ScriptDirectory

    from bot.db.migrate import alembic_config, version_locations

    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1, (
        f"several heads; re-point a down_revision: {script.get_heads()}"
    )
    # The bare `alembic` command reads pyproject.toml; it must see the same folders `kenes db` does.
    with (ROOT / "pyproject.toml").open("rb") as handle:
        listed = tomllib.load(handle)["tool"]["alembic"]["version_locations"]
    expected = [str(p.relative_to(ROOT)) for p in version_locations()]
    assert [p.replace("%(here)s/", "") for p in listed] == expected
