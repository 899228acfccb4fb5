"""The limiter's windows and memory, and the ladder's arithmetic."""

from __future__ import annotations

import sys
from datetime import timedelta

from cogs.moderation.ladder import crossed, strikes, stronger
from cogs.moderation.limits import Limiter
from cogs.moderation.rules import Ladder, LadderStep, Limits, parse_action
from tests.auxil.app import START

T0 = START.timestamp()


def test_flood_trips_on_the_message_over_the_limit() -> None:
    limiter = Limiter()
    shape = limiter.configure(Limits())
    key = ("c", "u")
    verdicts = [limiter.check(*key, T0 + i, 0, 0, shape) for i in range(7)]
    assert verdicts[:6] == [[]] * 6
    assert verdicts[6] == ["flood"]
    # After the window, the same pace is fine again.
    assert limiter.check(*key, T0 + 30, 0, 0, shape) == []


def test_duplicates_count_across_channels_and_expire() -> None:
    limiter = Limiter()
    shape = limiter.configure(Limits())
    key = ("c", "u")
    assert limiter.check(*key, T0, 42, 0, shape) == []
    assert limiter.check(*key, T0 + 50, 42, 0, shape) == []
    assert limiter.check(*key, T0 + 100, 42, 0, shape) == ["duplicates"]
    assert limiter.check(*key, T0 + 400, 42, 0, shape) == []
    assert limiter.check("c", "other", T0 + 400, 42, 0, shape) == []


def test_mentions_per_message_and_per_window() -> None:
    limiter = Limiter()
    shape = limiter.configure(Limits())
    assert limiter.check("c", "u", T0, 0, 6, shape) == ["mentions"]
    key = ("c", "v")
    assert limiter.check(*key, T0, 0, 5, shape) == []
    assert limiter.check(*key, T0 + 5, 0, 5, shape) == []
    assert limiter.check(*key, T0 + 10, 0, 1, shape) == ["mentions"]


def test_state_per_member_is_small() -> None:
    limiter = Limiter()
    shape = limiter.configure(Limits())
    limiter.check("c", "u", T0, 1, 1, shape)
    state = limiter.state_of("c", "u")
    assert state is not None
    assert sys.getsizeof(state) <= 200


def test_prune_forgets_idle_members() -> None:
    limiter = Limiter()
    shape = limiter.configure(Limits())
    limiter.check("c", "u", T0, 1, 0, shape)
    limiter.check("c", "v", T0 + 1000, 1, 0, shape)
    assert limiter.prune(1000 * 10, shape) == 1
    assert len(limiter) == 1


LADDER = Ladder(
    half_life_hours=24,
    steps=(LadderStep(points=3, action="warn"), LadderStep(points=6, action="mute 1h")),
)


def test_points_halve_every_half_life() -> None:
    now = START
    assert strikes([(4, now)], now, LADDER) == 4
    assert strikes([(4, now - timedelta(hours=24))], now, LADDER) == 2
    assert strikes([(4, now - timedelta(hours=48)), (1, now)], now, LADDER) == 2
    assert strikes([(3, now - timedelta(seconds=5)), (3, now)], now, LADDER) == 6


def test_crossing_a_step_escalates_once() -> None:
    assert crossed(2, 3, LADDER) == parse_action("warn")
    assert crossed(3, 4, LADDER) is None
    assert crossed(2, 7, LADDER) == parse_action("mute 1h")


def test_stronger_action_wins() -> None:
    assert stronger(parse_action("delete"), parse_action("warn")).kind == "warn"
    assert stronger(parse_action("ban"), parse_action("mute 1h")).kind == "ban"
    assert stronger(parse_action("mute 5m"), parse_action("mute 1h")).duration == timedelta(hours=1)
    assert stronger(parse_action("ban 1d"), parse_action("ban")).duration is None


def test_stamps_before_the_first_event_or_far_ahead_still_count() -> None:
    # A backlog after a restart arrives stamped before the first event this process saw.
    limiter = Limiter()
    shape = limiter.configure(Limits())
    assert limiter.check("c", "u", T0, 0, 0, shape) == []
    verdicts = [limiter.check("c", "u", T0 - 3600 - i, 0, 0, shape) for i in range(6)]
    assert verdicts[-1] == ["flood"]
    assert limiter.check("c", "v", T0 + 10**12, 0, 0, shape) == []
