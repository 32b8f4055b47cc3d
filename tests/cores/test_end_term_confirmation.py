"""Issue 12 (7): ending a term early asks first, on a page that says what it does to the Core's size
(C2, C6) and to the school's obligations; the GET changes nothing."""

from __future__ import annotations

from datetime import date, datetime, timezone

from nesa_collab import clock
from nesa_collab.cores.models import Appointment

from ..conftest import post_form

UTC = timezone.utc


def _core(factory, collab, n):
    school = factory.school()
    return [factory.core_member(factory.educator(school, password=False), collab, date(2026, 8, 1),
                                date(2028, 7, 31), today=date(2026, 7, 1)) for _ in range(n)]


def test_c5_c6_ending_a_term_says_the_core_falls_under_strength(factory, as_, database):
    clock.freeze(datetime(2026, 11, 27, 9, tzinfo=UTC))
    math = factory.collaborative("Math")
    terms = _core(factory, math, 5)
    dpl = as_(factory.dpl())
    r = dpl.get(f"/core/terms/{terms[0].id}/end")
    assert r.status_code == 200
    assert "The Math Core has 5 members today" in r.text
    assert "4 members" in r.text and "under strength (C6)" in r.text
    assert "Nobody is sent a message" in r.text
    with database.session(write=False) as db:
        assert db.get(Appointment, terms[0].id).ended_on is None  # a GET changes nothing
    r = post_form(dpl, f"/core/terms/{terms[0].id}/end", {"ended_on": "2026-11-30", "reason": "resignation"})
    assert r.status_code == 303


def test_c5_ending_a_term_of_a_full_core_says_it_keeps_its_strength(factory, as_):
    clock.freeze(datetime(2026, 11, 27, 9, tzinfo=UTC))
    math = factory.collaborative("Math")
    terms = _core(factory, math, 7)
    r = as_(factory.dpl()).get(f"/core/terms/{terms[0].id}/end")
    assert "The Math Core has 7 members today" in r.text and "6 members" in r.text
    assert "under strength" not in r.text
