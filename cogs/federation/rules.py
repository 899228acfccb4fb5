"""`rules/federation.toml`: join codes, catching up, and the CAS lookup on join.

CAS is off unless an admin switches it on: with it off, nothing about members leaves the
machine. Every number has a range, so a typo (a 0-second timeout, a cache of a billion) is an
error naming the key, not a surprise in production.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from bot.rules.models import RuleFile


class CasRules(RuleFile):
    """The CAS (Combot Anti-Spam) lookup: `GET {base_url}/check?user_id=N`."""

    enabled: bool = False
    base_url: str = Field("https://api.cas.chat", max_length=200)
    # CAS lists Telegram accounts; a Discord id means nothing to it.
    platforms: tuple[Literal["telegram", "discord", "console"], ...] = ("telegram",)
    timeout_seconds: float = Field(2.0, ge=0.05, le=30.0)
    cache_minutes: int = Field(60, ge=1, le=10080)
    cache_size: int = Field(10000, ge=10, le=1_000_000)
    # What a listed member gets.
    action: Literal["ban", "mute", "log"] = "ban"
    # When the list cannot answer (timeout, error, malformed reply, breaker open): "allow" lets
    # the member in and logs it (fail open, the default); "mute" holds them muted for
    # `hold_minutes` (fail closed), so a list outage never bans anyone.
    on_error: Literal["allow", "mute"] = "allow"
    hold_minutes: int = Field(10, ge=1, le=1440)
    # The breaker opens after this many failures in a row and stays open this long.
    failures_to_open: int = Field(5, ge=1, le=100)
    open_seconds: int = Field(300, ge=10, le=86400)
    # Lookups waiting at once; more joins than this in a burst are let in unchecked (logged).
    max_in_flight: int = Field(20, ge=1, le=500)
    # Members who joined before Kenes are checked on their first message.
    check_first_message: bool = True

    @field_validator("base_url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://, e.g. https://api.cas.chat")
        return value.rstrip("/")


class FederationRules(RuleFile):
    """Federations: join codes and how a community that was away catches up."""

    # How long a join code from `/fed code` works (used once).
    code_minutes: int = Field(60, ge=1, le=10080)
    # A ban for a community whose platform is not connected now is tried again this much later
    # (and at every start).
    retry_minutes: int = Field(10, ge=1, le=1440)
    # Bans one community applies per catch-up pass; the rest follow in the next pass.
    catch_up_batch: int = Field(200, ge=1, le=5000)
