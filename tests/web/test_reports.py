"""Pages that show other features' reports: the ideas board (private and public) and the
metrics on the overview and community pages."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.auxil.web import WebBot, web_bot
from tests.web.test_web import signed_in

IDEAS = """\
alice: /idea Dark mode for the app
bob: /idea Weekly office hours
dana: /idea_status 1 planned
"""


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[WebBot]:
    async with web_bot(tmp_path / "kenes.db", cogs=("ideas", "metrics")) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield session


async def test_the_ideas_pages_show_the_board_and_hide_names_unless_asked(
    bot: WebBot, http: aiohttp.ClientSession
) -> None:
    await bot.say(IDEAS)
    csrf = await signed_in(bot, http, "ada")
    page = await (await http.get(f"{bot.base}/c/1/ideas")).text()
    assert "No data" not in page
    assert "Dark mode for the app" in page
    assert "Weekly office hours" in page
    assert "<td>planned</td>" in page
    assert "<td>Alice</td>" in page
    # Newest first: #2 comes before #1.
    assert page.index("Weekly office hours") < page.index("Dark mode for the app")

    await http.post(f"{bot.base}/c/1/public", data={"ideas": "on", "csrf": csrf})
    public = await (await http.get(f"{bot.base}/p/1/ideas?lang=ru")).text()
    assert "Dark mode for the app" in public
    assert "<td>запланирована</td>" in public
    assert "Alice" not in public
    assert "Автор" not in public

    await http.post(
        f"{bot.base}/c/1/public", data={"ideas": "on", "show_names": "on", "csrf": csrf}
    )
    named = await (await http.get(f"{bot.base}/p/1/ideas")).text()
    assert "<td>Alice</td>" in named


async def test_overview_and_community_pages_show_the_metrics(
    bot: WebBot, http: aiohttp.ClientSession
) -> None:
    await signed_in(bot, http)
    overview = await (await http.get(f"{bot.base}/c/1/overview")).text()
    assert "metrics feature is on" not in overview
    assert "Active, %" in overview
    assert "First reply, median (min)" in overview
    community = await (await http.get(f"{bot.base}/c/1/community?weeks=4")).text()
    assert "metrics feature is on" not in community
    assert "New members" in community
    table = community.split("<h2>Community metrics</h2>")[1].split("</table>")[0]
    assert table.count("<tr>") == 1 + 4  # the header, then a row per week asked for


async def test_support_and_moderation_tables_speak_the_pages_language(
    bot: WebBot, http: aiohttp.ClientSession
) -> None:
    # In Kazakh the tables read "delete", "warn", "open", "high": the codes, not the words the
    # bot says in chat (the ideas board's statuses were translated, these were not).
    csrf = await signed_in(bot, http)
    await http.post(f"{bot.base}/lang", data={"lang": "kk", "back": "/", "csrf": csrf})
    moderation = await (await http.get(f"{bot.base}/c/1/moderation")).text()
    recent = moderation.split("</caption>")[-1]
    assert "<td>ескерту</td>" in recent  # warn
    assert "<td>хабарлама жойылды</td>" in recent  # delete
    assert "<td>модератор шешімі</td>" in recent  # the rule `manual`
    assert "<td>delete</td>" not in recent
    assert "<td>manual</td>" not in recent
    support = await (await http.get(f"{bot.base}/c/1/support")).text()
    assert "<td>ашық</td>" in support
    assert "<td>open</td>" not in support


async def test_the_open_tickets_name_their_team_from_the_rules_else_the_id(
    bot: WebBot, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    # The seed's ticket 2 breached its SLA and was escalated to the breach team, `leads`.
    csrf = await signed_in(bot, http)
    support = await (await http.get(f"{bot.base}/c/1/support")).text()
    open_table = support.split("</caption>")[-1]
    assert "<td>Support leads</td>" in open_table  # the team's name, not its id
    assert "<td>leads</td>" not in open_table
    await http.post(f"{bot.base}/lang", data={"lang": "kk", "back": "/", "csrf": csrf})
    support = await (await http.get(f"{bot.base}/c/1/support")).text()
    assert "<td>Қолдау жетекшілері</td>" in support.split("</caption>")[-1]
    # A team since removed from support.toml: its id is all there is to show.
    with sqlite3.connect(tmp_path / "kenes.db") as db:
        moved = db.execute("UPDATE support_tickets SET team = 'payroll' WHERE team = 'leads'")
        assert moved.rowcount == 1
    support = await (await http.get(f"{bot.base}/c/1/support")).text()
    assert "<td>payroll</td>" in support.split("</caption>")[-1]
