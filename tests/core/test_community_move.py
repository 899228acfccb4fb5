"""A community that moves (a Telegram group upgraded to a supergroup) keeps every feature's rows.

The rows are made for every table that refers to a community, found from the metadata, so a
feature added later is covered without editing this test.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
    Table,
    func,
    insert,
    select,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.activity import CommunityDirectory
from bot.core.clock import ManualClock
from bot.core.refs import CommunityRef
from bot.db.base import load_all_models
from bot.db.engine import make_engine, make_sessionmaker
from bot.db.migrate import upgrade_engine
from bot.db.models import Community

OLD = CommunityRef("telegram", "-4321")
NEW = CommunityRef("telegram", "-100777")
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _value(column: Column[Any], serial: int) -> object:
    kind = column.type
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, DateTime) or getattr(kind, "impl", None).__class__ is DateTime:
        return NOW
    if isinstance(kind, Date):
        return date(2026, 1, serial % 28 + 1)
    if isinstance(kind, JSON):
        return {}
    if isinstance(kind, Float | Numeric):
        return 1.0
    if isinstance(kind, Integer):
        return serial
    return f"v{serial}"


def _community_tables() -> list[Table]:
    """Tables that refer to a community directly or through a parent that does, parents first."""
    metadata = load_all_models()
    found: list[Table] = []
    for table in metadata.sorted_tables:
        if table.name == "communities":
            continue
        parents = {fk.column.table.name for fk in table.foreign_keys}
        if "communities" in parents or parents & {t.name for t in found}:
            found.append(table)
    return found


async def _fill(conn: AsyncConnection, community_id: int) -> dict[str, int]:
    """One row per community table, children pointing at the rows made for their parents."""
    made: dict[str, dict[str, object]] = {"communities": {"id": community_id}}
    tables = _community_tables()
    # A parent that is not about a community (a web session, whose row lists communities):
    # one row of its own, so the child's reference resolves.
    for parent in {fk.column.table for t in tables for fk in t.foreign_keys} - {*tables}:
        if parent.name != "communities":
            values = {c.name: _value(c, 0) for c in parent.columns}
            await conn.execute(insert(parent).values(values))
            made[parent.name] = values
    for serial, table in enumerate(tables, start=1):
        row: dict[str, object] = {}
        for column in table.columns:
            fks = list(column.foreign_keys)
            if fks:
                row[column.name] = made[fks[0].column.table.name][fks[0].column.name]
            elif (
                column.primary_key
                and column.autoincrement is not False
                and isinstance(column.type, Integer)
                and len(table.primary_key.columns) == 1
            ):
                continue
            else:
                row[column.name] = _value(column, serial)
        result = await conn.execute(insert(table).values(row))
        inserted = result.inserted_primary_key or ()
        keys = dict(zip(table.primary_key.columns.keys(), inserted, strict=True))
        made[table.name] = {**row, **keys}
    counts: dict[str, int] = {}
    for table in _community_tables():
        counts[table.name] = await conn.scalar(select(func.count()).select_from(table)) or 0
    return counts


@pytest.mark.parametrize("new_seen_first", [False, True])
async def test_a_moved_community_keeps_every_features_rows(
    tmp_path: Path, new_seen_first: bool
) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'move.db'}")
    try:
        await upgrade_engine(engine)
        directory = CommunityDirectory(make_sessionmaker(engine), ManualClock(NOW))
        old_id = await directory.id_for(OLD)
        if new_seen_first:
            await directory.id_for(NEW)
        async with engine.begin() as conn:
            before = await _fill(conn, old_id)
        assert len(before) >= 15, f"expected every feature's tables, got {sorted(before)}"

        assert await directory.move(OLD, NEW) is True

        new_id = await directory.id_for(NEW)
        async with engine.connect() as conn:
            for table in _community_tables():
                count = await conn.scalar(select(func.count()).select_from(table))
                assert count == before[table.name], f"{table.name} lost rows in the move"
                for column in table.columns:
                    if any(fk.column.table.name == "communities" for fk in column.foreign_keys):
                        ids = set((await conn.scalars(select(column))).all())
                        assert ids == {new_id}, f"{table.name}.{column.name} still points at {ids}"
        assert await directory.move(OLD, NEW) is False  # nothing left under the old id
        # A write-behind buffer flushing counts it took under the old id lands in the new
        # community instead of bringing the old one back.
        assert await directory.id_for(OLD) == new_id
        async with engine.connect() as conn:
            assert await conn.scalar(select(func.count()).select_from(Community)) == 1
    finally:
        await engine.dispose()
