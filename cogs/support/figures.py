"""The week's support figures `/sla` shows: response times, SLA share, escalations, FAQ, rating."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

from bot.i18n import format_number, t
from cogs.support.models import Ticket
from cogs.support.rules import SupportRules
from cogs.support.sla import WorkingHours, percentile


def figures(
    rules: SupportRules,
    locale: str,
    rows: list[Ticket],
    outcomes: list[str],
    hours: WorkingHours,
    now: datetime,
) -> str:
    answered = [r.first_response_work_s for r in rows if r.first_response_work_s is not None]
    within = 0
    for row in rows:
        target = rules.targets.of(row.priority).get("first_response").total_seconds()
        if row.first_response_work_s is not None:
            within += row.first_response_work_s <= target
        else:
            within += hours.between(row.created_at, now).total_seconds() <= target
    finished = [r for r in rows if r.status in ("resolved", "closed")]
    measured = [r for r in finished if r.resolved_in_time is not None]
    resolved_in_time = sum(1 for r in measured if r.resolved_in_time)
    unescalated = sum(1 for r in finished if not r.escalated)
    helped = outcomes.count("helped")
    ratings = [r.rating for r in rows if r.rating is not None]

    def span(seconds: float | None) -> object:
        # A timedelta is rendered by the catalogue in the locale's words and plurals.
        return "—" if seconds is None else timedelta(seconds=int(seconds))

    def share(part: int, whole: int) -> str:
        return f"{round(100 * part / whole)} %" if whole else "—"

    return t(
        locale,
        "support.figures",
        tickets=len(rows),
        median=span(statistics.median(answered) if answered else None),
        p90=span(percentile([float(a) for a in answered], 0.9)),
        within=share(within, len(rows)),
        resolved=share(resolved_in_time, len(measured)),
        unescalated=share(unescalated, len(finished)),
        faq=share(helped, helped + len(rows)),
        rating=f"{format_number(round(statistics.mean(ratings), 1), locale)}/5" if ratings else "—",
        rated=len(ratings),
    )
