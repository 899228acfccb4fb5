"""Folding one community's rows into another: the core operation every feature's table follows.

A feature's tables refer to a community by `communities.id`; this walks every such foreign key
in the metadata (all features' models, loaded or not: their rows are in the database either
way), so a feature added later follows without being named here.
"""

from __future__ import annotations

from sqlalchemy import Column, Table, UniqueConstraint, and_, delete, exists, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.base import load_all_models


def _community_column(table: Table, communities: Table) -> Column[int] | None:
    for fk in table.foreign_keys:
        if fk.column is communities.c.id:
            parent: Column[int] = fk.parent
            return parent
    return None


def _unique_sets(table: Table, column: Column[int]) -> list[list[Column[object]]]:
    """Column sets that must stay unique and include the community column."""
    sets: list[list[Column[object]]] = []
    candidates = [list(table.primary_key.columns)]
    candidates += [list(c.columns) for c in table.constraints if isinstance(c, UniqueConstraint)]
    candidates += [list(i.columns) for i in table.indexes if i.unique]
    for columns in candidates:
        if any(c is column for c in columns):
            sets.append([c for c in columns if c is not column])
    return sets


async def fold_community(session: AsyncSession, old_id: int, new_id: int) -> None:
    """Give `new_id` every row of `old_id`, then remove `old_id`.

    Where both have a row for the same key (a member, a day's counter, a week's digest), the
    new community's row wins and the old one goes with the old community.
    """
    metadata = load_all_models()
    communities = metadata.tables["communities"]
    for table in metadata.sorted_tables:
        column = _community_column(table, communities)
        if column is None:
            continue
        other = table.alias()
        clashes = [
            ~exists().where(
                and_(other.c[column.name] == new_id, *(other.c[c.name] == c for c in rest))
            )
            for rest in _unique_sets(table, column)
        ]
        await session.execute(
            update(table).where(column == old_id, *clashes).values({column.name: new_id})
        )
    await session.execute(delete(communities).where(communities.c.id == old_id))
