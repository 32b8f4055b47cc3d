"""Issue 13: hostile input gets a clear 4xx naming the field, never a 5xx."""

from __future__ import annotations

import pytest

from ..test_api import bearer

LONG_ZONE = "Europe/" + "A" * 300


def test_m6_a_time_zone_too_long_to_be_one_is_refused_on_a_person(factory, client):
    dpl = factory.dpl()
    member = factory.educator(factory.school("ACS Amman"))
    h = bearer(factory, dpl)
    r = client.patch(f"/api/v1/people/{member.id}", json={"time_zone": LONG_ZONE}, headers=h)
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["time_zone"]
    r = client.post("/api/v1/people", json={"name": "Ana Ruiz", "email": "ana@example.org", "time_zone": LONG_ZONE},
                    headers=h)
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["time_zone"]


@pytest.mark.parametrize("name", [LONG_ZONE, "Asia/" + "x" * 250, "../../etc/passwd", "Asia/Nowhere"])
def test_m1_find_a_time_refuses_a_zone_that_is_not_one(factory, client, name):
    dpl = factory.dpl()
    collab = factory.collaborative("Literacy")
    r = client.get("/api/v1/meetings/find-a-time", params={"collaborative": collab.slug, "starts": "2027-01-12T16:00",
                                                           "time_zone": name}, headers=bearer(factory, dpl))
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "time_zone"


@pytest.mark.parametrize("body", ["false", "[]", '"x"', "0", "null"])
def test_a_json_body_that_is_not_an_object_is_refused_before_any_change(factory, client, body):
    """`false` was taken as `{}`: POST /api/v1/feed-tokens with it regenerated the caller's secret link."""
    member = factory.educator(factory.school("ACS Amman"))
    h = {**bearer(factory, member), "Content-Type": "application/json"}
    first = client.post("/api/v1/feed-tokens", content="{}", headers=h)
    assert first.status_code in (200, 201), first.text
    r = client.post("/api/v1/feed-tokens", content=body, headers=h)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["field"] == "body"
    listed = client.get("/api/v1/feed-tokens", headers=h).json()
    assert first.json()["https_url"] in str(listed)  # the link still works
