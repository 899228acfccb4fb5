"""`write_chunks`: what a failed write leaves is exactly what was not written."""

from __future__ import annotations

import pytest

from bot.db.chunks import write_chunks


async def test_every_item_is_written_in_chunks_of_the_size() -> None:
    items, chunks = list(range(7)), []

    async def write(chunk: list[int]) -> None:
        chunks.append(list(chunk))

    assert await write_chunks(items, 3, write) == 7
    assert chunks == [[0, 1, 2], [3, 4, 5], [6]]
    assert items == []


async def test_a_failed_chunk_and_the_rest_stay_for_the_caller() -> None:
    items, written = list(range(7)), []

    async def write(chunk: list[int]) -> None:
        if 3 in chunk:
            raise OSError("database is locked")
        written.extend(chunk)

    with pytest.raises(OSError, match="locked"):
        await write_chunks(items, 3, write)
    assert written == [0, 1, 2]
    assert items == [3, 4, 5, 6]
