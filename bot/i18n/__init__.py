"""Translated text: every user-facing string goes through `t()`; catalogues for kk, ru and en."""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
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


# Folders of feature catalogues (`cogs/<feature>/locales/`, one `<locale>.toml` each), counted
# because a test process may register the same feature from several apps at once.
_features: dict[str, tuple[Traversable, int]] = {}


def add_catalogue(folder: Traversable) -> None:
    """Make a feature's messages (`folder/<locale>.toml`) available to `t()`."""
    key = str(folder)
    _, count = _features.get(key, (folder, 0))
    _features[key] = (folder, count + 1)
    catalogue.cache_clear()


def remove_catalogue(folder: Traversable) -> None:
    """Undo one `add_catalogue(folder)`; the messages go when the last user removes them."""
    key = str(folder)
    found = _features.get(key)
    if found is None:
        return
    if found[1] <= 1:
        del _features[key]
    else:
        _features[key] = (folder, found[1] - 1)
    catalogue.cache_clear()


def _merge(flat: dict[str, str], entry: Traversable, label: str) -> None:
    part: dict[str, str] = {}
    _flatten("", tomllib.loads(entry.read_text("utf-8")), part)
    clash = flat.keys() & part.keys()
    if clash:
        raise ValueError(f"{label} repeats keys: {sorted(clash)}")
    flat.update(part)


@cache
def catalogue(locale: str) -> Mapping[str, str]:
    """All messages of one locale, keyed by dotted name (`core.ping.reply`).

    The core's own files (`bot/i18n/catalogs/<locale>/*.toml`) plus `<locale>.toml` of every
    registered feature folder, so features add their messages without touching the core.
    """
    folder = resources.files("bot.i18n").joinpath("catalogs", locale)
    flat: dict[str, str] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            _merge(flat, entry, f"{locale}/{entry.name}")
    for key, (feature, _) in sorted(_features.items()):
        entry = feature.joinpath(f"{locale}.toml")
        if entry.is_file():
            _merge(flat, entry, f"{key}/{locale}.toml")
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
