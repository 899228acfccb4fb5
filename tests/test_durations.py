"""Durations as people write them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [("30s", 30), ("10m", 600), ("2h", 7200), ("3d", 259200), ("1w", 604800), ("1h30m", 5400)],
)
def test_parse(text: str, expected: int) -> None:
    assert parse_duration(text) == timedelta(seconds=expected)


@pytest.mark.parametrize("text", ["", "10", "ten minutes", "5x", "0m", "-5m"])
def test_parse_rejects_with_a_hint(text: str) -> None:
    with pytest.raises(ValueError, match=r"30s, 10m|zero"):
        parse_duration(text)


def test_format_round_trips() -> None:
    for text in ("45s", "10m", "1h30m", "3d", "1w2d"):
        assert format_duration(parse_duration(text)) == text


def test_absurd_durations_are_refused_with_a_hint() -> None:
    with pytest.raises(ValueError, match="too long"):
        parse_duration("99999999999d")
    with pytest.raises(ValueError, match="too long"):
        parse_duration("999999999w")
