"""Configuration: `config.toml` (or `config.example.toml`) loaded into typed pydantic models.

Tokens never live in the file: the file names the environment variable that holds each token.
"""

from __future__ import annotations

import importlib.util
import os
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from bot.core.errors import ConfigError, FeatureOff
from bot.core.refs import CommunityRef, UserRef
from bot.i18n import LOCALES
from bot.rules.loader import line_of_key

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


# The drivers Kenes is built and tested with; anything else would fail deep in SQLAlchemy.
DATABASE_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")


def _check_database_url(value: str) -> str:
    try:
        url = make_url(value)
    except ArgumentError:
        raise ValueError(
            "not a database URL; use 'sqlite+aiosqlite:///kenes.db' or "
            "'postgresql+asyncpg://user:password@host/kenes'"
        ) from None
    if url.drivername not in DATABASE_DRIVERS:
        driver = {"sqlite": "aiosqlite", "postgresql": "asyncpg"}.get(url.get_backend_name())
        hint = f"; write {url.get_backend_name()}+{driver}://..." if driver else ""
        raise ValueError(
            f"unsupported database {url.drivername!r}: Kenes runs on "
            f"{' or '.join(DATABASE_DRIVERS)}{hint}"
        )
    return value


def _check_cogs(names: tuple[str, ...]) -> tuple[str, ...]:
    # Checked here so a typo stops the bot with the key and a list, not an ImportError traceback.
    unknown = [name for name in names if not _cog_exists(name)]
    if unknown:
        raise ValueError(
            f"unknown cog(s) {', '.join(map(repr, unknown))}; available: "
            + ", ".join(available_cogs())
        )
    return names


def _cog_exists(name: str) -> bool:
    if not name or not all(part.isidentifier() for part in name.split(".")):
        return False
    try:
        return importlib.util.find_spec(f"cogs.{name}") is not None
    except ModuleNotFoundError:
        return False


def available_cogs() -> list[str]:
    """Names of the feature packages under cogs/."""
    from bot.core.discovery import feature_names  # the one walk of cogs/, shared with Alembic

    return feature_names()


class BotSection(_Strict):
    database_url: str = "sqlite+aiosqlite:///kenes.db"
    # Set, this variable overrides database_url, so a server password stays out of the file.
    database_url_env: str = "KENES_DATABASE_URL"
    # Redis for state shared by several instances; unset on a single instance (no round trips).
    redis_url: str | None = None
    redis_url_env: str = "KENES_REDIS_URL"
    rules_dir: Path = Path("rules")
    # Files the bot keeps (a post's uploaded media, by content hash), next to this file if
    # relative; created when first needed. Several instances share it on a shared volume.
    data_dir: Path = Path("data")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # A file the running bot touches every 15 s, for `kenes health` (a container's health check);
    # unset, nothing is written.
    heartbeat_file: Path | None = None
    # How long a claimed scheduled job belongs to its instance before another instance may take
    # it back (the instance looks dead). A live instance renews it every third of this. Short
    # leases take a dead instance's jobs back sooner; each renewal is one small write.
    job_lease_seconds: int = Field(default=300, ge=30, le=3600)
    cogs: tuple[str, ...] = (
        "core",
        "moderation",
        "onboarding",
        "polls",
        "ama",
        "heroes",
        "digest",
        "settings",
    )

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return _check_database_url(value)

    @field_validator("cogs")
    @classmethod
    def _cogs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _check_cogs(value)


ALWAYS_ON = ("core", "settings")


def _split_features(value: object) -> object:
    """`features_off` as written in a file (a list) or stored from chat ("polls,ama")."""
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list | tuple):
        for name in value:
            if name in ALWAYS_ON:
                raise ValueError(f"{name!r} cannot be switched off")
        return tuple(value)
    return value


class CommunitySettings(_Strict):
    locale: Locale = "en"
    timezone: str = "Asia/Almaty"
    log_channel: str | None = None
    # Set with /setup or here: where the rules are posted, and where the hero post, the digest
    # and auto-opened AMAs go (a chat id or name; it wins over the rituals' own `channel`).
    rules_channel: str | None = None
    ritual_channel: str | None = None
    # Features (cogs) switched off in this community, e.g. ["polls", "ama"]; core and settings
    # cannot be switched off.
    features_off: tuple[str, ...] = ()

    @field_validator("features_off", mode="before")
    @classmethod
    def _features(cls, value: object) -> object:
        return _split_features(value)

    def local(self, moment: datetime) -> datetime:
        """`moment` on the community's clock, so texts show its time and name its zone."""
        return moment.astimezone(ZoneInfo(self.timezone))

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        return _check_timezone(value)


