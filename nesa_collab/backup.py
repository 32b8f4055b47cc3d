"""``nesa-collab backup FILE`` and ``restore FILE`` for the embedded SQLite database.

SQLite's online backup API copies a consistent snapshot while the app keeps serving (readers and
writers wait for each page step, not for the whole copy). PostgreSQL has its own tools, ``pg_dump``
and ``pg_restore``, which the README describes; these commands refuse it with that advice.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .settings import sqlite_path

POSTGRES_ADVICE = ("this database is not a SQLite file; for PostgreSQL use pg_dump -Fc (backup) and "
                   "pg_restore --clean --if-exists (restore), as the README's production section shows")


class BackupError(Exception):
    pass


def _database_file(url: str) -> Path:
    path = sqlite_path(url)
    if path is None:
        raise BackupError(POSTGRES_ADVICE)
    return path


def backup(url: str, target: Path) -> Path:
    """Write a consistent copy of the database at ``url`` to ``target`` (which must not exist)."""
    source = _database_file(url)
    if not source.exists():
        raise BackupError(f"there is no database at {source}")
    if target.exists():
        raise BackupError(f"{target} exists; choose a new file (a backup never overwrites)")
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst, pages=1024)
    dst.close()
    return target


def restore(url: str, source: Path) -> Path:
    """Replace the database at ``url`` with the backup ``source`` (stop the app first: sessions open
    on the old data would keep writing to it)."""
    target = _database_file(url)
    if not source.exists():
        raise BackupError(f"there is no backup at {source}")
    with sqlite3.connect(source) as src:
        try:
            intact = src.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            ours = src.execute("SELECT count(*) FROM sqlite_master WHERE name = 'alembic_version'").fetchone()[0] == 1
        except sqlite3.DatabaseError:
            intact = ours = False
        if not intact:
            raise BackupError(f"{source} is not an intact SQLite database")
        if not ours:
            raise BackupError(f"{source} is not a nesa-collab database")
        with sqlite3.connect(target) as dst:
            src.backup(dst, pages=1024)
        dst.close()
    src.close()
    return target
