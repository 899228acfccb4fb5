"""Whether a folder came out of a test run as it went in (the shipped `rules/` must)."""

from __future__ import annotations

import hashlib
from pathlib import Path

# Each file's modification time and content hash, by its path inside the folder.
State = dict[str, tuple[int, str]]


def folder_state(folder: Path) -> State:
    """The folder's files as they are now. The time is kept beside the hash because a test
    that writes and then puts the same text back (`/blocklist add`, then `remove`) still wrote
    into the folder while other code could read it."""
    return {
        path.relative_to(folder).as_posix(): (
            path.stat().st_mtime_ns,
            hashlib.sha256(path.read_bytes()).hexdigest(),
        )
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def changed(before: State, after: State) -> list[str]:
    """The files written, added or removed between two states, each with what happened."""
    found = []
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if old is None:
            found.append(f"{name} (added)")
        elif new is None:
            found.append(f"{name} (removed)")
        elif old[1] != new[1]:
            found.append(f"{name} (changed)")
        else:
            found.append(f"{name} (written, same text)")
    return found
