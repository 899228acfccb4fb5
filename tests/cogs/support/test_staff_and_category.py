"""The support staff team (checked in the core, per community, fail closed) and the category a
member chose surviving an FAQ answer they refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.context import Context
from bot.core.teams import Teams
from bot.rules.loader import RulesError
from cogs.support.rules import SupportRules
from tests.auxil.app import load_shipped
from tests.auxil.rituals import rules_copy
from tests.cogs.support.console import Desk


async def test_a_category_chosen_before_the_faq_answer_survives_a_no(desk: Desk) -> None:
    out = await desk(
        """
        bob: /help_request leads how do I cancel my subscription
        bob presses support:faq:no:1 on 2
        """,
    )
    assert "Billing → Subscription → Cancel." in out  # the FAQ answered first
    # "no": the ticket opens in the team Bob named, without the category word in its text.
    assert (
        "🆕 Ticket #1 from Bob · priority normal · team Support leads\n    how do I cancel" in out
    )


async def test_listed_members_are_staff_and_moderators_need_not_be(desk: Desk) -> None:
    out = await desk(
        """
        dana is moderator
        alice: /help_request The export button does nothing
        dana in #staff: /claim 1
        erin in #staff: /claim 1
        """,
        edits={
            "support.toml": [
                ("staff = []\n", 'staff = ["console:erin"]\n'),
                ("moderators_are_staff = true", "moderators_are_staff = false"),
            ]
        },
    )
    assert "Only the team that handles /claim and admins can use it." in out
    assert "Ticket #1 is taken by Erin." in out
    assert "taken by Dana" not in out


async def test_a_community_section_replaces_the_defaults(desk: Desk) -> None:
    section = (
        '[staff_by_community."console:demo"]\nmembers = ["console:frank"]\nmoderators = false\n'
    )
    out = await desk(
        """
        dana is moderator
        alice: /help_request The export button does nothing
        erin in #staff: /claim 1
        frank in #staff: /claim 1
        """,
        edits={
            "support.toml": [
                ("staff = []\n", 'staff = ["console:erin"]\n'),
                ("[hours]\n", section + "\n[hours]\n"),
            ]
        },
    )
    assert "Ticket #1 is taken by Frank." in out
    assert "taken by Erin" not in out


def test_a_malformed_staff_entry_is_a_clear_error(tmp_path: Path) -> None:
    rules = rules_copy(tmp_path, {"support.toml": [("staff = []\n", 'staff = ["erin"]\n')]})
    with pytest.raises(RulesError) as caught:
        load_shipped(rules)
    problem = str(caught.value)
    assert "support.toml" in problem
    assert "staff" in problem
    assert "write a staff member as platform:id" in problem


def test_teams_fail_closed() -> None:
    teams = Teams()
    ctx = object()

    def broken(_: Context) -> bool:
        raise RuntimeError("the rules are not loaded")

    assert not teams.member("support", ctx)  # nobody registered the team
    teams.add("support", broken)
    assert not teams.member("support", ctx)  # a failing check refuses
    with pytest.raises(ValueError, match="already registered"):
        teams.add("support", broken)
    teams.remove("support")
    teams.add("support", lambda _: True)
    assert teams.member("support", ctx)
    assert isinstance(SupportRules().staff_for("console:demo").members, tuple)
