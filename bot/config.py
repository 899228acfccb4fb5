"""Configuration: `config.toml` (or `config.example.toml`) loaded into typed pydantic models.

Tokens never live in the file: the file names the environment variable that holds each token.
"""

from __future__ import annotations

import os
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from bot.core.errors import ConfigError
from bot.core.refs import CommunityRef, UserRef
from bot.i18n import LOCALES

Locale = Literal["kk", "ru", "en"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown timezone {value!r}; use an IANA name like 'Asia/Almaty'"
        ) from None
    return value


class BotSection(_Strict):
    database_url: str = "sqlite+aiosqlite:///kenes.db"
    rules_dir: Path = Path("rules")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    cogs: tuple[str, ...] = (
        "core",
        "moderation",
        "onboarding",
        "polls",
        "ama",
        "heroes",
        "digest",
    )


class CommunitySettings(_Strict):
    locale: Locale = "en"
    timezone: str = "Asia/Almaty"
    log_channel: str | None = None

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        return _check_timezone(value)


class CommunityOverride(_Strict):
    locale: Locale | None = None
    timezone: str | None = None
    log_channel: str | None = None

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        return None if value is None else _check_timezone(value)


class PermissionsSection(_Strict):
    admins: tuple[str, ...] = ()
    moderators: tuple[str, ...] = ()

    @field_validator("admins", "moderators")
    @classmethod
    def _refs(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            platform, sep, ident = value.partition(":")
            if not sep or not platform or not ident:
                raise ValueError(
                    f"{value!r} must look like 'platform:user_id', e.g. 'telegram:12345'"
                )
        return values


class ConsoleSection(_Strict):
    community: str = "demo"
    channel: str = "general"
    start: datetime = datetime.fromisoformat("2026-01-05T09:00:00+00:00")

    @field_validator("start")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("must include a UTC offset, e.g. 2026-01-05T09:00:00+00:00")
        return value


class TelegramSection(_Strict):
    enabled: bool = True
    token_env: str = "KENES_TELEGRAM_TOKEN"
    base_url: str = "https://api.telegram.org/bot"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_url: str | None = None
    webhook_secret_env: str = "KENES_TELEGRAM_WEBHOOK_SECRET"
    admin_refresh_seconds: int = Field(default=600, ge=30)


class DiscordSection(_Strict):
    enabled: bool = True
    token_env: str = "KENES_DISCORD_TOKEN"
    sync_guilds: tuple[int, ...] = ()
    moderator_roles: tuple[str, ...] = ()
    admin_roles: tuple[str, ...] = ()
    shard_count: int | None = Field(default=None, ge=1)


class PlatformsSection(_Strict):
    telegram: TelegramSection = TelegramSection()
    discord: DiscordSection = DiscordSection()


class Config(_Strict):
    """The whole configuration file."""

    bot: BotSection = BotSection()
    defaults: CommunitySettings = CommunitySettings()
    communities: dict[str, CommunityOverride] = Field(default_factory=dict)
    permissions: PermissionsSection = PermissionsSection()
    console: ConsoleSection = ConsoleSection()
    platforms: PlatformsSection = PlatformsSection()
    source: Path | None = Field(default=None, exclude=True)
    # Settings are looked up for every event; merging the override once per community is enough.
    _merged: dict[str, CommunitySettings] = PrivateAttr(default_factory=dict)

    def community(self, ref: CommunityRef) -> CommunitySettings:
        """Settings of one community: defaults with its `[communities."platform:id"]` overrides."""
        key = str(ref)
        override = self.communities.get(key)
        if override is None:
            return self.defaults
        merged = self._merged.get(key)
        if merged is None:
            changes = override.model_dump(exclude_none=True)
            merged = self._merged[key] = self.defaults.model_copy(update=changes)
        return merged

    def configured_level(self, user: UserRef) -> int:
        """0 member, 1 moderator, 2 admin, from the `[permissions]` lists."""
        key = str(user)
        if key in self.permissions.admins:
            return 2
        if key in self.permissions.moderators:
            return 1
        return 0

    def token(self, platform: Literal["telegram", "discord"]) -> str | None:
        """The platform token from the environment, or None when unset or disabled."""
        section: TelegramSection | DiscordSection = getattr(self.platforms, platform)
        if not section.enabled:
            return None
        return os.environ.get(section.token_env) or None


def _describe(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def format_validation_error(source: str, error: ValidationError) -> str:
    """One line per problem: file, key path, what is expected."""
    lines = [f"{source}: {error.error_count()} problem(s):"]
    for item in error.errors():
        key = _describe(tuple(item["loc"]))
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown key; check the spelling against config.example.toml"
        elif "input" in item and item["type"] not in ("missing",):
            message = f"{message} (got {item['input']!r})"
        lines.append(f"  - {key}: {message}")
    return "\n".join(lines)


def load_config(path: Path) -> Config:
    """Read and validate a config file; raise ConfigError with a readable message."""
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such file; copy config.example.toml to config.toml and edit it"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(str(path), exc)) from None
    if config.defaults.locale not in LOCALES:  # pragma: no cover - guarded by Literal
        raise ConfigError(f"{path}: defaults.locale must be one of {LOCALES}")
    return config.model_copy(update={"source": path})


def default_config_path(cwd: Path | None = None) -> Path:
    """`config.toml` when present, else `config.example.toml`."""
    base = cwd or Path.cwd()
    own = base / "config.toml"
    return own if own.exists() else base / "config.example.toml"
