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


def export_community(
    config: Config, community: str, chat: dict[str, str] | None = None
) -> dict[str, Any]:
    """The bundle for `community`: its settings and every rule file.

    `settings` is the merged view the bot uses: the built-in defaults and `[defaults]`, then
    what admins chose in chat (`chat`, read from the database), then the community's section of
    the config file, which wins. `sources` says where each value came from: "config" (the
    community's section), "chat" (/setup, /lang … all) or "default".
    """
    ref = _community(community)
    merged = config.model_copy(deep=True)
    for key, value in (chat or {}).items():
        merged.store_setting(ref, key, value)
    settings = merged.community(ref).model_dump(mode="json", exclude_none=True)
    sources = {
        key: "config"
        if config.file_sets(ref, key)
        else "chat"
        if key in (chat or {})
        else "default"
        for key in settings
    }
    return {
        "format": FORMAT,
        "community": str(ref),
        "settings": settings,
        "sources": sources,
        "rules": _rule_files(config.bot.rules_dir),
    }


# How many known communities an "unknown community" error names (there is no listing command).
KNOWN_SHOWN = 20


def _unknown(ref: CommunityRef, known: list[str], where: str) -> TransferError:
    """Say what was asked, where it was looked for, and which communities do exist."""
    if not known:
        listed = "no community is known yet: run the bot in one first"
    else:
        more = len(known) - KNOWN_SHOWN
        listed = "known communities: " + ", ".join(known[:KNOWN_SHOWN])
        listed += f" (and {more} more)" if more > 0 else ""
    return TransferError(
        f"unknown community {str(ref)!r}: {where} has never seen it and the config file has no "
        f"[communities.{json.dumps(str(ref))}] section; {listed}. Check the 'platform:id' "
        "spelling (a Telegram group's id starts with -100)"
    )


async def chat_settings(config: Config, community: str) -> dict[str, str]:
    """The settings admins chose in chat for `community`, from the database (raises
    DatabaseUnavailable when it cannot be read, TransferError when neither the database nor
    the config file knows the community: an export of a typo would be a silent empty one)."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from bot.db.engine import DatabaseUnavailable, check_database, make_engine, sqlite_file

    ref = _community(community)
    configured = str(ref) in config.communities
    path = sqlite_file(config.bot.database_url)
    if path is not None and not path.exists():
        # No database yet: nothing was chosen in chat (and none is created here).
        if configured:
            return {}
        raise _unknown(ref, sorted(config.communities), f"there is no database yet ({path}): it")
    engine = make_engine(config.bot.database_url)
    try:
        await check_database(engine)
        async with engine.connect() as conn:
            seen = await conn.execute(
                text("SELECT 1 FROM communities WHERE platform = :p AND external_id = :e"),
                {"p": ref.platform, "e": ref.id},
            )
            if seen.first() is None and not configured:
                rows = await conn.execute(
                    text(
                        "SELECT platform, external_id FROM communities "
                        "ORDER BY platform, external_id LIMIT :n"
                    ),
                    {"n": KNOWN_SHOWN + 1},
                )
                known = {f"{p}:{e}" for p, e in rows.all()} | set(config.communities)
                raise _unknown(ref, sorted(known), "the database")
            rows = await conn.execute(
                text(
                    "SELECT s.key, s.value FROM settings_community s JOIN communities c "
                    "ON c.id = s.community_id WHERE c.platform = :p AND c.external_id = :e"
                ),
                {"p": ref.platform, "e": ref.id},
            )
            return {str(key): str(value) for key, value in rows.all()}
    except SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc
        raise DatabaseUnavailable(f"cannot read the settings chosen in chat: {reason}") from None
    finally:
        await engine.dispose()


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
