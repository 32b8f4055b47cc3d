"""K2 at the cost of what it shows: the interests page lists 25 a page (the API 50), read as lines in
one query, by status and by kind, with who registered each."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from nesa_collab.network.models import Interest, InterestStatus

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def _register(database, person, n, *, kind="discipline", status=InterestStatus.OPEN, start=0) -> list[int]:
    ids = []
    with database.transaction() as db:
        for i in range(start, start + n):
            row = Interest(name=f"Interest {i:02}", kind=kind, description="", proposed_by_id=person.id,
                           status=status, created_at=NOW + timedelta(minutes=i))
            db.add(row)
            db.flush()
            ids.append(row.id)
    return ids


def _names(html: str) -> list[str]:
    return re.findall(r'<h2 class="h3">(Interest \d\d) ', html)


def test_k2_the_interests_page_shows_25_a_page_newest_first_by_status_and_kind(factory, database, as_):
    school = factory.school("ACS Amman", city="Amman")
    educator = factory.educator(school, name="Rania Nassar")
    _register(database, educator, 27)
    _register(database, educator, 2, kind="responsibility", start=40)
    _register(database, educator, 1, status=InterestStatus.DECLINED, start=60)
    client = as_(factory.dpl())
    first = client.get("/interests")
    assert _names(first.text) == [f"Interest {i:02}" for i in [41, 40, *range(26, 3, -1)]]
    assert "registered by Rania Nassar" in first.text and "Page 1 of 2 (29 in all)" in first.text
    assert _names(client.get("/interests?page=2").text) == ["Interest 03", "Interest 02", "Interest 01", "Interest 00"]
    assert _names(client.get("/interests?kind=responsibility").text) == ["Interest 41", "Interest 40"]
    assert _names(client.get("/interests?status=declined").text) == ["Interest 60"]
    assert len(_names(client.get("/interests?status=all&kind=discipline").text)) == 25


def test_k2_the_api_lists_interests_as_lines_with_who_registered_them(factory, database, client):
    school = factory.school("ACS Amman", city="Amman")
    educator = factory.educator(school, name="Rania Nassar")
    _register(database, educator, 52)
    _register(database, educator, 1, kind="responsibility", start=70)
    auth = {"Authorization": f"Bearer {factory.token(factory.dpl())}"}
    body = client.get("/api/v1/interests", headers=auth).json()
    assert (body["total"], len(body["items"])) == (53, 50)
    first = body["items"][0]
    assert first["name"] == "Interest 70" and first["proposed_by"]["name"] == "Rania Nassar"
    assert first["proposed_by"]["school"]["slug"] == school.slug and first["collaborative_id"] is None
    assert client.get("/api/v1/interests?kind=responsibility", headers=auth).json()["total"] == 1
    assert client.get("/api/v1/interests?page=2", headers=auth).json()["items"][-1]["name"] == "Interest 00"
