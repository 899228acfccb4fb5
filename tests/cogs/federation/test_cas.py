"""The CAS client against a local fake of the API: hit, miss, timeout, 500, malformed body,
the bounded TTL cache and the circuit breaker (counted requests, never wall time)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.core.clock import ManualClock
from cogs.federation.cas import CasClient, Lookups, parse_answer
from cogs.federation.rules import CasRules
from tests.auxil.fake_cas import FakeCas


@pytest.fixture
async def cas() -> AsyncIterator[FakeCas]:
    async with FakeCas() as server:
        server.listed["666"] = 3
        yield server


@pytest.fixture
async def client(clock: ManualClock) -> AsyncIterator[CasClient]:
    made = CasClient(clock)
    yield made
    await made.close()


def rules(cas: FakeCas, **extra: object) -> CasRules:
    return CasRules.model_validate({"enabled": True, "base_url": cas.base_url, **extra})


async def test_a_listed_account_is_a_hit_and_others_a_miss(cas: FakeCas, client: CasClient) -> None:
    hit = await client.check("666", rules(cas))
    assert (hit.listed, hit.offenses, hit.error) == (True, 3, None)
    miss = await client.check("42", rules(cas))
    assert (miss.listed, miss.error) == (False, None)
    assert cas.asked == ["666", "42"]


async def test_answers_are_cached_for_their_ttl_within_a_bound(
    cas: FakeCas, client: CasClient, clock: ManualClock
) -> None:
    settings = rules(cas, cache_minutes=5, cache_size=10)
    await client.check("666", settings)
    again = await client.check("666", settings)
    assert again.cached
    assert client.requests == 1
    clock.advance(timedelta(minutes=6))
    await client.check("666", settings)
    assert client.requests == 2
    for n in range(30):
        await client.check(str(1000 + n), settings)
    assert len(client) == 10


@pytest.mark.parametrize(
    ("mode", "error"),
    [("slow", "no answer within 0.05s"), ("error", "HTTP 500"), ("malformed", "malformed answer")],
)
async def test_a_failing_list_is_an_error_never_a_hit(
    cas: FakeCas, client: CasClient, mode: str, error: str
) -> None:
    cas.mode = mode  # type: ignore[assignment]
    verdict = await client.check("666", rules(cas, timeout_seconds=0.05))
    assert verdict.listed is None
    assert verdict.error is not None
    assert verdict.error.startswith(error)


async def test_the_breaker_opens_after_failures_and_half_opens_after_its_time(
    cas: FakeCas, client: CasClient, clock: ManualClock
) -> None:
    settings = rules(cas, failures_to_open=3, open_seconds=60)
    cas.mode = "error"
    for n in range(5):
        await client.check(str(n), settings)
    assert client.requests == 3  # the last two were not sent
    assert (await client.check("9", settings)).error == "breaker open"
    cas.mode = "normal"
    clock.advance(timedelta(seconds=61))
    assert (await client.check("666", settings)).listed is True  # one trial, it works
    assert client.breaker.failures == 0
    assert client.requests == 4


def test_only_the_documented_answer_shape_is_read() -> None:
    assert parse_answer({"ok": False, "description": "Record not found."}).listed is False
    assert parse_answer({"ok": True, "result": {"offenses": 2}}).offenses == 2
    bodies: list[object] = [
        [],
        {"ok": "yes"},
        {"ok": True},
        {"ok": True, "result": {"offenses": -1}},
        {"ok": True, "result": {"offenses": True}},
    ]
    for body in bodies:
        assert parse_answer(body).listed is None


async def test_lookups_are_bounded() -> None:
    lookups = Lookups()

    async def nothing() -> None:
        return None

    assert lookups.start(nothing(), limit=1)
    assert not lookups.start(nothing(), limit=1)
    assert lookups.skipped == 1
    await lookups.drain()
    assert len(lookups) == 0


def test_the_base_url_must_be_http() -> None:
    with pytest.raises(ValueError, match="must start with http"):
        CasRules.model_validate({"base_url": "ftp://cas"})
