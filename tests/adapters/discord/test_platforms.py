"""`make run` picks the Discord adapter when its token is in the environment, never otherwise."""

from __future__ import annotations

import discord
import pytest

from bot.adapters.discord import DiscordAdapter
from bot.core.errors import ConfigError
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


def _discord(monkeypatch: pytest.MonkeyPatch, **section: object) -> DiscordAdapter:
    monkeypatch.setenv("KENES_DISCORD_TOKEN", "secret")
    monkeypatch.delenv("KENES_TELEGRAM_TOKEN", raising=False)
    [adapter] = platform_adapters(make_config(platforms={"discord": section}))
    assert isinstance(adapter, DiscordAdapter)
    return adapter


def test_shards_split_across_processes_sync_commands_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KENES_DISCORD_SHARD_IDS", raising=False)
    first = _discord(monkeypatch, shard_count=4, shard_ids=[0, 1])
    assert isinstance(first.client, discord.AutoShardedClient)
    assert first.client.shard_ids == [0, 1]
    assert first.syncs_commands
    # One config file for every process; each process is told its shards by the environment.
    monkeypatch.setenv("KENES_DISCORD_SHARD_IDS", "2,3")
    second = _discord(monkeypatch, shard_count=4, shard_ids=[0, 1])
    assert isinstance(second.client, discord.AutoShardedClient)
    assert second.client.shard_ids == [2, 3]
    assert not second.syncs_commands
    monkeypatch.delenv("KENES_DISCORD_SHARD_IDS")
    assert _discord(monkeypatch).syncs_commands  # unsharded: the one process publishes


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"shard_ids": [1]}, "needs shard_count"),
        ({"shard_count": 2, "shard_ids": [2]}, "must be below shard_count"),
    ],
)
def test_impossible_shard_ids_are_config_errors(
    monkeypatch: pytest.MonkeyPatch, section: dict[str, object], message: str
) -> None:
    monkeypatch.delenv("KENES_DISCORD_SHARD_IDS", raising=False)
    with pytest.raises(ConfigError, match=message):
        _discord(monkeypatch, **section)
