"""Texts in kk and ru read in the community's language: durations, usage words, mode words."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from bot.adapters.memory import MemoryAdapter
from bot.app import Kenes
from bot.config import load_config
from bot.core.actions import SendDirect, SendMessage
from bot.core.clock import ManualClock
from bot.core.commands import CommandSpec
from bot.core.permissions import Level
from bot.i18n import LOCALES, catalogue, describe_duration
from tests.auxil.app import ROOT, START, make_config, running_app
from tests.auxil.moderation import LOG, mod_log

MOD = Level.MODERATOR


@asynccontextmanager
async def localised(tmp_path: Path, locale: str) -> AsyncIterator[tuple[Kenes, MemoryAdapter]]:
    memory = MemoryAdapter()
    config = make_config(defaults={"log_channel": LOG, "locale": locale})
    async with running_app(tmp_path / "kenes.db", config, [memory], ManualClock(START)) as app:
        yield app, memory


def test_durations_read_in_each_language() -> None:
    assert describe_duration(timedelta(minutes=1), "en") == "1 minute"
    assert describe_duration(timedelta(hours=1, minutes=30), "en") == "1 hour 30 minutes"
    assert describe_duration(timedelta(days=3), "en") == "3 days"
    assert describe_duration(timedelta(days=10), "en") == "10 days"
    assert describe_duration(timedelta(weeks=2), "en") == "2 weeks"
    assert describe_duration(timedelta(minutes=1), "ru") == "1 минута"
    assert describe_duration(timedelta(minutes=1), "ru", "acc") == "1 минуту"
    assert describe_duration(timedelta(minutes=22), "ru", "acc") == "22 минуты"
    assert describe_duration(timedelta(hours=2), "ru") == "2 часа"
    assert describe_duration(timedelta(days=5), "ru") == "5 дней"
    assert describe_duration(timedelta(weeks=1), "ru", "acc") == "1 неделю"
    assert describe_duration(timedelta(seconds=21), "ru") == "21 секунда"
    assert describe_duration(timedelta(hours=2), "kk") == "2 сағат"
    assert describe_duration(timedelta(minutes=5), "kk", "abl") == "5 минуттан"
    assert describe_duration(timedelta(hours=2), "kk", "abl") == "2 сағаттан"
    assert describe_duration(timedelta(days=3), "kk", "dat") == "3 күнге"
    assert describe_duration(timedelta(weeks=1), "kk", "loc") == "1 аптада"
    assert describe_duration(timedelta(seconds=10), "kk", "and") == "10 секунд пен"
    assert describe_duration(timedelta(minutes=10), "kk", "and") == "10 минут пен"
    assert describe_duration(timedelta(days=1), "kk", "and") == "1 күн мен"


async def test_a_mute_in_russian_names_its_duration_in_russian(tmp_path: Path) -> None:
    async with localised(tmp_path, "ru") as (_app, memory):
        bob = memory.user("bob")
        actions = await memory.say("mia", "/mute @bob 10m спам", level=MOD, mentions=(bob,))
        texts = [a.text for a in actions if isinstance(a, SendMessage | SendDirect)]
        texts += mod_log(memory)
        assert any("10 минут" in text for text in texts), texts
        assert not any("10m" in text for text in texts), texts


async def test_help_in_kazakh_shows_kazakh_placeholders(tmp_path: Path) -> None:
    async with localised(tmp_path, "kk") as (_app, memory):
        [help_] = await memory.say("mia", "/help", level=MOD)
        assert isinstance(help_, SendMessage)
        assert "/mute <қатысушы> <мерзім> [себеп]" in help_.text
        assert "<member>" not in help_.text


async def test_a_bad_argument_is_named_in_russian(tmp_path: Path) -> None:
    async with localised(tmp_path, "ru") as (_app, memory):
        bob = memory.user("bob")
        [error] = await memory.say("mia", "/mute @bob soon", level=MOD, mentions=(bob,))
        assert isinstance(error, SendMessage)
        assert error.text.startswith("Укажите параметр «срок» так: ")
        assert "/mute <участник> <срок> [причина]" in error.text
        assert "duration" not in error.text


def test_usage_without_a_locale_keeps_the_parameter_names() -> None:
    from cogs.moderation.commands import ModerationCommands

    spec: CommandSpec = ModerationCommands.mute.__kenes_command__  # type: ignore[attr-defined]
    assert spec.usage() == "/mute <member> <duration> [reason]"
    assert spec.usage("ru") == "/mute <участник> <срок> [причина]"


async def test_the_slowmode_log_line_names_the_mode_in_russian(tmp_path: Path) -> None:
    async with localised(tmp_path, "ru") as (_app, memory):
        await memory.say("mia", "/slowmode 30", level=MOD)
        [line] = [text for text in mod_log(memory) if "Медленный режим" in text]
        assert "native" not in line
        assert "emulated" not in line
        assert "средствами платформы" in line or "силами бота" in line


async def test_a_mute_accepts_russian_units_written_apart(tmp_path: Path) -> None:
    async with localised(tmp_path, "ru") as (_app, memory):
        bob = memory.user("bob")
        actions = await memory.say("mia", "/mute @bob 10 мин спам", level=MOD, mentions=(bob,))
        texts = [a.text for a in actions if isinstance(a, SendMessage | SendDirect)]
        assert any("10 минут" in text and "спам" in text for text in texts), texts


async def test_every_parameter_of_every_command_has_a_placeholder_word_in_each_language(
    tmp_path: Path,
) -> None:
    # /help in Kazakh read `/close_ticket [ticket]`, `/ideas [view]`, `/rate <ticket> <score>`:
    # a parameter without a word in core.params fell back to its English code name.
    every_cog = load_config(ROOT / "config.example.toml").bot.cogs
    config = make_config(bot={"cogs": every_cog})
    async with running_app(
        tmp_path / "kenes.db", config, [MemoryAdapter()], ManualClock(START)
    ) as app:
        names = {p.name for spec in app.commands.all() for p in spec.params}
    assert len(names) > 20
    for locale in LOCALES:
        missing = sorted(n for n in names if f"core.params.{n}" not in catalogue(locale))
        assert not missing, f"{locale}: no placeholder word for {missing}"
