"""The SLA clock across evenings, weekends, holidays, split days and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from cogs.support.rules import parse_hours
from cogs.support.sla import Interval, WorkingHours, deadline, percentile, resume

ALMATY = ZoneInfo("Asia/Almaty")  # UTC+5 all year: no DST
BERLIN = ZoneInfo("Europe/Berlin")  # DST on the last Sundays of March and October
NINE_TO_SIX = (Interval(time(9), time(18)),)


def weekdays(zone: ZoneInfo, holidays: frozenset[date] = frozenset()) -> WorkingHours:
    return WorkingHours(zone, (NINE_TO_SIX,) * 5 + ((), ()), holidays)


def local(zone: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone)


def test_friday_evening_question_is_due_monday() -> None:
    hours = weekdays(ALMATY)
    asked = local(ALMATY, 2026, 1, 9, 17, 55)  # a Friday
    due = hours.add(asked, timedelta(hours=2))
    assert due == local(ALMATY, 2026, 1, 12, 10, 55)
    assert hours.between(asked, due) == timedelta(hours=2)


def test_inside_one_day_and_before_opening() -> None:
    hours = weekdays(ALMATY)
    assert hours.add(local(ALMATY, 2026, 1, 6, 10, 0), timedelta(hours=2)) == local(
        ALMATY, 2026, 1, 6, 12, 0
    )
    # At 07:00 nothing counts until 09:00.
    assert hours.add(local(ALMATY, 2026, 1, 6, 7, 0), timedelta(minutes=30)) == local(
        ALMATY, 2026, 1, 6, 9, 30
    )
    # Zero working time on a Saturday is Monday's opening.
    assert hours.add(local(ALMATY, 2026, 1, 10, 12, 0), timedelta()) == local(
        ALMATY, 2026, 1, 12, 9, 0
    )


def test_a_target_ending_at_closing_time_is_due_then_not_next_morning() -> None:
    hours = weekdays(ALMATY)
    assert hours.add(local(ALMATY, 2026, 1, 6, 16, 0), timedelta(hours=2)) == local(
        ALMATY, 2026, 1, 6, 18, 0
    )


def test_holidays_stop_the_clock() -> None:
    hours = weekdays(ALMATY, frozenset({date(2026, 1, 12), date(2026, 1, 13)}))
    due = hours.add(local(ALMATY, 2026, 1, 9, 17, 0), timedelta(hours=2))
    assert due == local(ALMATY, 2026, 1, 14, 10, 0)


def test_split_day_and_multi_day_targets() -> None:
    week = (parse_hours("09:00-13:00, 14:00-18:00"),) * 5 + ((), ())
    hours = WorkingHours(ALMATY, week)
    assert hours.add(local(ALMATY, 2026, 1, 6, 12, 0), timedelta(hours=2)) == local(
        ALMATY, 2026, 1, 6, 15, 0
    )
    # Two working days (8 h each) from Thursday noon: Monday noon.
    assert hours.add(local(ALMATY, 2026, 1, 8, 12, 0), timedelta(hours=16)) == local(
        ALMATY, 2026, 1, 12, 12, 0
    )


def test_round_the_clock_hours() -> None:
    hours = WorkingHours(ALMATY, (parse_hours("00:00-24:00"),) * 7)
    start = local(ALMATY, 2026, 1, 9, 23, 0)
    assert hours.add(start, timedelta(hours=5)) == start + timedelta(hours=5)
    assert hours.between(start, start + timedelta(days=3)) == timedelta(days=3)


def test_between_counts_only_working_time() -> None:
    hours = weekdays(ALMATY)
    friday_noon = local(ALMATY, 2026, 1, 9, 12, 0)
    monday_noon = local(ALMATY, 2026, 1, 12, 12, 0)
    assert hours.between(friday_noon, monday_noon) == timedelta(hours=9)
    assert hours.between(monday_noon, friday_noon) == timedelta()


def test_other_zones_see_the_same_instant() -> None:
    hours = weekdays(ALMATY)
    asked_utc = datetime(2026, 1, 9, 12, 55, tzinfo=UTC)  # 17:55 in Almaty
    assert hours.add(asked_utc, timedelta(hours=2)) == datetime(2026, 1, 12, 5, 55, tzinfo=UTC)


def test_dst_spring_forward_inside_working_hours() -> None:
    # Round-the-clock team in Berlin: on 29 March 2026 the clocks jump 02:00 → 03:00, so the
    # day has 23 real hours and a 24 h target from Saturday noon lands at Sunday 13:00 local.
    hours = WorkingHours(BERLIN, (parse_hours("00:00-24:00"),) * 7)
    start = local(BERLIN, 2026, 3, 28, 12, 0)
    due = hours.add(start, timedelta(hours=24))
    assert due.astimezone(BERLIN).replace(tzinfo=None) == datetime(2026, 3, 29, 13, 0)
    assert hours.between(start, due) == timedelta(hours=24)


def test_dst_keeps_working_hours_on_the_wall_clock() -> None:
    # 9-18 Berlin time is 08-17 UTC in winter and 07-16 UTC in summer.
    hours = weekdays(BERLIN)
    friday = local(BERLIN, 2026, 3, 27, 17, 0)
    due = hours.add(friday, timedelta(hours=2))
    assert due.astimezone(BERLIN).replace(tzinfo=None) == datetime(2026, 3, 30, 10, 0)
    assert due.astimezone(UTC).hour == 8


def test_deadline_and_resume_after_a_pause() -> None:
    hours = weekdays(ALMATY)
    start = local(ALMATY, 2026, 1, 6, 9, 0)
    first = deadline(hours, start, timedelta(hours=2), 0.75)
    assert first.warn_at == local(ALMATY, 2026, 1, 6, 10, 30)
    assert first.due_at == local(ALMATY, 2026, 1, 6, 11, 0)
    # Paused at 10:00 with one hour left, resumed the next morning at 09:00.
    wednesday = local(ALMATY, 2026, 1, 7, 9, 0)
    again = resume(hours, wednesday, timedelta(hours=1), timedelta(hours=2), 0.75)
    assert again.warn_at == local(ALMATY, 2026, 1, 7, 9, 30)
    assert again.due_at == local(ALMATY, 2026, 1, 7, 10, 0)
    # Resumed with less left than the warning margin: no second warning.
    late = resume(hours, start, timedelta(minutes=10), timedelta(hours=2), 0.75)
    assert late.warn_at is None


def test_naive_times_and_an_empty_week_are_refused() -> None:
    hours = weekdays(ALMATY)
    with pytest.raises(ValueError, match="timezone-aware"):
        hours.add(datetime(2026, 1, 6, 9, 0), timedelta(hours=1))
    with pytest.raises(ValueError, match="at least one open interval"):
        WorkingHours(ALMATY, ((),) * 7)
    with pytest.raises(ValueError, match="negative"):
        hours.add(local(ALMATY, 2026, 1, 6, 9, 0), timedelta(hours=-1))


def test_percentile_by_nearest_rank() -> None:
    assert percentile([], 0.9) is None
    assert percentile([5.0], 0.9) == 5.0
    assert percentile([float(n) for n in range(1, 11)], 0.9) == 9.0
    assert percentile([float(n) for n in range(1, 11)], 0.5) == 5.0


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("9-18", "HH:MM-HH:MM"),
        ("18:00-09:00", "night shift"),
        ("09:00-13:00, 12:00-18:00", "overlaps"),
        ("09:00-24:30", "24:00 is the latest"),
    ],
)
def test_bad_hours_lines_say_how_to_write_them(text: str, hint: str) -> None:
    with pytest.raises(ValueError, match=hint):
        parse_hours(text)
