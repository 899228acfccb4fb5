"""The console transcripts shown in README.md and docs/*.md are what the bot really prints today."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from bot.adapters.console import ConsoleAdapter
from bot.adapters.console.runner import replay
from bot.config import load_config
from bot.core.clock import ManualClock
from tests.auxil.app import ROOT, running_app
from tests.auxil.rituals import rules_copy

COMMAND = re.compile(r"^\$ printf '(?P<input>.*)' \| \.venv/bin/kenes run$")


# Each feature's long guide lives in docs/<feature>.md; its transcripts are checked the same way.
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def readme_transcripts() -> list[tuple[str, int, str, list[str]]]:
    found = []
    for document in DOCUMENTS:
        found.extend(transcripts_in(document))
    return found


def transcripts_in(document: Path) -> list[tuple[str, int, str, list[str]]]:
    lines = document.read_text("utf-8").split("\n")
    name = document.relative_to(ROOT).as_posix()
    found = []
    for index, line in enumerate(lines):
        match = COMMAND.match(line)
        if match is None:
            continue
        end = next(j for j in range(index + 1, len(lines)) if lines[j].startswith("```"))
        found.append((name, index + 1, match["input"].replace("\\n", "\n"), lines[index + 1 : end]))
    return found


TRANSCRIPTS = readme_transcripts()


def test_the_readme_has_transcripts() -> None:
    assert len(TRANSCRIPTS) >= 5


@pytest.mark.parametrize(
    ("document", "line", "transcript", "expected"),
    TRANSCRIPTS,
    ids=[f"{t[0]}:{t[1]}" for t in TRANSCRIPTS],
)
async def test_readme_transcript_matches_the_bot(
    tmp_path: Path, document: str, line: int, transcript: str, expected: list[str]
) -> None:
    shipped = load_config(ROOT / "config.example.toml")
    # The shipped rules, copied: a transcript may edit them (`/blocklist add` writes
    # rules/words/chat.txt), and the repository's own folder must stay as shipped.
    # Files a transcript keeps (`/post media` with a file) go to the test's own data folder.
    bot = {"rules_dir": rules_copy(tmp_path), "data_dir": tmp_path / "data"}
    config = shipped.model_copy(update={"bot": shipped.bot.model_copy(update=bot)})
    printed: list[str] = []
    console = ConsoleAdapter(config.console.community, config.console.channel, printed.append)
    clock = ManualClock(config.console.start)
    async with running_app(tmp_path / "readme.db", config, [console], clock):
        await replay(console, transcript.splitlines(), io.StringIO())
    actual = "\n".join(printed).split("\n")
    assert actual == expected, f"{document} line {line}: update the output shown there"
