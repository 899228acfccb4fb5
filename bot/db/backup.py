"""Back up and restore a SQLite database with SQLite's online backup API.

The backup API copies pages under SQLite's own locking, so a backup taken while the bot writes
is a consistent snapshot (in WAL mode writers are not even blocked). PostgreSQL has pg_dump and
pg_restore for the same job; see docs/operators.md.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.core.errors import KenesError
from bot.db.engine import sqlite_file


class BackupError(KenesError):
    """A backup or restore could not be made; the message says why."""


def _database(url: str) -> Path:
    path = sqlite_file(url)
    if path is None:
        raise BackupError(
            "`kenes db backup` and `restore` work on SQLite; for PostgreSQL use "
            "`pg_dump -Fc -f kenes.dump DBNAME` and `pg_restore --clean -d DBNAME kenes.dump`"
        )
    return path


def backup(url: str, target: Path) -> int:
    """Copy the live database at `url` into `target` (a new file); return its size in bytes."""
    source_path = _database(url)
    if not source_path.exists():
        raise BackupError(f"there is no database at {source_path} to back up")
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new file name")
    if not target.parent.is_dir():
        # Else sqlite says "unable to open database file", which reads as the live one.
        raise BackupError(f"cannot write {target}: there is no folder {target.parent}")
    partial = target.with_name(target.name + ".partial")
    # Read-only: a backup must never create or change the live database.
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    try:
        dest = sqlite3.connect(partial)
        try:
            source.backup(dest)
            # A copy of a WAL database is in WAL mode too; a single-file backup is easier to move.
            dest.execute("PRAGMA journal_mode=DELETE")
        finally:
            dest.close()
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"backup of {source_path} failed: {exc}") from None
    finally:
        source.close()
    # Renamed only when complete, so a file named like the backup is always a whole one.
    partial.rename(target)
    return target.stat().st_size


def _check_backup(path: Path) -> None:
    if not path.exists():
        raise BackupError(f"{path}: no such file")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            (status,) = conn.execute("PRAGMA integrity_check").fetchone()
            has_version = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a SQLite database: {exc}") from None
    if status != "ok":
        raise BackupError(f"{path} is damaged: {status}")
    if not has_version:
        raise BackupError(f"{path} is not a Kenes database (no alembic_version table)")


def restore(url: str, source: Path) -> None:
    """Replace the database at `url` with the backup `source`. Stop the bot first."""
    target_path = _database(url)
    _check_backup(source)
    backup_conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        # Through the backup API, not a file copy: the target's -wal and -shm files stay
        # consistent with the new content instead of replaying stale pages over it.
        dest = sqlite3.connect(target_path)
        try:
            backup_conn.backup(dest)
        finally:
            dest.close()
    except sqlite3.Error as exc:
        raise BackupError(f"restore into {target_path} failed: {exc}") from None
    finally:
        backup_conn.close()
