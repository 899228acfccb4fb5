"""The three rituals through the console adapter: the same transcript a person would type."""

from __future__ import annotations

import io
from pathlib import Path

from bot.adapters.console import ConsoleAdapter
from bot.adapters.console.runner import replay
from bot.core.clock import ManualClock
from tests.auxil.app import running_app
from tests.auxil.rituals_weekly import ritual_config

TRANSCRIPT = """
mod is moderator
admin is admin
mod: /ama_open Product roadmap
alice: /ask Will pricing change next year?
bob: /ask will the pricing change next year
carol presses ama:up:1 on 4
carol presses ama:up:1 on 4
dave reacts 👍 to 4
erin replies to 2: Is there a free tier?
frank: How do I export my data?
gina replies to 11: Settings, then Export, then CSV.
frank replies to 12: рахмет!
admin: /digest_next Onboarding tips from the team
+4d3h
cto: Prices stay the same in 2027, promised.
mod replies to 17: /ama_answer 1
+2d6h
admin: /heroes
"""


async def run(tmp_path: Path, transcript: str) -> list[str]:
    out: list[str] = []
    console = ConsoleAdapter("demo", "general", out=out.append)
    clock = ManualClock(ritual_config().console.start)
    async with running_app(tmp_path / "k.db", ritual_config(), [console], clock):
        errors = io.StringIO()
        assert await replay(console, transcript.splitlines(), errors) == 0, errors.getvalue()
    return out


async def test_a_week_of_rituals_in_the_console(tmp_path: Path) -> None:
    out = await run(tmp_path, TRANSCRIPT)
    text = "\n".join(out)
    assert "bot (msg 2) → #general: AMA #1: Product roadmap" in text
    assert "[👍 Upvote] → presses ama:up:1 on 4" in text
    assert "A very similar question is already in: #1" in text
    assert "only carol sees it: Your vote for question #1 counts: 3 votes now." in text
    assert "only carol sees it: You have already voted for question #1 (3 votes)." in text
    assert (
        "Question #3 from Erin" in text
    )  # a reply to the announcement is a question (#2 is the merged duplicate)
    top = text.index("Top questions for the AMA “Product roadmap”")
    assert text.index("1. #1 Will pricing change next year? (Alice, 4 votes)", top) > top
    assert "bot → DM alice: Your AMA question #1 has an answer" in text
    assert "bot → DM bob: Your AMA question #1 has an answer" in text
    assert "The AMA “Product roadmap” is over: 1 question answered." in text
    assert "🏆 Hero of the week: Cto!" in text
    assert "📰 Weekly digest, Jan 4\u2009–\u200911" in text
    assert "🔜 Next week: Onboarding tips from the team" in text
    assert "Week of Jan 5, 2026: Cto" in text
    assert text.count("🏆 Hero of the week: Cto!") == 1
    assert text.count("📰 Weekly digest") == 1
