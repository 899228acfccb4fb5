"""The support desk end to end on the console: tickets, staff replies, SLA timers, FAQ, errors."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from cogs.support.models import Ticket, TicketEvent, TicketMessage
from tests.cogs.support.console import Desk, desk_config, said, stored

FRIDAY_17_55 = datetime.fromisoformat("2026-01-09T17:55:00+05:00")


async def test_friday_evening_question_is_due_monday(desk: Desk) -> None:
    out = await desk("alice in #help: The export button does nothing", start=FRIDAY_17_55)
    assert "within 2 hours of working time: by Monday 12.01 at 10:55" in out
    assert "First response due Monday 12.01 at 10:55" in out


async def test_outside_hours_the_member_hears_the_clock_waits(desk: Desk) -> None:
    saturday = datetime.fromisoformat("2026-01-10T12:00:00+05:00")
    out = await desk("alice in #help: Export is broken", start=saturday)
    assert "by Monday 12.01 at 11:00" in out
    assert "The team is off right now" in out


async def test_ticket_claimed_answered_with_quick_reply_resolved_and_rated(
    desk: Desk, tmp_path: Path
) -> None:
    out = await desk(
        """
        dana is moderator
        alice in #help: My invoice shows the wrong company name
        dana in #staff: /claim 1
        +20m
        dana in #staff: /qr hello 1
        alice in #help: It should be ACME LLP
        dana replies to 2: Fixed, please check the invoice again
        dana in #staff: /resolve 1
        alice presses support:rate:1:up on 15
        dana in #staff: /sla
        """
    )
    assert "🆕 Ticket #1 from Alice · priority high · team Billing" in out
    assert "Ticket #1 is taken by Dana." in out
    assert "Hello Alice! I'm Dana and I'm looking into ticket #1 now." in out
    assert "Ticket #1, Alice adds:\n    It should be ACME LLP" in out
    assert "Ticket #1, Dana from the team:\n    Fixed, please check the invoice again" in out
    assert "Thank you for rating ticket #1!" in out
    assert "First response: median 20 minutes, p90 20 minutes" in out
    assert "First response within the SLA: 100 %. Resolved within target: 100 %" in out
    assert "Rating: 5/5 (1 rated)" in out
    async with stored(tmp_path) as conn:
        ticket = (await conn.execute(select(Ticket))).one()
        sides = (await conn.execute(select(TicketMessage.side))).scalars().all()
        kinds = (await conn.execute(select(TicketEvent.kind))).scalars().all()
    assert ticket.status == "resolved"
    assert ticket.rating == 5
    assert ticket.first_response_work_s == 20 * 60
    assert sides == ["member", "staff", "member", "staff"]
    assert kinds == ["opened", "claimed", "first_response", "status", "rated"]


async def test_warning_then_breach_escalates_and_pages_on_call(desk: Desk) -> None:
    out = await desk(
        """
        alice in #help: The export button does nothing
        +1h29m
        +1m
        +30m
        """,
    )
    assert out.index("⏳ Ticket #1: 75 % of the first response time has passed") > out.index(
        "1h29m later"
    )
    assert "🚨 Ticket #1 missed its first response target" in out
    assert "→ #leads: Ticket #1 from Alice missed its target and goes to Support leads" in out
    assert "bot → DM lead: You are on call for Support leads: ticket #1 needs you." in out
    assert out.count("🚨") == 1


async def test_a_restart_neither_loses_nor_doubles_a_timer(desk: Desk) -> None:
    await desk("alice in #help: The export button does nothing")
    later = datetime.fromisoformat("2026-01-05T10:00:00+05:00")
    first = await desk("+1h30m", start=later)
    assert first.count("🚨 Ticket #1 missed") == 1
    assert first.count("⏳ Ticket #1") == 1
    again = await desk("+1d", start=later)
    assert "Ticket #1" not in again


async def test_pending_pauses_the_clock_until_the_member_writes(desk: Desk) -> None:
    out = await desk(
        """
        dana is moderator
        alice in #help: The export button does nothing
        +1h
        dana in #staff: /pending 1
        +6h
        alice in #help: Here is the screenshot you asked for
        dana in #staff: /tickets
        +1h
        """,
    )
    assert "Ticket #1: the team waits for your answer." in out
    # One hour of the two was used before the pause; the other runs from 16:00.
    assert "#1 Alice · open · normal · nobody · due Monday 05.01 at 17:00" in out
    before, _, after = out.partition("Here is the screenshot")
    assert "⏳" not in before
    assert "🚨" not in before
    assert "⏳ Ticket #1" in after
    assert "🚨 Ticket #1" in after


async def test_faq_answers_first_yes_counts_and_no_opens_a_ticket(desk: Desk) -> None:
    out = await desk(
        """
        dana is moderator
        alice in #help: I forgot my password
        alice presses support:faq:yes:1 on 2
        bob: /help_request how do I cancel my subscription
        bob presses support:faq:no:2 on 5
        dana in #staff: /sla
        """,
    )
    assert 'Press "Forgot password" on the sign-in page' in out
    assert "Glad it helped!" in out
    assert "🆕 Ticket #1 from Bob" in out
    assert "Resolved by the FAQ: 50 %" in out


async def test_faq_in_kazakh(desk: Desk) -> None:
    out = await desk("alice: /faq құпиясөзімді ұмыттым", locale="kk")
    assert "«Құпиясөзді ұмыттыңыз ба?»" in out
    assert "📖 Құпиясөз нұсқаулығы" in out


async def test_bad_input_gets_clear_errors(desk: Desk) -> None:
    out = await desk(
        """
        dana is moderator
        alice in #help: The export button does nothing
        dana in #staff: /qr helo 1
        dana in #staff: /reply 42 hello?
        alice: /resolve 1
        dana in #staff: /escalate 1 lawyers
        dana in #staff: /tickets everything
        alice: /rate 1 5
        """,
    )
    assert (
        'There is no quick reply "helo". Quick replies: hello, more_info, password, solved.' in out
    )
    assert "There is no ticket #42 here." in out
    assert (
        "only alice sees it, reply to msg 8: Only the team that handles /resolve and admins can use"
        " it." in out
    )
    assert 'There is no team "lawyers". Teams: billing, leads.' in out
    assert '"everything" is not a list: use open, mine or breached.' in out
    assert "Ticket #1 is still open: rate it once it is resolved." in out


async def test_member_closes_their_own_ticket_and_nobody_else_can(desk: Desk) -> None:
    out = await desk(
        """
        alice in #help: The export button does nothing
        bob presses support:close:1 on 3
        alice presses support:close:1 on 3
        +3h
        """,
    )
    assert "Ticket #1 is someone else's." in out
    assert "Ticket #1 is closed. How did we do?" in out
    assert "Alice closed ticket #1 themselves." in out
    assert "🚨" not in out


async def test_a_member_without_a_ticket_hears_what_to_do_not_ticket_question_mark(
    desk: Desk,
) -> None:
    # It said "There is no ticket #? here. /tickets lists the open ones." to a member, who
    # has no ticket number and cannot run /tickets.
    out = await desk(
        """
        bob: /close_ticket
        bob: /rate 7 5
        """,
    )
    assert "#?" not in out
    assert "/tickets" not in out
    assert "You have no open ticket here. To ask the team for help: /help_request <text>." in out
    assert "There is no ticket #7 here: the number is in the message that opened your" in out


async def test_a_ticket_and_its_timers_are_stored_together(desk: Desk, tmp_path: Path) -> None:
    from bot.db.models import ScheduledJob

    await desk("alice in #help: The export button does nothing")
    async with stored(tmp_path) as conn:
        keys = (await conn.execute(select(ScheduledJob.key))).scalars().all()
        ticket = (await conn.execute(select(Ticket))).one()
    assert sorted(k for k in keys if k and k.startswith("support.sla")) == [
        "support.sla:1:breach",
        "support.sla:1:resolution:breach",
        "support.sla:1:resolution:warning",
        "support.sla:1:warning",
    ]
    assert ticket.clock_kind == "first_response"
    assert ticket.clock_round == 1
    assert ticket.resolve_round == 1
    assert ticket.resolve_due_at is not None


async def test_a_timer_run_twice_tells_staff_once(desk: Desk, tmp_path: Path) -> None:
    from datetime import timedelta

    from bot.adapters.console import ConsoleAdapter
    from bot.core.clock import ManualClock
    from tests.auxil.app import running_app

    lines: list[str] = []
    await desk("alice in #help: The export button does nothing")
    console = ConsoleAdapter("demo", "general", out=lines.append)
    config = desk_config(tmp_path / "rules")
    start = datetime.fromisoformat("2026-01-05T11:30:00+05:00")
    async with running_app(tmp_path / "support.db", config, [console], ManualClock(start)) as app:
        await app.advance(timedelta(minutes=1))
        # The same breach again, as a second instance or a retried job would run it.
        payload = {"platform": "console", "community": "demo", "ticket": 1, "round": 1}
        await app.services.scheduler.schedule(
            "support.sla", start, {**payload, "stage": "breach"}, key="again"
        )
        await app.advance(timedelta(minutes=1))
    assert said(lines).count("🚨 Ticket #1 missed") == 1


async def test_faq_link_opens_are_counted(desk: Desk, tmp_path: Path) -> None:
    from cogs.support.models import FaqClick

    out = await desk(
        """
        alice: /faq I forgot my password
        alice presses support:link:password:0 on 2
        bob presses support:link:password:0 on 2
        bob presses support:link:password:99 on 2
        """,
    )
    assert "📖 Password guide: https://kenes.example.org/help/password" in out
    async with stored(tmp_path) as conn:
        clicks = (await conn.execute(select(FaqClick.entry, FaqClick.link, FaqClick.clicks))).all()
    assert [tuple(row) for row in clicks] == [("password", 0, 2)]


async def test_resolution_target_warns_breaches_and_escalates(desk: Desk) -> None:
    # Answered at once, so the response clock stops; the 8-hour urgent resolution target runs on.
    out = await desk(
        """
        dana is moderator
        alice in #help: Urgent: the export button does nothing
        dana in #staff: /reply 1 Looking into it
        +1d
        dana in #staff: /sla
        """,
    )
    assert "⏳ Ticket #1: 75 % of the resolution time has passed" in out
    assert "🚨 Ticket #1 missed its resolution target" in out
    assert "→ #leads: Ticket #1 from Alice missed its target and goes to Support leads" in out
    assert out.count("🚨") == 1
    assert "first response target" not in out


async def test_pending_pauses_the_resolution_clock(desk: Desk) -> None:
    out = await desk(
        """
        dana is moderator
        alice in #help: Urgent: the export button does nothing
        dana in #staff: /reply 1 Can you send a screenshot?
        dana in #staff: /pending 1
        +2d
        alice in #help: Here is the screenshot
        dana in #staff: /resolve 1
        dana in #staff: /sla
        """,
    )
    assert "resolution" not in out.partition("Here is the screenshot")[0]
    assert "⏳" not in out
    assert "🚨" not in out
    assert "Resolved within target: 100 %" in out


async def test_late_resolution_counts_against_the_target(desk: Desk) -> None:
    out = await desk(
        """
        dana is moderator
        alice in #help: Urgent: the export button does nothing
        dana in #staff: /reply 1 Looking into it
        +1d
        dana in #staff: /resolve 1
        dana in #staff: /sla
        """,
    )
    assert "Resolved within target: 0 %" in out


async def test_help_request_category_routes_and_unknown_word_is_text(desk: Desk) -> None:
    out = await desk(
        """
        alice: /help_request billing The export button does nothing
        bob: /help_request Төлем The page is blank
        carol: /help_request nonsense the page is blank
        """,
    )
    # The named team wins over the (absent) keywords; its priority comes with it.
    assert "🆕 Ticket #1 from Alice · priority high · team Billing\n    The export button" in out
    assert "🆕 Ticket #2 from Bob · priority high · team Billing\n    The page is blank" in out
    assert "🆕 Ticket #3 from Carol · priority normal · team none\n    nonsense the page" in out


async def test_a_direct_message_becomes_a_ticket_answered_by_dm(desk: Desk) -> None:
    out = await desk(
        """
        dana is moderator
        alice dm: The export button does nothing
        dana in #staff: /reply 1 Which browser?
        alice dm: Firefox
        bob dm: I forgot my password, what do I do?
        """,
    )
    assert "🆕 Ticket #1 from Alice" in out
    assert "bot → DM alice: Ticket #1 is open." in out
    assert "bot → DM alice: Ticket #1, Dana from the team:\n    Which browser?" in out
    assert "Ticket #1, Alice adds:\n    Firefox" in out
    # The FAQ is tried first, as for /help_request.
    assert "Ticket #2" not in out
    assert "Did this help?" in out


async def test_direct_messages_off_opens_no_ticket(desk: Desk) -> None:
    edits = {"support.toml": [("direct_messages = true", "direct_messages = false")]}
    out = await desk("alice dm: The export button does nothing", edits=edits)
    assert "Ticket #1" not in out
