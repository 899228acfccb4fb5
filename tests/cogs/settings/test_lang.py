"""/lang and /id: languages chosen from chat, stored in the database, the config file winning."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.adapters.memory import MemoryAdapter
from bot.config import Config
from bot.core.actions import SendMessage
from bot.core.clock import ManualClock
from bot.core.permissions import Level
from tests.auxil.app import START, make_config, running_app


def config(**sections: Any) -> Config:
    return make_config(bot={"cogs": ["core", "moderation", "settings"]}, **sections)


def texts(actions: Sequence[object]) -> list[str]:
    return [a.text for a in actions if isinstance(a, SendMessage)]


async def test_the_community_language_is_chosen_from_chat_and_survives_a_restart(
    tmp_path: Path,
) -> None:
    db = tmp_path / "kenes.db"
    memory = MemoryAdapter()
    async with running_app(db, config(), [memory], ManualClock(START)):
        [refused] = texts(await memory.say("bob", "/lang kk all"))
        assert refused == "Only admins can use /lang … all."
        [done] = texts(await memory.say("ada", "/lang kk all", level=Level.ADMIN))
        assert done == "Қауымдастық тілі енді — қазақ тілі."
        [pong] = texts(await memory.say("bob", "/ping"))
        assert pong.startswith("Понг!")
    again = MemoryAdapter()
    async with running_app(db, config(), [again], ManualClock(START)):
        [pong] = texts(await again.say("bob", "/ping"))
        assert pong.startswith("Понг!"), "the stored language is applied after a restart"


async def test_the_config_file_wins_over_a_language_chosen_in_chat(tmp_path: Path) -> None:
    memory = MemoryAdapter()
    configured = config(communities={f"memory:{memory.chat.community.id}": {"locale": "ru"}})
    async with running_app(tmp_path / "kenes.db", configured, [memory], ManualClock(START)):
        [said] = texts(await memory.say("ada", "/lang kk all", level=Level.ADMIN))
        assert said.startswith("Сохранено, но язык этого сообщества задан в файле конфигурации")
        [pong] = texts(await memory.say("bob", "/ping"))
        assert pong.startswith("Понг! Kenes на месте")


async def test_a_members_own_language_is_used_for_what_only_they_see(tmp_path: Path) -> None:
    memory = MemoryAdapter()
    async with running_app(tmp_path / "kenes.db", config(), [memory], ManualClock(START)):
        [done] = texts(await memory.say("bob", "/lang ru"))
        assert done == "Готово: теперь я пишу вам лично на русском."
        [mine] = texts(await memory.say("bob", "/lang"))
        assert mine.startswith("Ваш язык: русский. Язык сообщества: английский.")
        [public] = texts(await memory.say("bob", "/ping"))
        assert public.startswith("Pong!"), "the chat still reads the community's language"
        [unknown] = texts(await memory.say("bob", "/lang de"))
        assert unknown == "Я не знаю язык «de»: напишите kk, ru или en."


async def test_id_shows_what_a_config_file_needs(tmp_path: Path) -> None:
    memory = MemoryAdapter()
    async with running_app(tmp_path / "kenes.db", config(), [memory], ManualClock(START)):
        [ids] = texts(await memory.say("bob", "/id"))
        community = memory.chat.community
        assert f"Community: memory:{community.id}" in ids
        assert f"This chat: {memory.chat.id}" in ids
        assert "You: memory:bob" in ids


async def test_setup_walks_an_admin_through_language_and_log_channel(tmp_path: Path) -> None:
    db = tmp_path / "kenes.db"
    memory = MemoryAdapter()
    async with running_app(db, config(), [memory], ManualClock(START)):
        refused = await memory.say("bob", "/setup")
        assert texts(refused) == ["Only admins can use /setup."]
        [step1] = [a for a in await memory.say("ada", "/setup", level=Level.ADMIN)
                   if isinstance(a, SendMessage)]  # fmt: skip
        assert [b.label for b in step1.buttons] == ["Қазақ тілі", "Русский", "English"]
        pressed = await memory.press("bob", "setup:lang:kk")
        assert texts(pressed) == ["Only admins can use /setup."]
        [step2] = texts(await memory.press("ada", "setup:lang:kk", level=Level.ADMIN))
        assert step2.startswith("2-қадам (барлығы 2)")
        [done] = texts(await memory.press("ada", "setup:log:here", level=Level.ADMIN))
        assert done.startswith(
            f"Баптау аяқталды: тіл — қазақ тілі, модераторлар журналы — #{memory.chat.id}."
        )
    again = MemoryAdapter()
    async with running_app(db, config(), [again], ManualClock(START)):
        [pong] = texts(await again.say("bob", "/ping"))
        assert pong.startswith("Понг! Kenes осында")
