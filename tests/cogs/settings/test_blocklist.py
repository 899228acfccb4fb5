"""/blocklist: stop-words and allowed words from chat, in files admins review, live at once."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from bot.adapters.memory import MemoryAdapter
from bot.config import Config
from bot.core.actions import DeleteMessage, SendMessage
from bot.core.clock import ManualClock
from bot.core.permissions import Level
from tests.auxil.app import RULES, START, make_config, running_app
from tests.auxil.moderation import LOG, mod_log

MOD = Level.MODERATOR


def setup_rules(tmp_path: Path) -> tuple[Config, Path]:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    config = make_config(
        rules, bot={"cogs": ["core", "moderation", "settings"]}, defaults={"log_channel": LOG}
    )
    return config, rules


def texts(actions: Sequence[object]) -> list[str]:
    return [a.text for a in actions if isinstance(a, SendMessage) and a.chat.id != LOG]


async def test_a_word_added_from_chat_is_removed_at_once_and_after_a_restart(
    tmp_path: Path,
) -> None:
    config, rules = setup_rules(tmp_path)
    db = tmp_path / "kenes.db"
    memory = MemoryAdapter()
    async with running_app(db, config, [memory], ManualClock(START)):
        [done] = texts(await memory.say("mia", "/blocklist add Free Crypto", level=MOD))
        assert done == "“free crypto” is now blocked: messages with it are removed."
        assert "Blocklist: Mia added “free crypto” (rules/words/chat.txt)" in mod_log(memory)
        assert "free crypto" in (rules / "words" / "chat.txt").read_text("utf-8")
        hit = await memory.say("bob", "get FREE CRYPTO here")
        assert any(isinstance(a, DeleteMessage) for a in hit)
    again = MemoryAdapter()
    async with running_app(db, config, [again], ManualClock(START)):
        hit = await again.say("bob", "free crypto for all")
        assert any(isinstance(a, DeleteMessage) for a in hit), "the file survives a restart"
        [gone] = texts(await again.say("mia", "/blocklist remove free crypto", level=MOD))
        assert gone == "“free crypto” is no longer blocked."
        assert not any(isinstance(a, DeleteMessage) for a in await again.say("bob", "free crypto"))


async def test_members_cannot_edit_and_bad_entries_are_refused(tmp_path: Path) -> None:
    config, rules = setup_rules(tmp_path)
    memory = MemoryAdapter()
    before = (rules / "words" / "chat.txt").read_text("utf-8")
    async with running_app(tmp_path / "kenes.db", config, [memory], ManualClock(START)):
        [refused] = texts(await memory.say("bob", "/blocklist add spam"))
        assert refused == "Only moderators and admins can use /blocklist."
        await memory.say("bob", "hello")  # the community is one moderation has seen
        [bad] = texts(await memory.say("mia", "/blocklist add fo*o", level=MOD))
        assert bad.startswith("“fo*o” was not added:")
        # Told to the moderator who typed it; not posted as "a rule edit was rejected" to
        # every community's moderators' log.
        assert not any("rule edit was rejected" in line for line in mod_log(memory))
        # A typo of one letter blocked "a": every "I have a question" was removed.
        for short in ("a", "ab*", "*x"):
            [refused] = texts(await memory.say("mia", f"/blocklist add {short}", level=MOD))
            assert refused.startswith(f"“{short}” is too short to block")
        assert (rules / "words" / "chat.txt").read_text("utf-8") == before
        assert not any(isinstance(a, DeleteMessage) for a in await memory.say("bob", "a b ab"))
        [ok] = texts(await memory.say("mia", "/blocklist add ok", level=MOD))
        assert ok == "“ok” is now blocked: messages with it are removed."
        [allowed] = texts(await memory.say("mia", "/blocklist allow classic", level=MOD))
        assert allowed.startswith("“classic” is now allowed")
        [listed] = texts(await memory.say("mia", "/blocklist list", level=MOD))
        assert "classic" in listed


async def test_saved_answers_are_shown_by_name_and_kept(tmp_path: Path) -> None:
    config, _rules = setup_rules(tmp_path)
    db = tmp_path / "kenes.db"
    memory = MemoryAdapter()
    async with running_app(db, config, [memory], ManualClock(START)):
        [refused] = texts(await memory.say("bob", "/note save rules be nice"))
        assert refused == "Only moderators and admins can use /note save."
        [saved] = texts(await memory.say("mia", "/note save rules Be kind; no ads.", level=MOD))
        assert saved == "Saved: #rules now shows this answer."
        assert "Saved answer #rules saved by Mia: Be kind; no ads." in mod_log(memory)
    again = MemoryAdapter()
    async with running_app(db, config, [again], ManualClock(START)):
        assert texts(await again.say("bob", "#rules")) == ["Be kind; no ads."]
        assert texts(await again.say("bob", "/note get rules")) == ["Be kind; no ads."]
        assert texts(await again.say("bob", "#nothing")) == []
        [listed] = texts(await again.say("bob", "/note list"))
        assert listed.startswith("Saved answers: #rules.")
        [gone] = texts(await again.say("mia", "/note delete rules", level=MOD))
        assert gone == "Deleted the saved answer #rules."
        assert texts(await again.say("bob", "#rules")) == []
