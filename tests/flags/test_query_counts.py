"""The sweep takes the same number of SQL statements on the demo network and on that network grown three
times over by ``bench/grow.py`` (which this also runs, at a tiny factor)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url

from nesa_collab.db import Database
from nesa_collab.flags.models import Flag
from nesa_collab.flags.sweep import sweep

from .. import databases
from ..conftest import SEED_DAY

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import grow  # noqa: E402 - bench/grow.py

DAY = SEED_DAY.date()


def _sweep_counted(url: str, settings) -> tuple[int, int, int]:
    """Sweep once; (statements, flags raised, flags open)."""
    database = Database(url)
    statements = []
    event.listen(database.engine, "before_cursor_execute", lambda c, cur, statement, *a: statements.append(statement))
    try:
        with database.transaction() as db:
            statements.clear()
            result = sweep(db, DAY, settings)
        with database.transaction() as db:
            open_ = db.scalar(select(func.count()).select_from(Flag).where(Flag.cleared_at.is_(None)))
    finally:
        database.dispose()
    return len([s for s in statements if not s.startswith(("BEGIN", "COMMIT"))]), result.raised, open_


@pytest.mark.skipif(databases.ON_POSTGRES, reason="bench/grow.py grows a SQLite file")
def test_the_sweep_does_not_take_more_statements_on_a_network_three_times_larger(seeded):
    data, settings = seeded
    statements, raised, _ = _sweep_counted(data.url, settings)
    assert raised > 10
    counts = grow.grow(Path(make_url(data.url).database), 3)
    assert counts["collaboratives"] == 3 * data.counts["collaboratives"]
    assert counts["core_appointments"] == 3 * data.counts["core terms"]
    grown_statements, grown_raised, open_ = _sweep_counted(data.url, settings)
    assert grown_raised == 2 * raised and open_ == 3 * raised  # each copy flags as the demo does
    assert grown_statements == statements
