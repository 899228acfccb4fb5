"""bench/soak.py runs the whole pipeline and reports what the issue's target is stated in."""

from __future__ import annotations

import gc
import subprocess
import sys

import pytest

from bench.soak import soak
from bot.activity import ActivityRecorder


async def test_a_short_soak_reports_rss_growth_latency_and_heap(
    capsys: pytest.CaptureFixture[str],
) -> None:
    await soak(0.01, 100)  # 60 messages: the report's shape, not the targets
    report = capsys.readouterr().out
    assert "soak: 60 messages in 0.01 min at 100/s" in report
    for line in (
        "RSS growth after warm-up:",
        "RSS over the run (MiB): 0%:",
        "latency p50",
        "latency after warm-up p50",
        "p99",
        "start lateness",
        "allocated blocks",
        "caps reached (growth up to a cap is not a leak): none",
    ):
        assert line in report
    assert "activity ledger entries at the end: {'counts':" in report


def test_start_up_objects_are_frozen_out_of_full_collections() -> None:
    """`kenes run` freezes what start-up built: later full collections walk only newer objects.

    In a child process: freezing the pytest process would keep its cycles for good.
    """
    script = (
        "import gc, bot.app, cogs.moderation.cog, cogs.onboarding.cog\n"
        "before = len(gc.get_objects())\n"
        "frozen = bot.app.freeze_start_up_heap()\n"
        "print(before, frozen, len(gc.get_objects()))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    before, frozen, after = map(int, done.stdout.split())
    assert before > 20_000, before  # the start-up heap a full collection used to walk
    assert frozen >= before * 0.9, (before, frozen)
    assert after < 1_000, after


async def test_why_says_what_overlapped_slow_messages_and_what_collections_cost(
    capsys: pytest.CaptureFixture[str],
) -> None:
    flush = ActivityRecorder.flush
    await soak(0.01, 100, why=True)
    assert ActivityRecorder.flush is flush  # the timing wrappers are taken off again
    report = capsys.readouterr().out
    assert "messages slower than 5 ms, by what overlapped them:" in report
    for generation in range(3):
        assert f"gc gen{generation}: " in report
    runs = [int(line.split()[2]) for line in report.splitlines() if "gc gen0: " in line]
    assert runs
    assert runs[0] > 0  # 60 messages through every cog allocate enough to collect


async def test_why_takes_its_wrappers_off_when_the_run_raises() -> None:
    flush, callbacks = ActivityRecorder.flush, list(gc.callbacks)
    with pytest.raises(ValueError, match="negative"):
        await soak(-1, 100, why=True)  # raises inside the run, with the app started
    assert ActivityRecorder.flush is flush
    assert gc.callbacks == callbacks
