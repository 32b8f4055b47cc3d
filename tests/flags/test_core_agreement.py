"""F1–F3, F8: the daily sweep and the Core dashboard read one definition of each rule's condition
(``cores.standing``): on the demo network and around the flags world's boundary days, the Cores and
terms the sweep flags are those the dashboard shows flagged, and the dashboard's counts add up."""

from __future__ import annotations

from datetime import date

import pytest

from nesa_collab.cores import services as cores
from nesa_collab.cores.standing import counts_query
from nesa_collab.db import Database
from nesa_collab.flags.models import FlagRule
from nesa_collab.flags.rules import judge
from nesa_collab.network import services as network
from nesa_collab.permissions import SYSTEM

from ..conftest import SEED_DAY

CORE_RULES = {FlagRule.F1, FlagRule.F2, FlagRule.F3, FlagRule.F8}


def _swept(db, day: date, settings) -> set[tuple]:
    return {h.identity for h in judge(db, day, settings).hits if h.rule in CORE_RULES}


def _shown(db, day: date) -> set[tuple]:
    out: set[tuple] = set()
    for s in cores.summarize(db, network.collaboratives_in_service(db), day):
        cid, flags = s.collaborative.id, s.standing.flags
        out |= {(FlagRule.F1, "appointment", t.id, "ending") for t in s.ending_soon}
        out |= {(FlagRule.F8, "appointment", t.id, "school") for t, _ in s.school_changes}
        for name, identity in {"f3_under": (FlagRule.F3, "collaborative", cid, "under"),
                               "f3_over": (FlagRule.F3, "collaborative", cid, "over"),
                               "f3_forming": (FlagRule.F3, "collaborative", cid, "forming"),
                               "f1_outlook": (FlagRule.F1, "collaborative", cid, "outlook"),
                               "f2_vacant": (FlagRule.F2, "collaborative", cid, "vacancy")}.items():
            if name in flags:
                out.add(identity)
    return out


def _agree(db, day: date, settings) -> set[tuple]:
    swept, shown = _swept(db, day, settings), _shown(db, day)
    assert swept == shown, (day, swept ^ shown)
    board = cores.dashboard(db, SYSTEM, day, attention_only=True, per_page=1000)
    flagged_cores = {s.collaborative.id for s in board.items}
    by_collab = {s.collaborative.id: s for s in cores.summarize(db, network.collaboratives_in_service(db), day)}
    assert flagged_cores == {cid for cid, s in by_collab.items() if s.flags}
    counts = db.execute(counts_query(day)).one()._mapping
    assert counts["attention"] == board.total == len(flagged_cores)
    assert counts["f1_ending"] == len({by_collab_id(by_collab, i) for r, t, i, _ in swept
                                       if r == FlagRule.F1 and t == "appointment"})
    assert counts["f2_vacant"] == len({i for r, _, i, _ in swept if r == FlagRule.F2})
    return swept


def by_collab_id(by_collab: dict, term_id: int) -> int:
    return next(cid for cid, s in by_collab.items() if any(t.id == term_id for t in s.ending_soon))


def test_f1_f3_f8_the_sweep_and_the_dashboard_agree_on_the_demo_network(seeded):
    data, settings = seeded
    database = Database(data.url)
    try:
        with database.session(write=False) as db:
            swept = _agree(db, SEED_DAY.date(), settings)
            assert {r for r, *_ in swept} == CORE_RULES  # the demo holds every Core rule
            for later in (date(2027, 1, 1), date(2027, 3, 1), date(2027, 8, 1)):
                _agree(db, later, settings)
    finally:
        database.dispose()


@pytest.mark.parametrize("day", [date(2027, 1, 9), date(2027, 1, 10), date(2027, 1, 11), date(2027, 2, 28),
                                 date(2027, 3, 1), date(2027, 4, 10), date(2027, 4, 11), date(2027, 7, 31),
                                 date(2027, 8, 1)])
def test_f1_f3_f8_the_sweep_and_the_dashboard_agree_around_the_boundary_days(world, database, settings, day):
    with database.session(write=False) as db:
        _agree(db, day, settings)
