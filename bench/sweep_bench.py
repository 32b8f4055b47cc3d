"""Benchmark (F1–F8): sweep a network 100 times the demo's, twice, and count the SQL statements.

    .venv/bin/python bench/sweep_bench.py [--db FILE] [--factor 100]

Without ``--db`` it first grows the demo network (``bench/grow.py``). Target (issue 10): a first sweep
in under 2 s, a second with no changes in under 0.5 s, on a 2-core machine, with a number of SQL
statements that does not grow with the data (the bench also sweeps the demo network itself, 1×, to
compare). Each sweep goes through ``run_sweep``: the lease, the run's record and the sweep's one
transaction; the sweep's own statements are counted apart. The second sweep finds nothing changed
since the first (the audit log has not grown: ``flags.sweep.basis``) and does not judge the rules
again; the third is asked for a full judgement (``nesa-collab sweep --full``) to show what that costs.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import event, func, select

from nesa_collab.db import Database
from nesa_collab.flags.models import Flag
from nesa_collab.flags.runs import run_sweep
from nesa_collab.settings import Settings

import grow

DAY = date(2026, 11, 27)
BOOKKEEPING = ("leases", "sweep_runs")


class Counter:
    def __init__(self, database: Database):
        self.statements: list[str] = []
        event.listen(database.engine, "before_cursor_execute", self.on_execute)

    def on_execute(self, conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")):
            self.statements.append(statement)

    def take(self) -> tuple[int, int]:
        """(every statement, the sweep's own) since the last call."""
        every = self.statements
        self.statements = []
        own = [s for s in every if not any(t in s for t in BOOKKEEPING)]
        return len(every), len(own)


def bench(path: Path, label: str) -> None:
    url = f"sqlite:///{path}"
    settings = Settings(database_url=url, env="test", secret_key="bench-" + "x" * 40, scheduler="off")
    database = Database(url)
    counter = Counter(database)
    with database.transaction() as db:  # warm the connection and the mappers
        db.execute(select(1))
    counter.take()
    print(f"{label}:")
    for name, full in (("first sweep", False), ("second sweep, no changes", False),
                       ("third, no changes, --full", True)):
        t = time.perf_counter()
        outcome = run_sweep(database, DAY, settings, "test", full=full)
        took = time.perf_counter() - t
        every, own = counter.take()
        assert outcome.ran and outcome.error is None, outcome
        what = "judged" if outcome.judged else "nothing changed: not judged again"
        print(f"  {name:<27} {took:6.2f} s   {outcome.raised:>5} raised {outcome.cleared:>4} cleared   "
              f"{own:>3} statements in the sweep ({every} with the lease and the run's record); {what}")
    with database.transaction() as db:
        print(f"  open flags: {db.scalar(select(func.count()).select_from(Flag).where(Flag.cleared_at.is_(None)))}")
    database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="a grown SQLite file (default: grow one)")
    parser.add_argument("--factor", type=int, default=100)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="nesa-sweep-"))
    if args.db:
        path = Path(args.db)
    else:
        path = grow.main(["--factor", str(args.factor), "--out", str(folder / "grown.db")])
    small = folder / "demo.db"
    grow.main(["--factor", "1", "--out", str(small)])
    bench(small, "The demo network (1×)")
    bench(path, f"The grown network ({path})")


if __name__ == "__main__":
    main()
