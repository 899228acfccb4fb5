"""`kenes report`: a community's metrics per period between two dates, as CSV or JSON.

The report reads the same typed queries as `/stats` and the dashboard, from a bot that is
loaded but not connected to any platform (so the support desk, moderation and polls publish
their records exactly as in the running bot). Periods are the community's local days.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from typing import TextIO

from sqlalchemy import select

from bot.config import Config
from bot.core.clock import SystemClock
from bot.core.refs import CommunityRef
from bot.db.models import Community as CommunityRow
from cogs.metrics.periods import Kind, spans_between
from cogs.metrics.queries import MetricsQueries, Where

Row = dict[str, object]


class ReportError(ValueError):
    """Bad report arguments; the message says what and how to fix it."""


def parse_community(text: str) -> CommunityRef:
    platform, sep, ident = text.partition(":")
    if not sep or not platform or not ident:
        raise ReportError(
            f"--community {text!r} must look like 'platform:id', e.g. telegram:-100123"
        )
    return CommunityRef(platform, ident)


async def rows(
    queries: MetricsQueries, where: Where, kind: Kind, first: date, last: date
) -> list[Row]:
    """One flat row per period of `kind` touching `first` .. `last`; None where no data."""
    found: list[Row] = []
    for span in spans_between(kind, first, last):
        strength = await queries.strength(where, span)
        dialogue = await queries.dialogue(where, span)
        load = await queries.moderation(where, span)
        content = await queries.content(where, span)
        product = await queries.product(where, span)
        posts = await queries.bot_posts(where, span)
        found.append(
            {
                "period": kind,
                "start": span.first.isoformat(),
                "end": span.end.isoformat(),
                "active": strength.active,
                "present": strength.present,
                "active_share": _round(strength.active_share),
                "messages": strength.messages,
                "ugc": strength.ugc,
                "useful_ugc": strength.useful_ugc,
                "joined": strength.joined,
                "left": strength.left,
                "questions": None if dialogue is None else dialogue.questions,
                "frt_median_s": None if dialogue is None else _round(dialogue.frt_median_s),
                "frt_p90_s": None if dialogue is None else _round(dialogue.frt_p90_s),
                "within_sla": None if dialogue is None else _round(dialogue.within_sla),
                "unescalated": None if dialogue is None else _round(dialogue.unescalated),
                "resolved_by_faq": None if dialogue is None else _round(dialogue.by_faq),
                "rating": None if dialogue is None else _round(dialogue.rating),
                "moderation_cases": None if load is None else sum(load.values()),
                "next_step_posts": None if content is None else content.posts,
                "next_step_responses": None if content is None else content.responses,
                "link_clicks": None if content is None else content.clicks,
                "bot_posts": posts.posts,
                "bot_posts_with_step": posts.with_step,
                "ideas": None if product is None else product.ideas,
                "valid_ideas": None if product is None else product.valid,
                "shipped": None if product is None else product.shipped,
                "median_days_to_ship": None
                if product is None
                else _round(product.median_days_to_ship),
            }
        )
    return found


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def write(found: list[Row], fmt: str, out: TextIO) -> None:
    if fmt == "json":
        out.write(json.dumps(found, ensure_ascii=False, indent=2) + "\n")
        return
    if not found:
        return
    writer = csv.DictWriter(out, fieldnames=list(found[0]), lineterminator="\n")
    writer.writeheader()
    for row in found:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})


async def report(
    config: Config, community: str, first: date, last: date, period: str, fmt: str, out: TextIO
) -> int:
    """Write the report; raises ReportError (bad arguments) or DatabaseUnavailable."""
    from bot.app import Kenes
    from bot.db.engine import check_database, make_engine, sqlite_file

    if period not in ("day", "week", "month"):
        raise ReportError(f"--period {period!r}: use day, week or month")
    if fmt not in ("csv", "json"):
        raise ReportError(f"--format {fmt!r}: use csv or json")
    if last < first:
        raise ReportError(f"--to {last} is before --from {first}: swap them")
    ref = parse_community(community)
    path = sqlite_file(config.bot.database_url)
    if path is not None and not path.exists():
        raise ReportError(f"no database at {path}: `kenes run` (or `kenes db upgrade`) makes it")
    engine = make_engine(config.bot.database_url)
    try:
        await check_database(engine)
        app = Kenes(config, engine, SystemClock(), [])
        await app.start(background=False, watch_rules=False)
        try:
            async with app.services.sessions() as session:
                community_id = await session.scalar(
                    select(CommunityRow.id).where(
                        CommunityRow.platform == ref.platform, CommunityRow.external_id == ref.id
                    )
                )
            if community_id is None:
                raise ReportError(
                    f"no community {community!r} in the database: `kenes run` records one when "
                    "the bot first sees it"
                )
            settings = config.community(ref)
            where = Where(ref, community_id, settings.timezone, settings.locale)
            queries = MetricsQueries(
                app.services.sessions, app.services.published, app.services.clock.now
            )
            kind: Kind = "day" if period == "day" else "week" if period == "week" else "month"
            write(await rows(queries, where, kind, first, last), fmt, out)
        finally:
            await app.stop()
    finally:
        await engine.dispose()
    return 0
