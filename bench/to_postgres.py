"""Copy a grown SQLite network into a fresh PostgreSQL database (for the page benchmark on the
production database): migrate an empty database with Alembic, copy every table in foreign-key
order through SQLAlchemy Core, then move each id sequence past the copied ids.

    .venv/bin/python bench/to_postgres.py network-100x.db postgresql+psycopg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import sys
import time

from sqlalchemy import create_engine, func, insert, inspect, select, text
from sqlalchemy.engine import make_url

from nesa_collab import models  # noqa: F401 - every table in the metadata
from nesa_collab.db import Base
from nesa_collab.migrate import upgrade

CHUNK = 5000


def copy(sqlite_file: str, server_url: str, name: str) -> str:
    """A new database ``name`` on the server holding what the SQLite file holds; returns its URL."""
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    source = create_engine(f"sqlite:///{sqlite_file}")
    target = create_engine(url)
    with source.connect() as src, target.begin() as dst:
        for table in Base.metadata.sorted_tables:
            rows = src.execution_options(yield_per=CHUNK).execute(select(table))
            for part in rows.partitions(CHUNK):
                dst.execute(insert(table), [dict(r._mapping) for r in part])
        for table in Base.metadata.sorted_tables:
            pk = list(table.primary_key.columns)
            if len(pk) == 1 and pk[0].autoincrement in (True, "auto") and pk[0].type.python_type is int:
                sequence = dst.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": pk[0].name})
                if sequence:
                    top = dst.scalar(select(func.max(pk[0])))
                    if top:
                        dst.execute(text("SELECT setval(:s, :v)"), {"s": sequence, "v": top})
        dst.execute(text("ANALYZE"))
    source.dispose()
    target.dispose()
    return url


def count_rows(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        total = sum(conn.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables
                    if inspect(conn).has_table(t.name))
    engine.dispose()
    return total


if __name__ == "__main__":
    started = time.perf_counter()
    url = copy(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "nesa_bench")
    print(f"{url}: {count_rows(url)} rows in {time.perf_counter() - started:.0f} s")
