"""Benchmark: the metrics' page queries on a year of a large community, on SQLite.

Fills a year (2026) of the activity ledger for one community: 50,000 members with `--full`
(about 5.1 million ledger rows; 5,000 members and ~0.5 million rows by default, to keep the
default run short), plus a year of support tickets, moderation cases and polls. Then times
the queries each dashboard page makes, through the real app (migrations, features loaded,
published queries), and prints each against a baseline measured in the same run on the same
file: one full scan of the ledger (`SELECT count(*)`, what any query that is not served by an
index or a rollup costs at least). Target: every page's queries within 300 ms.

The trend pages are timed cold (no rollups yet: every closed week is summed from the ledger
and kept) and warm (what every later view and the daily rollup job leave: one row a week).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, insert

from bot.core.clock import ManualClock
from bot.core.refs import CommunityRef
from bot.db.models import Member
from cogs.metrics.periods import Span, span_of, spans_back
from cogs.metrics.queries import MetricsQueries, Where
from cogs.moderation.models import ModCase
from cogs.polls.models import Poll, PollVote
from cogs.support.models import Ticket
from tests.auxil.app import make_config, running_app

ZONE = "Asia/Almaty"
YEAR = date(2026, 1, 1)
DAYS = 365
# A Thursday afternoon at the end of the year: this week and month are open and full of rows.
NOW = datetime(2026, 12, 31, 9, 0, tzinfo=UTC)
TARGET_MS = 300.0
REF = CommunityRef("telegram", "-1001")
RULES = ("spam", "links", "chat", "caps", "flood", "")


def utc_text(moment: datetime) -> str:
    """A datetime as SQLAlchemy stores it in SQLite (naive UTC)."""
    return moment.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def fill(path: Path, members: int, seed: int = 7) -> int:
    """Write the year; returns the number of ledger rows."""
    rng = random.Random(seed)
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    start = datetime.combine(YEAR, datetime.min.time(), tzinfo=UTC)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO communities (id, platform, external_id, name, created_at)"
            f" VALUES (1, '{REF.platform}', '{REF.id}', 'bench', '{utc_text(start)}')"
        )
        rows: list[dict[str, Any]] = []
        for i in range(members):
            # Three in five were members before the year began; the rest join during it.
            if rng.random() < 0.6:
                joined = start - timedelta(minutes=rng.randrange(2 * DAYS * 24 * 60))
            else:
                joined = start + timedelta(minutes=rng.randrange(DAYS * 24 * 60))
            left = joined + timedelta(days=rng.randrange(30, 400)) if rng.random() < 0.2 else None
            rows.append(
                {
                    "community_id": 1,
                    "user_id": str(1000 + i),
                    "display_name": f"m{i}",
                    "is_bot": False,
                    "joined_at": joined,
                    "left_at": left if left is not None and left < NOW else None,
                    "first_seen_at": joined,
                    "last_seen_at": joined,
                    "first_spoke_at": joined + timedelta(hours=rng.randrange(1, 72)),
                }
            )
        conn.execute(insert(Member), rows)
        tickets = [
            {
                "community_id": 1, "member_id": str(1000 + rng.randrange(members)),
                "text": "help", "via": "channel", "chat_id": "-1001", "status": "resolved",
                "priority": "normal", "escalated": rng.random() < 0.1,
                "created_at": (at := start + timedelta(minutes=rng.randrange(DAYS * 1440))),
                "first_response_at": at + timedelta(minutes=30),
                "first_response_work_s": rng.randrange(60, 4 * 3600),
                "resolved_at": at + timedelta(hours=5), "rating": rng.choice((None, 3, 4, 5)),
            }
            for _ in range(members // 10)
        ]  # fmt: skip
        conn.execute(insert(Ticket), tickets)
        cases = [
            {
                "community_id": 1, "user_id": str(1000 + rng.randrange(members)),
                "action": rng.choice(("delete", "warn", "mute")), "rule": rng.choice(RULES),
                "created_at": start + timedelta(minutes=rng.randrange(DAYS * 1440)),
            }
            for _ in range(members // 5)
        ]  # fmt: skip
        conn.execute(insert(ModCase), cases)
        polls = [
            {
                "id": n + 1, "community_id": 1, "platform": REF.platform,
                "community_ext": REF.id, "chat_id": "-1001", "kind": "poll", "mode": "buttons",
                "question": "?", "options": ["a", "b"], "status": "closed", "created_by": "1",
                "created_at": start + timedelta(days=n * 2, hours=10),
                "closes_at": start + timedelta(days=n * 2 + 1, hours=10),
            }
            for n in range(180)
        ]  # fmt: skip
        conn.execute(insert(Poll), polls)
        votes = [
            {
                "poll_id": n + 1, "user_id": str(1000 + v), "option": v % 2,
                "voter_name": "", "voted_at": start + timedelta(days=n * 2, hours=11),
            }
            for n in range(180)
            for v in rng.sample(range(members), min(members, 200))
        ]  # fmt: skip
        conn.execute(insert(PollVote), votes)
    engine.dispose()
    # The ledger: each member is active on a share of the days from joining on (skewed: a
    # few very active, most occasional), ~102 days a member on average at full size.
    con = sqlite3.connect(path)
    written = 0
    batch: list[tuple[Any, ...]] = []
    day0 = YEAR.toordinal()
    for i in range(members):
        joined = max(0, rows[i]["joined_at"].date().toordinal() - day0)
        share = min(0.95, rng.paretovariate(1.5) * 0.16)
        span = DAYS - joined
        days = rng.sample(range(joined, DAYS), min(span, max(1, round(span * share))))
        user = str(1000 + i)
        for d in days:
            messages = rng.randrange(0, 12)
            batch.append(
                (1, user, date.fromordinal(day0 + d).isoformat(), messages, rng.randrange(0, 6),
                 0, int(messages > 8), 0, rng.randrange(0, 4), 0, 0, 0, messages,
                 messages // 4, int(d == joined and joined > 0), 0, 0, 0)
            )  # fmt: skip
        if len(batch) >= 200_000:
            written += _write(con, batch)
            batch = []
    written += _write(con, batch)
    con.close()
    return written


def _write(con: sqlite3.Connection, batch: list[tuple[Any, ...]]) -> int:
    with con:
        con.executemany(
            "INSERT INTO activity_counters (community_id, user_id, day, messages, reactions,"
            " commands, votes, questions, reactions_received, thanks_received,"
            " helpful_answers, helpful_marks, ugc, useful_ugc, joins, leaves, staff, bot)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            batch,
        )
    return len(batch)


async def timed(run: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await run()
    return (time.perf_counter() - started) * 1000


async def timed_cpu(run: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    """Wall and CPU milliseconds. The CPU time is the process's, every thread's (SQLite runs
    in aiosqlite's thread): on a shared, loaded machine it is the figure that does not move
    with the load, while wall time grows with it."""
    cpu = time.process_time()
    wall = await timed(run)
    return wall, (time.process_time() - cpu) * 1000


async def main(members: int, kept: Path | None = None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        config = make_config(
            bot={"cogs": ["core", "moderation", "polls", "support", "metrics"]},
            defaults={"timezone": ZONE},
        )
        if kept is not None and kept.exists():  # noqa: ASYNC240 (before anything runs)
            # A year filled by an earlier run (`--db`): copied, so every run starts with no
            # rollups; the app's migrations bring it up to date.
            shutil.copyfile(kept, path)
            print(f"reusing the year filled in {kept}")
        else:
            async with running_app(path, config, [], ManualClock(NOW)) as app:
                pass  # migrations in place, then filled from outside the app
            started = time.perf_counter()
            rows = fill(path, members)
            print(f"filled {members:,} members, {rows:,} ledger rows in "
                  f"{time.perf_counter() - started:.0f} s")  # fmt: skip
            con = sqlite3.connect(path)
            with con:
                con.execute("ANALYZE")
            con.close()
            if kept is not None:
                shutil.copyfile(path, kept)
        async with running_app(path, config, [], ManualClock(NOW)) as app:
            queries = MetricsQueries(app.services.sessions, app.services.published, app.clock.now)
            where = Where(REF, 1, ZONE)
            today = date(2026, 12, 31)
            week, month = span_of("week", today), span_of("month", today)
            last_week = span_of("week", today - timedelta(days=7))
            year = spans_back("week", today, 53)
            quarter = spans_back("week", today, 13)

            async def scan() -> None:
                async with app.services.sessions() as session:
                    await session.execute(__import__("sqlalchemy").text(
                        "SELECT count(*), sum(messages) FROM activity_counters"))  # fmt: skip

            baseline = min([await timed(scan) for _ in range(3)])

            stats_cog = app.cogs.get("metrics")
            stats_cog.queries = queries  # type: ignore[union-attr]  # one cache for the run
            assert stats_cog is not None
            Query = tuple[str, Callable[[], Awaitable[object]]]
            pages: list[tuple[str, list[Query]]] = [
                ("community, cold (53 weeks summed from the ledger, then kept)", [
                    ("trend, 53 weeks", lambda: queries.trend(where, year)),
                    ("cohorts, 53 weeks (the final ones kept)",
                     lambda: queries.cohorts(where, year)),
                ]),
                ("overview", [
                    ("strength, this week (live)", lambda: queries.strength(where, week)),
                    ("trend, 13 weeks", lambda: queries.trend(where, quarter)),
                    ("dialogue, last week", lambda: queries.dialogue(where, last_week)),
                    ("moderation, this month", lambda: queries.moderation(where, month)),
                    ("content, last week", lambda: queries.content(where, last_week)),
                    ("product, this month", lambda: queries.product(where, month)),
                ]),
                ("community", [
                    ("trend, 53 weeks", lambda: queries.trend(where, year)),
                    ("cohorts, 8 weeks", lambda: queries.cohorts(where, quarter[-9:-1])),
                ]),
                ("support", [
                    ("dialogue, 13 weeks", lambda: queries.dialogue_by(where, quarter)),
                ]),
                ("moderation", [
                    ("cases by rule by week, 13 weeks", lambda: queries.moderation(
                        where, Span(quarter[0].first, quarter[-1].end, "week"))),
                ]),
                ("/stats", [
                    ("figures", lambda: stats_cog.summary(where, week)),  # type: ignore[attr-defined]
                    ("trend, 8 weeks", lambda: stats_cog.trend(where)),  # type: ignore[attr-defined]
                ]),
            ]  # fmt: skip
            print(f"baseline, one full scan of the ledger: {baseline:.0f} ms")
            worst = worst_cpu = 0.0
            for name, page in pages:
                queries.forget_live()  # each page is a first view: the open week read live
                spent = []
                for _label, run in page:
                    spent.append(await timed_cpu(run))
                total = sum(wall for wall, _ in spent)
                cpu = sum(c for _, c in spent)
                if "cold" not in name:
                    worst = max(worst, total)
                    worst_cpu = max(worst_cpu, cpu)
                ratio = total / baseline
                print(f"{name}: {total:.0f} ms, CPU {cpu:.0f} ms ({ratio:.2f}× the scan)")
                for (label, _), (ms, c) in zip(page, spent, strict=True):
                    print(f"    {label}: {ms:.0f} ms, CPU {c:.0f} ms")
            verdict = "within" if worst <= TARGET_MS else "OVER"
            print(f"slowest warm page {worst:.0f} ms (CPU {worst_cpu:.0f} ms): {verdict} the "
                  f"{TARGET_MS:.0f} ms target")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="50,000 members, ~5 million rows")
    parser.add_argument("--members", type=int, default=None)
    parser.add_argument(
        "--db", type=Path, default=None,
        help="keep the filled year in this file and reuse it on the next run (filling 5 M rows"
        " takes minutes)",
    )  # fmt: skip
    args = parser.parse_args()
    asyncio.run(main(args.members or (50_000 if args.full else 5_000), args.db))
