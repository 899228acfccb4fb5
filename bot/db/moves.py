"""Folding one community's rows into another: the core operation every feature's table follows.

A feature's tables refer to a community by `communities.id`; this walks every such foreign key
in the metadata (all features' models, loaded or not: their rows are in the database either
way), so a feature added later follows without being named here.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Column, Table, UniqueConstraint, and_, delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.refs import CommunityRef
from bot.db.base import load_all_models
from bot.db.models import ScheduledJob


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


# -- jobs ------------------------------------------------------------------------------------
#
# A queued job names its community the way it was scheduled: by platform ids, in its payload
# (`{"platform": ..., "community": ...}` beside its other fields, a `chat` or `guild` beside a
# `platform`, or a ref written as `{"platform": ..., "id": ...}` such as the core's `core.act`
# actions) and in its key (`kind:platform:id:...`). Moving a community rewrites those of every
# pending job in the same transaction as its row, so an unmute, a gate's time limit, a weekly
# ritual or a scheduled action queued before the move acts on the community where it is now.
# (The alternative, payloads of internal row ids, would also need every key rewritten and every
# feature's job handlers changed; this keeps the one rule in one place.)

REF_FIELDS = frozenset({"community", "chat", "guild", "id"})


def _rewrite(value: Any, old: CommunityRef, new: CommunityRef, platform: str | None) -> Any:
    if isinstance(value, list):
        return [_rewrite(item, old, new, platform) for item in value]
    if not isinstance(value, dict):
        return value
    here = value.get("platform", platform)
    moved: dict[str, Any] = {}
    for name, item in value.items():
        # An `id` is a community's or a chat's only in a ref of its own ({"platform", "id"});
        # a message's id beside its chat is not, whatever its digits.
        named = name in REF_FIELDS and (name != "id" or "platform" in value)
        if named and here == old.platform and isinstance(item, str | int) and str(item) == old.id:
            moved[name] = type(item)(new.id) if isinstance(item, int) else new.id
        else:
            moved[name] = _rewrite(item, old, new, here)
    return moved


def _rekey(key: str | None, old: CommunityRef, new: CommunityRef) -> str | None:
    if key is None:
        return None
    return re.sub(rf"(?<![^:]){re.escape(str(old))}(?=:|$)", str(new), key)


async def move_jobs(session: AsyncSession, old: CommunityRef, new: CommunityRef) -> int:
    """Point every pending job that names `old` at `new`; returns how many changed.

    Bounded by the pending jobs (a move is rare: a Telegram group upgraded to a supergroup).
    """
    rows = (
        await session.execute(
            select(ScheduledJob.id, ScheduledJob.key, ScheduledJob.payload).where(
                ScheduledJob.status == "pending"
            )
        )
    ).all()
    changed = 0
    for job_id, key, payload in rows:
        new_payload = _rewrite(payload, old, new, None)
        new_key = _rekey(key, old, new)
        if new_payload == payload and new_key == key:
            continue
        if new_key != key and new_key is not None:
            # The new community had the same job already (folded in): it wins, as its rows do.
            taken = await session.scalar(select(ScheduledJob.id).where(ScheduledJob.key == new_key))
            if taken is not None:
                await session.execute(delete(ScheduledJob).where(ScheduledJob.id == job_id))
                changed += 1
                continue
        await session.execute(
            update(ScheduledJob)
            .where(ScheduledJob.id == job_id)
            .values(key=new_key, payload=new_payload)
        )
        changed += 1
    return changed
