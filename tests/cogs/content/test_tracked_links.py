"""A published post's links go through the web server's tracked links (`/l/<id>`)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import aiohttp

from bot.adapters.memory import MemoryAdapter
from bot.app import Kenes
from bot.core.actions import SendMessage
from bot.core.clock import ManualClock
from bot.core.permissions import Level
from cogs.content.models import ContentPost
from tests.auxil.app import START, make_config, running_app
from tests.auxil.web import free_port

COGS = ["core", "polls", "support", "content"]
# START is Monday 09:00 UTC; Friday 18:00 in Almaty is 13:00 UTC.
TO_FRIDAY_18 = timedelta(days=4, hours=4)
FEES = "https://example.org/fees?lang=en"
# The content feature's UTM tags; `[web.utm]` is set too and must not tag the link again.
TAGGED = f"{FEES}&utm_source=kenes&utm_medium=community&utm_campaign=how_it_works"
SHORT = re.compile(r"http://127\.0\.0\.1:\d+/l/[A-Za-z0-9_-]+")


async def publish_scheduled(memory: MemoryAdapter, app: Kenes, clock: ManualClock) -> str:
    """Write a post with two links, schedule it for Friday 18:00, and return it as published."""
    mod = Level.MODERATOR
    text = f"/post new how_it_works In short: fees explained. See {FEES}."
    await memory.say("mod", text, level=mod)
    await memory.say("mod", "/post next 1 link https://example.org/faq", level=mod)
    [done] = await memory.say("mod", "/post schedule 1 fri 18:00", level=mod)
    assert isinstance(done, SendMessage)
    assert "is scheduled" in done.text
    await app.advance(TO_FRIDAY_18)
    assert clock.now() == START + TO_FRIDAY_18
    [post] = [
        a for a in memory.of_type(SendMessage) if "In short" in a.text and a.ephemeral_to is None
    ]
    return post.text


async def test_a_published_post_carries_tracked_links_that_count_clicks(tmp_path: Path) -> None:
    port = free_port()
    web = {
        "enabled": True,
        "port": port,
        "base_url": f"http://127.0.0.1:{port}",
        "utm": {"source": "web", "medium": "chat"},
    }
    config = make_config(bot={"cogs": COGS}, web=web)
    memory, clock = MemoryAdapter(), ManualClock(START)
    async with running_app(tmp_path / "kenes.db", config, [memory], clock) as app:
        text = await publish_scheduled(memory, app, clock)
        assert "example.org" not in text
        fees, faq = SHORT.findall(text)
        assert f"See {fees}." in text
        assert f"Read more: {faq}" in text
        async with aiohttp.ClientSession() as http:
            answer = await http.get(fees, allow_redirects=False)
        assert answer.status == 302
        assert answer.headers["Location"] == TAGGED  # tagged once, by the content feature
        async with app.services.sessions() as session:
            post = await session.get(ContentPost, 1)
        assert post is not None
        stats = {s.url: s for s in await app.services.links.for_community(post.community_id)}
        assert stats[TAGGED].clicks == 1
        assert stats[TAGGED].source == "post:1"
        assert [s.clicks for s in stats.values() if s.url != TAGGED] == [0]


async def test_with_the_web_server_off_the_post_carries_the_tagged_link(tmp_path: Path) -> None:
    memory, clock = MemoryAdapter(), ManualClock(START)
    config = make_config(bot={"cogs": COGS})
    async with running_app(tmp_path / "kenes.db", config, [memory], clock) as app:
        text = await publish_scheduled(memory, app, clock)
        assert f"See {TAGGED}." in text
        assert SHORT.search(text) is None
