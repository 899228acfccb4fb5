"""The guard that keeps the repository's rules/ folder as shipped during a test run
(`shipped_rules_stay_as_shipped` in conftest.py) sees every kind of write."""

from __future__ import annotations

import os
from pathlib import Path

from tests.auxil.rituals import rules_copy
from tests.auxil.untouched import changed, folder_state


def test_every_kind_of_write_is_seen(tmp_path: Path) -> None:
    rules = rules_copy(tmp_path)
    words = rules / "words" / "chat.txt"
    text = words.read_text("utf-8")
    # An hour back, so a rewrite below moves the time whatever the clock's granularity.
    hour_ago = words.stat().st_mtime_ns - 3600 * 10**9
    os.utime(words, ns=(hour_ago, hour_ago))
    before = folder_state(rules)
    assert changed(before, folder_state(rules)) == []

    words.write_text(text + "free crypto\n", "utf-8")  # `/blocklist add`
    assert changed(before, folder_state(rules)) == ["words/chat.txt (changed)"]
    words.write_text(text, "utf-8")  # `/blocklist remove`: the same text again
    assert changed(before, folder_state(rules)) == ["words/chat.txt (written, same text)"]

    (rules / "samples").mkdir(exist_ok=True)
    (rules / "samples" / "learned.txt").write_text("spam\n", "utf-8")
    (rules / "support.toml").unlink()
    assert changed(before, folder_state(rules)) == [
        "samples/learned.txt (added)",
        "support.toml (removed)",
        "words/chat.txt (written, same text)",
    ]


def test_the_shipped_folder_is_read_whole() -> None:
    from tests.auxil.app import RULES

    state = folder_state(RULES)
    assert "words/chat.txt" in state
    assert "support.toml" in state
    assert all(len(digest) == 64 for _, digest in state.values())
