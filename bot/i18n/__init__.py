"""Translated text: every user-facing string goes through `t()`; catalogues for kk, ru and en."""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

LOCALES: tuple[str, ...] = ("kk", "ru", "en")
DEFAULT_LOCALE = "en"


def _flatten(prefix: str, table: Mapping[str, Any], out: dict[str, str]) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping):
            _flatten(full, value, out)
        else:
            out[full] = str(value)


@cache
def catalogue(locale: str) -> Mapping[str, str]:
    """All messages of one locale, keyed by dotted name (`core.ping.reply`).

    A locale is a folder of TOML files, one per feature (`en/core.toml`, `en/moderation.toml`),
    so features add their messages without touching each other's files.
    """
    folder = resources.files("bot.i18n").joinpath("catalogs", locale)
    entries = sorted(
        (e for e in folder.iterdir() if e.name.endswith(".toml")), key=lambda e: e.name
    )
    # A feature package may carry its own texts as cogs/<feature>/locales/<locale>.toml.
    for package in sorted(resources.files("cogs").iterdir(), key=lambda e: e.name):
        own = package.joinpath("locales", f"{locale}.toml")
        if own.is_file():
            entries.append(own)
    flat: dict[str, str] = {}
    for entry in entries:
        if entry.name.endswith(".toml"):
            part: dict[str, str] = {}
            _flatten("", tomllib.loads(entry.read_text("utf-8")), part)
            clash = flat.keys() & part.keys()
            if clash:
                raise ValueError(f"{locale}: {entry} repeats keys: {sorted(clash)}")
            flat.update(part)
    return flat


def placeholders(message: str) -> set[str]:
    """The `{name}` fields a message expects."""
    return {name for _, name, _, _ in string.Formatter().parse(message) if name}


class _Params(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def t(locale: str, key: str, /, **params: object) -> str:
    """The message `key` in `locale`, with `{name}` fields filled from `params`.

    Falls back to English, then to the key itself, so a missing translation shows up
    plainly instead of crashing a handler (the completeness test catches it first).
    """
    messages = catalogue(locale if locale in LOCALES else DEFAULT_LOCALE)
    message = messages.get(key) or catalogue(DEFAULT_LOCALE).get(key)
    if message is None:
        return key
    return message.format_map(_Params(params))
