"""`kenes export` / `kenes import`: a community's settings and the rule files, as one JSON file.

Moving a community to another server (or keeping its set-up under version control) needs what
admins edited: the community's `[communities."platform:id"]` settings and the rule folder. The
bundle is JSON so any tool can read it; rule files travel as their exact text, comments and all.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.config import CommunityOverride, Config
from bot.core.errors import KenesError
from bot.core.refs import CommunityRef

FORMAT = "kenes-export/1"
# Generated from the code (`kenes rules schema`), not edited by admins: not part of a bundle.
SKIPPED = ("schema",)


class TransferError(KenesError):
    """An export or import could not be done; the message says why."""


def _community(text: str) -> CommunityRef:
    platform, sep, ident = text.partition(":")
    if not sep or not platform or not ident:
        raise TransferError(f"{text!r} must look like 'platform:id', e.g. 'telegram:-100123'")
    return CommunityRef(platform, ident)


def _rule_files(folder: Path) -> dict[str, str]:
    files: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and relative.parts[0] not in SKIPPED and path.suffix in (".toml", ".txt"):
            files[relative.as_posix()] = path.read_text("utf-8")
    return files


def export_community(config: Config, community: str) -> dict[str, Any]:
    """The bundle for `community`: its settings (defaults merged) and every rule file."""
    ref = _community(community)
    return {
        "format": FORMAT,
        "community": str(ref),
        "settings": config.community(ref).model_dump(exclude_none=True),
        "rules": _rule_files(config.bot.rules_dir),
    }


def _settings_toml(community: str, settings: dict[str, Any]) -> str:
    # JSON strings are valid TOML basic strings for the plain text these settings hold.
    lines = [f"[communities.{json.dumps(community)}]"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in sorted(settings.items())]
    return "\n".join(lines) + "\n"


def import_community(
    config: Config, bundle: dict[str, Any], validate: Callable[[Path], None]
) -> list[str]:
    """Apply a bundle: rule files replaced (after `validate` passes), settings added to config.

    Returns one line per change, for the admin. Nothing is written when the rules are invalid or
    the config file already holds different settings for the community.
    """
    if bundle.get("format") != FORMAT:
        raise TransferError(f"not a Kenes export (expected format {FORMAT!r})")
    community = str(_community(str(bundle.get("community", ""))))
    try:
        settings = CommunityOverride.model_validate(bundle.get("settings", {}))
    except ValueError as exc:
        raise TransferError(f"the bundle's settings are invalid: {exc}") from None
    rules: dict[str, str] = bundle.get("rules", {})
    for name in rules:
        if Path(name).is_absolute() or ".." in Path(name).parts:
            raise TransferError(f"refusing a rule file outside the rules folder: {name!r}")
    target = config.bot.rules_dir
    with tempfile.TemporaryDirectory(prefix="kenes-import-") as scratch:
        staged = Path(scratch) / "rules"
        if target.exists():
            shutil.copytree(target, staged)
        for name, body in rules.items():
            (staged / name).parent.mkdir(parents=True, exist_ok=True)
            (staged / name).write_text(body, "utf-8")
        # The whole resulting folder must load, exactly as the running bot would load it.
        validate(staged)
        changes = _merge_settings(config, community, settings.model_dump(exclude_none=True))
        for name, body in rules.items():
            path = target / name
            if path.exists() and path.read_text("utf-8") == body:
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            # Write beside and rename, so the hot reloader never reads half a file.
            partial = path.with_name(f".{path.name}.import")
            partial.write_text(body, "utf-8")
            os.replace(partial, path)
            changes.append(f"rules: wrote {path}")
    return changes


def _merge_settings(config: Config, community: str, settings: dict[str, Any]) -> list[str]:
    if config.source is None:
        raise TransferError("importing settings needs a config file (pass --config)")
    have = config.community(_community(community)).model_dump(exclude_none=True)
    if have == settings:
        return []  # already in effect, through a section or the defaults
    if community in config.communities:
        raise TransferError(
            f"{config.source} already has different settings for {community} "
            f"({have} here, {settings} in the bundle); edit the file by hand or remove that "
            "section and import again"
        )
    with config.source.open("a", encoding="utf-8") as out:
        out.write("\n# Imported by `kenes import`.\n" + _settings_toml(community, settings))
    return [f"settings: added [communities.{json.dumps(community)}] to {config.source}"]
