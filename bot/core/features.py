"""What a feature package declares to the core: its rule files, their compilers and its texts.

A feature (`cogs/<name>/`) exposes `FEATURE = Feature(...)` and registers it from its
`setup(host)` with `host.add_feature(FEATURE)`. The core never lists features by name; tools
that must see every shipped feature without running the bot (`kenes rules check`, Alembic,
the catalogue tests) find them with `shipped_features()`, by walking the `cogs` package.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TextIO

from bot.config import Config
from bot.core.discovery import FEATURES_PACKAGE, feature_names
from bot.rules.loader import CORE_RULE_FILES, Compiler, RuleFileSpec

if TYPE_CHECKING:
    from bot.services import Services


class Replay(Protocol):
    """`kenes rules replay`: run a feature's checks over a JSONL log of messages, one verdict
    per line to `out`; (lines, rules folder, config, out, err, samples=folder or None) -> lines
    that could not be read. `samples` overrides the folder a learning check trains on."""

    def __call__(
        self,
        lines: Iterable[str],
        rules_dir: Path,
        config: Config,
        out: TextIO,
        err: TextIO,
        *,
        samples: Path | None = None,
    ) -> Coroutine[object, object, int]: ...


class Report(Protocol):
    """`kenes report`: a community's figures per period from `first` to `last` (local days),
    written to `out` in `fmt` (csv or json); (config, "platform:id", first, last, period,
    fmt, out) -> exit code. Bad arguments raise ValueError with the fix in the message."""

    def __call__(
        self,
        config: Config,
        community: str,
        first: date,
        last: date,
        period: str,
        fmt: str,
        out: TextIO,
    ) -> Coroutine[object, object, int]: ...


@dataclass(frozen=True)
class CliCommand:
    """A `kenes <name> ...` command a feature adds (`kenes bans export`).

    It runs offline: the configured features loaded on the configured database, no platform
    connected and no scheduler loop, so what it stages (jobs) is done by the running bot.
    `run(args, services, out, err)` returns the exit status."""

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, Services, TextIO, TextIO], Awaitable[int]]


@dataclass(frozen=True)
class Feature:
    """A feature's declarations; everything here is undone when the feature unloads."""

    name: str
    rule_files: tuple[RuleFileSpec, ...] = ()
    # Keyed like `RuleSet.compiled`: built off the message path with each valid rule set.
    compilers: Mapping[str, Compiler] = field(default_factory=dict)
    # A folder holding `kk.toml`, `ru.toml`, `en.toml`; None for a feature with no texts.
    locales: Traversable | None = None
    replay: Replay | None = None
    cli: tuple[CliCommand, ...] = ()
    report: Report | None = None


def locales_of(package: str) -> Traversable:
    """The `locales/` folder beside a feature package's code."""
    return resources.files(package).joinpath("locales")


def shipped_features() -> list[Feature]:
    """Every feature package's declaration, imported in name order."""
    found: list[Feature] = []
    for name in feature_names():
        module = importlib.import_module(f"{FEATURES_PACKAGE}.{name}")
        declared = getattr(module, "FEATURE", None)
        if isinstance(declared, Feature):
            found.append(declared)
    return found


def shipped_rule_files() -> list[RuleFileSpec]:
    """The core's file and every shipped feature's: what `kenes rules check` validates."""
    specs = list(CORE_RULE_FILES)
    for feature in shipped_features():
        specs.extend(feature.rule_files)
    return specs
