"""What one remembered UGC message costs in memory (it is kept for tens of thousands)."""

from __future__ import annotations

import gc
import tracemalloc
from datetime import date

from bot.activity import UGC_REMEMBERED, ActivityRecorder
from bot.app import Kenes
from bot.core.canon import Canon, compact_id
from bot.core.refs import CommunityRef

DAY = date(2026, 1, 5)


def post(ledger: ActivityRecorder, first: int, last: int) -> None:
    """UGC messages as an adapter hands them over: every id a new string, every ref new."""
    for n in range(first, last):
        community = CommunityRef("telegram", f"-100{n % 20:08d}")
        ledger.posted_ugc(community, f"{n % 100}", str(1_000_000 + n), f"{n * 7919 % 5_000}", DAY)


def test_a_remembered_ugc_message_costs_under_300_bytes(app: Kenes) -> None:
    ledger = app.services.activity
    post(ledger, 0, 2_000)  # the shared copies of communities, chats and authors exist
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        post(ledger, 2_000, UGC_REMEMBERED)  # full: what a busy bot holds for good
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    assert ledger.sizes()["ugc"] == UGC_REMEMBERED
    # Each entry used to hold its own community ref, chat id, message id, author id and day:
    # 515 bytes at the cap. Now (287): the key and value tuples, an int message id, the
    # dict's own slot.
    per_entry = grown / (UGC_REMEMBERED - 2_000)
    assert per_entry < 300, per_entry


def test_ugc_messages_are_found_by_the_ids_the_platform_sends(app: Kenes) -> None:
    ledger = app.services.activity
    community = CommunityRef("memory", "c")
    for message_id in ("12", "007", "abc", "0", "-5", "١٢"):
        ledger.posted_ugc(community, "chat", message_id, "bob", DAY)
    for message_id in ("12", "007", "abc", "0", "-5", "١٢"):
        ledger.useful(CommunityRef("memory", "c"), "chat", message_id)
    assert ledger.sizes()["ugc"] == 0
    ledger.posted_ugc(community, "chat", "12", "bob", DAY)
    ledger.useful(community, "chat", "012")  # another message: not taken for 12
    assert ledger.sizes()["ugc"] == 1


def test_compact_ids_round_trip_and_canon_is_bounded() -> None:
    for value in ("0", "7", "1234567890123456789", "007", "-5", "+5", "١٢", "", "a1"):
        compact = compact_id(value)
        assert str(compact) == value
        assert isinstance(compact, int) == (value in ("0", "7", "1234567890123456789"))
    canon: Canon[str] = Canon(3)
    first = "".join(["x", "1"])
    assert canon("".join(["x", "1"])) is canon(first)
    for i in range(5):
        canon(f"y{i}")
    assert len(canon) <= 3
