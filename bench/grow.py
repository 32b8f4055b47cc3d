"""Grow the demo network N times (100 by default) into a SQLite file, for benchmarks.

    .venv/bin/python bench/grow.py [--factor 100] [--out /tmp/nesa-grown.db]

The demo network is loaded once through the services (``nesa-collab seed``, on the day it describes),
then every table is copied N-1 times in bulk, one ``INSERT … SELECT`` per table: each copy is a network
of its own — its own schools, people, collaboratives, memberships, Core terms, plans, meetings,
conferences, answers, obligations and claims — with every id moved past the originals and every
name that must be unique made so ("Literacy Collaborative 7", ``literacy-7``, ``maya+7@…``). So
each copy keeps the rules the services kept (C2, C8, P1, …), and the whole is 100 demo networks side
by side: 4,200 schools, 23,000 people, 1,200 collaboratives, 26,300 memberships, 8,100 Core terms,
800 plans, 1,800 meetings, … on the demo's day (27 November 2026).

What is not copied: the plan template (shared), API tokens, sessions, sign-in attempts, secret feed
links, cached feed entries, and flags (the sweep raises them).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import String, UniqueConstraint

from nesa_collab import clock, models  # noqa: F401 - every table
from nesa_collab.app import install_domain_rules
from nesa_collab.db import Base, Database
from nesa_collab.migrate import upgrade
from nesa_collab.seed import load
from nesa_collab.settings import Settings

#: The day the demo data describes.
SEED_DAY = datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc)
#: Shared by every copy, or nothing a benchmark needs (a copy's feeds start at version 0: no stamp).
NOT_COPIED = {"plan_templates", "plan_template_sections", "api_tokens", "auth_sessions", "sign_in_attempts",
              "feed_tokens", "meeting_feed_entries", "feed_versions", "core_standings", "flags", "sweep_runs", "leases"}


def seed(path: Path) -> Settings:
    """The demo network, loaded through the services into a fresh SQLite file."""
    url = f"sqlite:///{path}"
    upgrade(url)
    settings = Settings(database_url=url, env="test", secret_key="bench-" + "x" * 40,
                        receipts_dir=str(path.parent / "receipts"), scheduler="off")
    install_domain_rules()
    clock.freeze(SEED_DAY)
    database = Database(url)
    try:
        load(database, settings)
    finally:
        database.dispose()
        clock.freeze(None)
    return settings


def _unique_text(table) -> set[str]:
    """The text columns of ``table`` that must be unique on their own (made unique per copy)."""
    out: set[str] = set()
    keys = [list(c.columns) for c in table.constraints if isinstance(c, UniqueConstraint)]
    keys += [list(i.columns) for i in table.indexes if i.unique]
    keys += [[c] for c in table.columns if c.unique]
    for key in keys:
        if key and not any(c.foreign_keys for c in key):
            out |= {c.name for c in key if isinstance(c.type, String)}
    if table.name == "people":
        out.add("email")  # unique whatever its case: an expression index
    return out


def _copy_sql(table, offsets: dict[str, int]) -> str:
    """One statement copying the original rows of ``table`` once per copy number ``k`` (1 … N-1)."""
    unique = _unique_text(table)
    exprs = []
    for col in table.columns:
        name = f'"{col.name}"'
        fk = next(iter(col.foreign_keys), None)
        if col.primary_key and col.name == "id":
            exprs.append(f"{name} + ks.k * {offsets[table.name]}")
        elif fk is not None and fk.column.table.name in offsets:
            exprs.append(f"{name} + ks.k * {offsets[fk.column.table.name]}")
        elif col.name == "email":
            exprs.append(f"substr({name}, 1, instr({name}, '@') - 1) || '+' || (ks.k + 1) "
                         f"|| substr({name}, instr({name}, '@'))")
        elif col.name in unique:
            sep = "-" if "slug" in col.name or col.name.endswith(("_file", "_hash")) else " "
            exprs.append(f"{name} || '{sep}' || (ks.k + 1)")
        else:
            exprs.append(name)
    columns = ", ".join(f'"{c.name}"' for c in table.columns)
    where = f"WHERE {table.name}.id <= {offsets[table.name]}" if table.name in offsets else ""
    return (f"INSERT INTO {table.name} ({columns}) SELECT {', '.join(exprs)} FROM {table.name}, ks {where}")


def grow(path: Path, factor: int) -> dict[str, int]:
    """Copy every table's rows ``factor - 1`` times (see the module's docstring); the row counts."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys=ON")
    tables = [t for t in Base.metadata.sorted_tables if t.name not in NOT_COPIED]
    offsets = {t.name: conn.execute(f"SELECT coalesce(max(id), 0) FROM {t.name}").fetchone()[0]
               for t in tables if "id" in t.columns}
    conn.execute("CREATE TEMP TABLE ks (k INTEGER PRIMARY KEY)")
    conn.executemany("INSERT INTO ks VALUES (?)", [(k,) for k in range(1, factor)])
    with conn:
        for table in tables:
            conn.execute(_copy_sql(table, offsets))
    counts = {t.name: conn.execute(f"SELECT count(*) FROM {t.name}").fetchone()[0] for t in tables}
    conn.execute("ANALYZE")
    conn.close()
    return counts


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--factor", type=int, default=100, help="how many demo networks side by side")
    parser.add_argument("--out", help="the SQLite file (replaced); default: a temporary file")
    args = parser.parse_args(argv)
    path = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="nesa-grown-")) / "grown.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    t = time.perf_counter()
    seed(path)
    seeded = time.perf_counter() - t
    t = time.perf_counter()
    counts = grow(path, args.factor)
    grown = time.perf_counter() - t
    print(f"Seeded the demo network in {seeded:.1f} s, grew it {args.factor}× in {grown:.1f} s: {path}")
    for name in ("schools", "people", "collaboratives", "memberships", "core_appointments", "plans", "meetings",
                 "agenda_items", "obligations", "claims"):
        print(f"  {name:<18} {counts[name]:>8,}")
    return path


if __name__ == "__main__":
    sys.exit(main() and 0)
