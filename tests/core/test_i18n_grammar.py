"""Plurals, numbers, Kazakh case endings and dates, rendered by the i18n layer for each language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import Plural, format_moment, format_number, render
from bot.i18n.kazakh import inflect, inflect_number, number_word

POINTS = {
    "en": Plural({"one": "{count} point", "other": "{count} points"}),
    "ru": Plural(
        {
            "one": "{count} балл",
            "few": "{count} балла",
            "many": "{count} баллов",
            "other": "{count} балла",
        }
    ),
}


@pytest.mark.parametrize(
    ("locale", "count", "expected"),
    [
        ("en", 1, "1 point"),
        ("en", 2, "2 points"),
        ("en", 2.0, "2 points"),
        ("en", 1.5, "1.5 points"),
        ("ru", 1, "1 балл"),
        ("ru", 2, "2 балла"),
        ("ru", 5, "5 баллов"),
        ("ru", 11, "11 баллов"),
        ("ru", 21, "21 балл"),
        ("ru", 2.0, "2 балла"),
        ("ru", 2.5, "2,5 балла"),
        ("ru", 12345, "12\xa0345 баллов"),
    ],
)
def test_plural_forms_follow_cldr(locale: str, count: float, expected: str) -> None:
    assert render(locale, POINTS[locale], {"count": count}) == expected


def test_a_plural_can_be_chosen_by_another_field() -> None:
    votes = Plural({"one": "{votes} vote", "other": "{votes} votes"}, by="votes")
    assert render("en", votes, {"votes": 1}) == "1 vote"
    assert render("en", votes, {"votes": 3}) == "3 votes"


@pytest.mark.parametrize(
    ("number", "word"),
    [(0, "нөл"), (1, "бір"), (5, "бес"), (10, "он"), (40, "қырық"), (100, "жүз"), (120, "жиырма"),
     (300, "жүз"), (1000, "мың"), (2000, "мың"), (10**6, "миллион"), (2.5, "бес")],
)  # fmt: skip
def test_a_number_is_read_by_its_last_word(number: float, word: str) -> None:
    assert number_word(number) == word


@pytest.mark.parametrize(
    ("number", "case", "expected"),
    [(100, "dat", "100-ге"), (10, "dat", "10-ға"), (5, "dat", "5-ке"), (40, "dat", "40-қа"),
     (1, "abl", "1-ден"), (6, "abl", "6-дан"), (10, "abl", "10-нан"), (3, "abl", "3-тен"),
     (2, "loc", "2-де"), (4, "loc", "4-те"), (8, "ins", "8-бен"), (7, "ins", "7-мен"),
     (50, "dat", "50-ге"), (90, "acc", "90-ды"), (60, "gen", "60-тың")],
)  # fmt: skip
def test_kazakh_number_endings(number: int, case: str, expected: str) -> None:
    assert inflect_number(number, str(number), case) == expected


def test_kazakh_endings_follow_harmony_on_words() -> None:
    assert inflect("2 сағат", "abl") == "2 сағаттан"
    assert inflect("3 күн", "abl") == "3 күннен"
    assert inflect("1 апта", "dat") == "1 аптаға"
    assert inflect("5 минут", "loc") == "5 минутта"


def test_numbers_are_written_the_locale_way() -> None:
    assert format_number(2.0, "ru") == "2"
    assert format_number(Decimal("2.50"), "ru") == "2,5"
    assert format_number(1234, "en") == "1,234"
    assert format_number(100, "kk", "dat") == "100-ге"
    assert format_number(100, "ru", "dat") == "100"


def test_times_are_local_and_name_their_zone() -> None:
    moment = datetime(2026, 11, 29, 9, 5, tzinfo=UTC).astimezone(ZoneInfo("Asia/Almaty"))
    assert format_moment(moment, "en") == "Nov 29, 2026, 14:05 (Almaty, UTC+5)"
    assert format_moment(moment, "ru") == "29 нояб. 2026\u202fг., 14:05 (Алматы, UTC+5)"
    assert format_moment(moment, "kk").endswith("14:05 (Алматы, UTC+5)")
    assert format_moment(moment, "ru", "time") == "14:05"
    assert format_moment(moment.astimezone(UTC), "en").endswith("(UTC)")


def test_a_timedelta_field_takes_the_template_case() -> None:
    text = render("kk", "{closes:abl} кейін", {"closes": timedelta(hours=2)})
    assert text == "2 сағаттан кейін"
    text = render("ru", "через {closes:acc}", {"closes": timedelta(minutes=1)})
    assert text == "через 1 минуту"


def test_an_unknown_field_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown field format"):
        render("en", "{count:bogus}", {"count": 1})
