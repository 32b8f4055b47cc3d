"""S3 lists that cost what they show: the staff queue and the API list page 25 (the API 50) claims at
a time in SQL and narrow to one conference, collaborative (of the meeting) or claimant's school; the
lines are read as columns, so a page loads no claims, claimants or meetings as objects."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from nesa_collab import clock
from nesa_collab.support.models import Claim, ClaimStatus

from .conftest import planning_meeting

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def _on_the_day():
    clock.freeze(NOW)


def _claims(database, meeting, people, *, status=ClaimStatus.SUBMITTED, start=0) -> list[int]:
    """One claim per person against ``meeting`` (written directly: the lists, not the rules, are tested),
    each a minute after the one before."""
    ids = []
    with database.transaction() as db:
        for i, person in enumerate(people, start):
            extra = {}
            if status != ClaimStatus.SUBMITTED:
                extra = {"decided_at": NOW, "decided_by_id": person.id}
            claim = Claim(person_id=person.id, conference_id=meeting.conference_id, meeting_id=meeting.id,
                          night_on=date(2027, 3, 24), amount=Decimal("100.00"), currency="USD", status=status,
                          created_at=NOW - timedelta(days=30) + timedelta(minutes=i), receipt_file=f"f{i}-{person.id}",
                          receipt_name="r.pdf", receipt_type="application/pdf", receipt_size=10,
                          receipt_sha256="0" * 64, **extra)
            db.add(claim)
            db.flush()
            ids.append(claim.id)
    return ids


def _shown(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'href="/claims/(\d+)">#', html)]


def test_s3_the_queue_shows_25_waiting_claims_a_page_oldest_first(world, factory, database, as_):
    people = [factory.educator(name=f"Claimant {i:02}") for i in range(30)]
    ids = _claims(database, world.meeting, people)
    staff = as_(world.staff)
    first = staff.get("/claims")
    assert _shown(first.text) == ids[:25]
    assert "Page 1 of 2 (30 in all)" in first.text
    assert _shown(staff.get("/claims?page=2").text) == ids[25:]


def test_s3_the_queue_narrows_to_a_conference_a_collaborative_and_a_school(world, factory, database, as_):
    delhi = factory.school("Delhi Public School", city="Delhi")
    here = _claims(database, world.meeting, [factory.educator(delhi) for _ in range(3)])
    with database.transaction() as db:
        from nesa_collab.meetings import conferences
        from nesa_collab.permissions import SYSTEM
        conferences.create_conference(db, SYSTEM, name="Autumn Institute", starts_on=date(2027, 10, 7),
                                      ends_on=date(2027, 10, 9), city="Hanoi", country="Vietnam",
                                      time_zone="Asia/Bangkok", featured=[world.other.slug], slug="autumn-2027",
                                      hotel_night_cap="120.00", hotel_cap_currency="USD")
        elsewhere = planning_meeting(db, world.other, conference="autumn-2027", day=date(2027, 10, 6))
    there = _claims(database, elsewhere, [factory.educator() for _ in range(2)], start=10)
    staff = as_(world.staff)
    assert _shown(staff.get("/claims").text) == here + there
    by_conference = staff.get("/claims?conference=autumn-2027")
    assert _shown(by_conference.text) == there and "Autumn Institute" in by_conference.text
    assert _shown(staff.get(f"/claims?collaborative={world.collab.slug}").text) == here
    by_school = staff.get(f"/claims?school={delhi.slug}")
    assert _shown(by_school.text) == here
    assert "every school</a>" in by_school.text  # the filter in force, and the link that lifts it
    # The names in the list lead to the queue narrowed to them, keeping the status shown.
    assert f'href="/claims?show=waiting&amp;school={delhi.slug}"' in staff.get("/claims").text
    assert _shown(staff.get("/claims?conference=nowhere").text) == []


def test_s3_the_queue_filters_by_status_with_the_other_filters(world, factory, database, as_):
    waiting = _claims(database, world.meeting, [factory.educator() for _ in range(2)])
    approved = _claims(database, world.meeting, [factory.educator() for _ in range(2)],
                       status=ClaimStatus.APPROVED, start=5)
    staff = as_(world.staff)
    assert _shown(staff.get("/claims?show=submitted").text) == waiting[::-1]  # one status: newest first
    assert _shown(staff.get(f"/claims?show=approved&collaborative={world.collab.slug}").text) == approved[::-1]
    assert _shown(staff.get(f"/claims?show=approved&collaborative={world.other.slug}").text) == []


def test_s3_the_api_queue_pages_and_narrows_with_the_same_lines(world, factory, database, as_, client):
    delhi = factory.school("Delhi Public School", city="Delhi")
    ids = _claims(database, world.meeting, [factory.educator(delhi, name=f"C{i:02}") for i in range(55)])
    token = factory.token(world.staff)
    auth = {"Authorization": f"Bearer {token}"}
    page = client.get("/api/v1/claims", headers=auth).json()
    assert (page["total"], page["pages"], page["per_page"]) == (55, 2, 50)
    assert [c["id"] for c in page["items"]] == ids[:50]
    line = page["items"][0]
    assert line["claimant"]["name"] == "C00" and line["conference"]["slug"] == "sec-2027"
    assert line["collaborative"]["slug"] == world.collab.slug and line["amount"] == "100.00"
    assert line["receipt"]["media_type"] == "application/pdf"
    assert [c["id"] for c in client.get("/api/v1/claims?page=2", headers=auth).json()["items"]] == ids[50:]
    assert client.get(f"/api/v1/claims?school={delhi.slug}", headers=auth).json()["total"] == 55
    assert client.get(f"/api/v1/claims?collaborative={world.other.slug}", headers=auth).json()["total"] == 0
    assert client.get("/api/v1/claims?conference=sec-2027&show=paid", headers=auth).json()["total"] == 0
