"""Test databases: SQLite files by default; PostgreSQL when NESA_TEST_DATABASE_URL names a server
(e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``). Each test gets a clone of one
migrated template: a file copy on SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL."""

from __future__ import annotations

import itertools
import os
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

SERVER_URL = os.environ.get("NESA_TEST_DATABASE_URL", "")
ON_POSTGRES = SERVER_URL.startswith("postgresql")
_names = itertools.count(1)
_run = uuid.uuid4().hex[:8]


def _admin():
    return create_engine(SERVER_URL, isolation_level="AUTOCOMMIT", poolclass=None)


def _with_db(name: str) -> str:
    return make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)


def _create(name: str, template: str | None = None) -> str:
    """Create a PostgreSQL database (a copy of ``template``, if given) and return its URL."""
    db_name = f"nesa_{_run}_{name}_{next(_names)}"
    engine = _admin()
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db_name}"' + (f' TEMPLATE "{template}"' if template else "")))
    engine.dispose()
    return _with_db(db_name)


def new_database(tmp_dir: Path, name: str = "test") -> str:
    """An empty database's URL."""
    if not ON_POSTGRES:
        return f"sqlite:///{tmp_dir / f'{name}.db'}"
    return _create(name)


def clone(source_url: str, tmp_dir: Path, name: str = "test") -> str:
    """A copy of the database at ``source_url`` (nothing may be connected to it)."""
    if not ON_POSTGRES:
        target = tmp_dir / f"{name}.db"
        shutil.copy(make_url(source_url).database, target)
        return f"sqlite:///{target}"
    return _create(name, make_url(source_url).database)


def drop(url: str) -> None:
    if not ON_POSTGRES:
        return
    engine = _admin()
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    engine.dispose()


def drop_leftovers() -> int:
    """Drop every database this process created and did not drop (a fixture that failed half-way, a
    module-scoped world): a test run leaves the server as it found it. Returns how many."""
    if not ON_POSTGRES:
        return 0
    engine = _admin()
    with engine.connect() as conn:
        names = conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE :prefix"),
                             {"prefix": f"nesa_{_run}_%"}).scalars().all()
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()
    return len(names)


class RolledBackDatabase:
    """A database whose sessions all run inside one outer transaction of one connection: each
    session's commit only releases a savepoint, and ``reset()`` rolls everything back. For tests
    that ask many questions of one world without it changing (the permission matrix)."""

    def __init__(self, url: str):
        from sqlalchemy.orm import sessionmaker

        from nesa_collab.db import make_engine

        self.url = url
        self.engine = make_engine(url)
        self.connection = self.engine.connect()
        self._outer = self.connection.begin()
        self._sessions = sessionmaker(bind=self.connection, expire_on_commit=False,
                                      join_transaction_mode="create_savepoint")

    def session(self, *, write: bool):
        return self._sessions()

    @contextmanager
    def transaction(self):
        """One unit of work, as ``Database.transaction`` (here: a savepoint of the outer transaction)."""
        with self.session(write=True) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def reset(self) -> None:
        """Forget every change since the world was built."""
        self._outer.rollback()
        self._outer = self.connection.begin()

    def dispose(self) -> None:
        """Kept open across apps' lifespans; ``close()`` ends it."""

    def close(self) -> None:
        self._outer.rollback()
        self.connection.close()
        self.engine.dispose()
