"""C1 at the cost of what it shows: the DPL's open proposals page 25 at a time, oldest first, of one
Core if chosen, with each Core's strength today counted in SQL (no terms loaded)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from nesa_collab import clock
from nesa_collab.cores.models import ProposalStatus, ProposedAppointment

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def _proposals(database, collab, people, start=0) -> list[int]:
    ids = []
    with database.transaction() as db:
        for i, person in enumerate(people, start):
            row = ProposedAppointment(collaborative_id=collab.id, person_id=person.id, starts_on=date(2027, 8, 1),
                                      ends_on=date(2029, 7, 31), status=ProposalStatus.OPEN,
                                      created_at=NOW - timedelta(days=10) + timedelta(minutes=i))
            db.add(row)
            db.flush()
            ids.append(row.id)
    return ids


def _shown(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<article class="candidate" id="p-(\d+)"', html)]


def test_c1_the_dpl_sees_25_open_proposals_a_page_oldest_first_and_one_cores_alone(factory, database, as_):
    clock.freeze(NOW)
    science = factory.collaborative("Science")
    maths = factory.collaborative("Mathematics")
    for i in range(3):
        factory.core_member(factory.educator(name=f"Serving {i}"), maths, date(2025, 8, 1), date(2027, 7, 31))
    many = _proposals(database, science, [factory.educator(name=f"Candidate {i:02}") for i in range(26)])
    few = _proposals(database, maths, [factory.educator(name=f"Maths {i}") for i in range(2)], start=100)
    dpl = as_(factory.dpl())
    first = dpl.get("/consultations")
    assert _shown(first.text) == many[:25] and "Page 1 of 2 (28 in all)" in first.text
    assert _shown(dpl.get("/consultations?page=2").text) == many[25:] + few
    only = dpl.get(f"/consultations?collaborative={maths.slug}")
    assert _shown(only.text) == few and "Open proposals to the Mathematics Core" in only.text
    assert "(3 members today)" in only.text  # the Core's strength, counted
    assert f'href="/consultations?collaborative={science.slug}"' in first.text
    assert _shown(dpl.get("/consultations?collaborative=nowhere").text) == []
