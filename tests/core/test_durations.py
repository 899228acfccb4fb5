"""Durations as people write them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.durations import duration_words, format_duration, parse_duration


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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10м", 600),
        ("2ч", 7200),
        ("3д", 259200),
        ("10 мин", 600),
        ("2 сағ", 7200),
        ("1 нед", 604800),
        ("апта", 604800),
        ("неделя", 604800),
        ("5 минут", 300),
        ("2 часа", 7200),
        ("1ч30м", 5400),
        ("2 сағ 30 мин", 9000),
        ("3 күн", 259200),
        ("30 сек", 30),
        ("10 minutes", 600),
    ],
)
def test_units_in_kazakh_and_russian(text: str, expected: int) -> None:
    assert parse_duration(text) == timedelta(seconds=expected)


@pytest.mark.parametrize("text", ["мин", "м", "10 мес", "5 минут спама", "10 x"])
def test_units_alone_or_unknown_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="30s, 10m"):
        parse_duration(text)


def test_a_spelled_out_duration_spans_words() -> None:
    assert duration_words(["10", "мин", "спам"]) == 2
    assert duration_words(["2", "сағ", "30", "мин", "спам"]) == 4
    assert duration_words(["10m", "spam"]) == 1
    assert duration_words(["spam"]) == 0
    assert duration_words(["10", "spam"]) == 0
