"""bench/soak.py runs the whole pipeline and reports what the issue's target is stated in."""

from __future__ import annotations

import pytest

from bench.soak import soak


async def test_a_short_soak_reports_rss_growth_latency_and_heap(
    capsys: pytest.CaptureFixture[str],
) -> None:
    await soak(0.01, 100)  # 60 messages: the report's shape, not the targets
    report = capsys.readouterr().out
    assert "soak: 60 messages in 0.01 min at 100/s" in report
    for line in ("RSS growth after warm-up:", "latency p50", "p99", "allocated blocks"):
        assert line in report
    assert "activity ledger entries at the end: {'counts':" in report