class CommunityOverride(_Strict):
    locale: Locale | None = None
    timezone: str | None = None
    log_channel: str | None = None
    rules_channel: str | None = None
    ritual_channel: str | None = None
    features_off: tuple[str, ...] | None = None

    @field_validator("features_off", mode="before")
    @classmethod
    def _features(cls, value: object) -> object:
        return None if value is None else _split_features(value)

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
    # The shards this process runs, when shards are split across processes; the process that
    # runs shard 0 publishes the slash commands (once, not once per process).
    shard_ids: tuple[int, ...] = ()
    # Set, this variable ("2,3") overrides shard_ids: one config file for every process.
    shard_ids_env: str = "KENES_DISCORD_SHARD_IDS"

    def my_shards(self) -> tuple[int, ...]:
        """The shard ids this process runs: the environment's, else the file's."""
        raw = os.environ.get(self.shard_ids_env, "").strip()
        if not raw:
            return self.shard_ids
        try:
            return tuple(int(part) for part in raw.split(","))
        except ValueError:
            raise ConfigError(
                f"${self.shard_ids_env} must be shard numbers separated by commas, e.g. '2,3'"
            ) from None

    @field_validator("shard_ids")
    @classmethod
    def _shard_ids(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(i < 0 for i in value) or len(set(value)) != len(value):
            raise ValueError("must be distinct shard numbers from 0, e.g. [2, 3]")
        return value


class OpsSection(_Strict):
    """The operators' listener: /metrics and /healthz, apart from the public dashboard."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(default=9108, ge=0, le=65535)


class UtmSection(_Strict):
    """UTM tags added to tracked links on the way out; an empty value adds no tag."""

    source: str = Field(default="", max_length=100)
    medium: str = Field(default="", max_length=100)
    # The campaign tag, when set, is this text; left empty, the link's source (e.g. "faq").
    campaign: str = Field(default="", max_length=100)


class WebSection(_Strict):
    """The web dashboard, public pages and tracked links, served by the bot process."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    # How people reach the server (the reverse proxy's address): login and tracked links use it.
    base_url: str = Field(
        default="http://127.0.0.1:8080", pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$"
    )
    # The key that signs session cookies, from the environment; unset, a random key is made at
    # start (sessions then end with the process). There is no default password or key.
    secret_env: str = "KENES_WEB_SECRET"
    login_minutes: int = Field(default=10, ge=1, le=60)
    session_hours: int = Field(default=12, ge=1, le=720)
    # Login links one person may ask for per hour (each /dashboard makes one).
    links_per_hour: int = Field(default=5, ge=1, le=100)
    utm: UtmSection = UtmSection()
    ops: OpsSection = OpsSection()

    @property
    def root(self) -> str:
        return self.base_url.rstrip("/")


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
    web: WebSection = WebSection()
    source: Path | None = Field(default=None, exclude=True)
    # Settings are looked up for every event; merging the override once per community is enough.
    _merged: dict[str, CommunitySettings] = PrivateAttr(default_factory=dict)
    # Settings chosen from chat (/lang … all), kept in the database by the feature that writes
    # them and put back here at start; and each person's own language (/lang kk).
    _stored: dict[str, dict[str, str]] = PrivateAttr(default_factory=dict)
    _people: dict[str, str] = PrivateAttr(default_factory=dict)

    def community(self, ref: CommunityRef) -> CommunitySettings:
        """Settings of one community: defaults, then what was set from chat, then the file.

        The config file wins over a setting chosen from chat when both set a key: an operator's
        file is the reviewed source, and chat cannot quietly override it.
        """
        key = str(ref)
        override = self.communities.get(key)
        stored = self._stored.get(key)
        if override is None and not stored:
            return self.defaults
        merged = self._merged.get(key)
        if merged is None:
            changes: dict[str, object] = dict(stored or {})
            if override is not None:
                changes.update(override.model_dump(exclude_none=True))
            merged = CommunitySettings.model_validate({**self.defaults.model_dump(), **changes})
            self._merged[key] = merged
        return merged

    def feature_on(self, ref: CommunityRef, name: str) -> bool:
        """Whether the feature (cog) `name` is switched on in this community (/setup)."""
        return name not in self.community(ref).features_off

    def require_on(self, ref: CommunityRef, name: str) -> None:
        """Raise FeatureOff when `name` is switched off in this community (a job's check)."""
        if not self.feature_on(ref, name):
            raise FeatureOff(name, str(ref))

    def store_setting(self, ref: CommunityRef, name: str, value: str) -> None:
        """Apply a community setting chosen from chat (validated like the file's)."""
        CommunityOverride.model_validate({name: value})
        self._stored.setdefault(str(ref), {})[name] = value
        self._merged.pop(str(ref), None)

    def file_sets(self, ref: CommunityRef, name: str) -> bool:
        """Whether the config file sets `name` for this community (and so wins over chat)."""
        override = self.communities.get(str(ref))
        return override is not None and getattr(override, name, None) is not None

    def store_person_locale(self, user: UserRef, locale: str | None) -> None:
        """A person's own language for what the bot tells them privately; None forgets it."""
        if locale is None:
            self._people.pop(str(user), None)
        else:
            self._people[str(user)] = locale

    def person_locale(self, user: UserRef) -> str | None:
        """The language `user` chose with /lang, if any."""
        return self._people.get(str(user))

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

    def secrets(self) -> list[str]:
        """Every secret this configuration reaches: masked in logs wherever it appears."""
        names = (
            self.platforms.telegram.token_env,
            self.platforms.telegram.webhook_secret_env,
            self.platforms.discord.token_env,
            self.web.secret_env,
        )
        found = [os.environ.get(name, "") for name in names]
        found.append(make_url(self.bot.database_url).password or "")
        if self.bot.redis_url:
            found.append(make_url(self.bot.redis_url).password or "")
        return [value for value in found if value]


def _describe(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def format_validation_error(source: str, error: ValidationError, text: str = "") -> str:
    """One line per problem: file, line (when `text`, the file's, has the key), key path, what
    is expected."""
    count = error.error_count()  # operators read English here; "1 problem", "2 problems"
    lines = [f"{source}: {count} problem{'' if count == 1 else 's'}:"]
    for item in error.errors():
        key = _describe(tuple(item["loc"]))
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown key; check the spelling against config.example.toml"
        elif key.endswith("database_url"):
            pass  # the URL may carry a password: never echoed
        elif item["type"] == "value_error":
            # Our validators' own words already name the value, without pydantic's prefix.
            message = str(item.get("ctx", {}).get("error", message))
        elif "input" in item and item["type"] not in ("missing",):
            message = f"{message} (got {item['input']!r})"
        line = line_of_key(text, key) if text else None
        lines.append(f"  - line {line}: {key}: {message}" if line else f"  - {key}: {message}")
    return "\n".join(lines)


def load_config(path: Path) -> Config:
    """Read and validate a config file; raise ConfigError with a readable message."""
    try:
        text = path.read_text("utf-8")
        raw = tomllib.loads(text)
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such file; copy config.example.toml to config.toml and edit it"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    section = raw.get("bot")
    bot_raw: dict[str, Any] = section if isinstance(section, dict) else {}
    env_name = str(bot_raw.get("database_url_env", BotSection().database_url_env))
    from_env = os.environ.get(env_name)
    if from_env:
        bot_raw = {**bot_raw, "database_url": from_env}
    redis_env = os.environ.get(str(bot_raw.get("redis_url_env", BotSection().redis_url_env)))
    if redis_env:
        bot_raw = {**bot_raw, "redis_url": redis_env}
    raw = {**raw, "bot": bot_raw}
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        source = f"{path} (bot.database_url from ${env_name})" if from_env else str(path)
        raise ConfigError(format_validation_error(source, exc, text)) from None
    if config.defaults.locale not in LOCALES:  # pragma: no cover - guarded by Literal
        raise ConfigError(f"{path}: defaults.locale must be one of {LOCALES}")
    # Relative paths mean "next to this file", so the bot finds its database and rules whatever
    # folder a service manager or container starts it from.
    base = path.resolve().parent
    bot = config.bot.model_copy(
        update={
            "database_url": resolve_database_url(config.bot.database_url, base),
            "rules_dir": base / config.bot.rules_dir,
            "data_dir": base / config.bot.data_dir,
            "heartbeat_file": base / config.bot.heartbeat_file
            if config.bot.heartbeat_file is not None
            else None,
        }
    )
    return config.model_copy(update={"source": path, "bot": bot})


def resolve_database_url(value: str, base: Path) -> str:
    """A SQLite URL with a relative file path made absolute against `base`; others unchanged."""
    url: URL = make_url(value)
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return value
    if database.startswith("file:") or Path(database).is_absolute():
        return value
    return url.set(database=str(base / database)).render_as_string(hide_password=False)


def default_config_path(cwd: Path | None = None) -> Path:
    """`config.toml` when present, else `config.example.toml`."""
    base = cwd or Path.cwd()
    own = base / "config.toml"
    return own if own.exists() else base / "config.example.toml"
