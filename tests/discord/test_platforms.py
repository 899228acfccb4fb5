"""`make run` picks the Discord adapter when its token is in the environment, never otherwise."""

from __future__ import annotations

import pytest

from bot.adapters.discord import DiscordAdapter
from bot.platforms import platform_adapters
from tests.auxil.app import make_config


def test_a_discord_token_in_the_environment_runs_discord(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KENES_DISCORD_TOKEN", "secret")
    monkeypatch.delenv("KENES_TELEGRAM_TOKEN", raising=False)
    adapters = platform_adapters(make_config(platforms={"discord": {"shard_count": 2}}))
    [adapter] = [a for a in adapters if a.platform == "discord"]
    assert isinstance(adapter, DiscordAdapter)
    assert adapter.client.shard_count == 2
    assert adapter.client.intents.message_content
    assert adapter.client.intents.members


def test_no_token_or_disabled_means_no_discord(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KENES_DISCORD_TOKEN", raising=False)
    assert not [a for a in platform_adapters(make_config()) if a.platform == "discord"]
    monkeypatch.setenv("KENES_DISCORD_TOKEN", "secret")
    disabled = make_config(platforms={"discord": {"enabled": False}})
    assert not [a for a in platform_adapters(disabled) if a.platform == "discord"]


def test_the_token_variable_name_comes_from_the_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KENES_DISCORD_TOKEN", raising=False)
    monkeypatch.setenv("MY_DISCORD", "secret")
    config = make_config(platforms={"discord": {"token_env": "MY_DISCORD"}})
    assert [a.platform for a in platform_adapters(config)].count("discord") == 1
