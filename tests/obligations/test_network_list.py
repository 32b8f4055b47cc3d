"""O3 across the network, at the cost of what it shows: the DPL's list pages 25 obligations at a time
in SQL (the API 50), filtered by school, conference and status, read as lines (no objects); the counts
are aggregates: the network's total, the ten schools with the most awaiting an answer, and the coming
conferences."""

from __future__ import annotations

import re
from datetime import date

from nesa_collab import clock
from nesa_collab.obligations.models import Obligation, ObligationKind, ObligationStatus

from .conftest import NOW


def _owed(database, world, school, n, *, status=ObligationStatus.PENDING, start=0) -> list[int]:
    """``n`` attendance obligations of ``school``, each to a person of its own, one day apart
    (written directly: the list, not the derivation, is tested)."""
    from nesa_collab.auth.models import Person

    ids = []
    with database.transaction() as db:
        for i in range(start, start + n):
            person = Person(name=f"{school.name} educator {i:02}", email=f"e{i}-{school.id}@x.example",
                            school_id=school.id)
            db.add(person)
            db.flush()
            row = Obligation(kind=ObligationKind.ATTENDANCE, school_id=school.id, person_id=person.id,
                             collaborative_id=world.science.id, conference_id=world.conference.id,
                             first_day=date(2027, 1, 1 + i % 28), last_day=date(2027, 1, 1 + i % 28),
                             support="Attendance", why="O2", status=status, created_at=NOW, updated_at=NOW,
                             **({"decline_reason": "other"} if status == ObligationStatus.DECLINED else {}))
            db.add(row)
            db.flush()
            ids.append(row.id)
    return ids


def _listed(html: str) -> list[str]:
    """The people whose attendance the list shows, of those ``_owed`` wrote (the world's own are not)."""
    return re.findall(r"Support ([^&<]+? educator \d\d)&#39;s attendance", html)


def test_o3_the_network_list_pages_25_obligations_in_the_order_a_school_sees_its_own(world, as_, database):
    clock.freeze(NOW)
    _owed(database, world, world.amman, 30)
    dpl = as_(world.dpl)
    first = dpl.get("/obligations")
    names = _listed(first.text)
    assert len(names) == 25 and names[0] == "ACS Amman educator 00"  # the soonest first
    assert "Page 1 of 2 (34 in all)" in first.text  # and the world's four, in March
    assert len(_listed(dpl.get("/obligations?page=2").text)) == 5


def test_o3_the_network_list_filters_by_school_conference_and_status(world, as_, database):
    clock.freeze(NOW)
    _owed(database, world, world.amman, 3)
    _owed(database, world, world.dubai, 2, status=ObligationStatus.DECLINED, start=10)
    dpl = as_(world.dpl)
    assert len(_listed(dpl.get(f"/obligations?school={world.dubai.slug}").text)) == 2
    assert len(_listed(dpl.get(f"/obligations?school={world.amman.slug}&status=declined").text)) == 0
    assert len(_listed(dpl.get("/obligations?status=declined").text)) == 2
    assert len(_listed(dpl.get("/obligations?conference=sec-2027&status=pending").text)) == 3
    assert len(_listed(dpl.get("/obligations?conference=nowhere").text)) == 0
    # A school's name in the list narrows the list to it, keeping the other filters.
    assert f'href="?school={world.dubai.slug}&amp;conference=&amp;status=declined"' in \
        dpl.get("/obligations?status=declined").text


def test_o3_the_network_counts_name_the_schools_with_the_most_pending_and_total_all(world, as_, database, factory):
    clock.freeze(NOW)
    schools = [factory.school(f"School {i:02}") for i in range(12)]
    for i, school in enumerate(schools):
        _owed(database, world, school, i + 1, start=i * 20)
    _owed(database, world, world.dubai, 1, status=ObligationStatus.CONFIRMED, start=300)
    page = as_(world.dpl).get("/obligations").text
    summary = page[page.index("The schools with the most"):page.index("The coming conferences")]
    shown = re.findall(r">(School \d\d)</a>", summary)
    assert shown == [f"School {i:02}" for i in range(11, 1, -1)]  # ten, the most pending first
    assert "<dt>Pending</dt><dd>82</dd>" in page and "<dt>Confirmed</dt><dd>1</dd>" in page  # the whole network
    assert "Spring Educators Conference</a>" in page[page.index("The coming conferences"):]


def test_o3_the_api_pages_50_obligations_with_the_same_lines(world, client, factory, database):
    clock.freeze(NOW)
    _owed(database, world, world.amman, 55)
    dpl = {"Authorization": f"Bearer {factory.token(world.dpl)}"}
    body = client.get("/api/v1/obligations", headers=dpl).json()
    assert (body["total"], body["pages"], len(body["items"])) == (59, 2, 50)  # and the world's four
    item = body["items"][0]
    assert item["school"]["slug"] == world.amman.slug and item["conference"]["slug"] == "sec-2027"
    assert item["statement"].startswith("Support ACS Amman educator 00's attendance at the Spring Educators")
    assert len(client.get("/api/v1/obligations?page=2", headers=dpl).json()["items"]) == 9
    assert client.get(f"/api/v1/obligations?school={world.dubai.slug}", headers=dpl).json()["total"] == 2
