"""Object-level permissions of the meetings pages and API: a route lets in anyone who could ever act
(a Core member, a signed-in person), and the service then asks again about the thing itself. A Core
member acts on their own collaborative's meetings only (M1–M4), a secret link is its owner's (M5),
and the Executive Director and the PDAC oversee without writing."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from nesa_collab.auth.models import Person, Role
from nesa_collab.cores.services import load_actor
from nesa_collab.errors import NotFound
from nesa_collab.meetings import feed_tokens, services as meetings
from nesa_collab.meetings.models import FeedToken, Meeting, MeetingMinutes
from nesa_collab.network.models import School

from ..conftest import post_form
from .conftest import TODAY, virtual


@pytest.fixture
def mathematics(world, act):
    """Two meetings of Mathematics (world.other_core's Core; not world.core's): a draft and a
    published one that has taken place."""
    draft = act(world.other_core, meetings.create_meeting, world.other, **virtual(title="Math draft"))
    held = act(world.other_core, meetings.create_meeting, world.other, **virtual(
        title="Math meeting", starts=datetime(2026, 11, 3, 16, 0), ends=datetime(2026, 11, 3, 17, 0)))
    act(world.other_core, meetings.publish_meeting, held)
    return draft.id, held.id


def _unchanged(database, held_id):
    with database.session(write=False) as db:
        m = db.get(Meeting, held_id)
        minutes = db.scalar(select(func.count()).select_from(MeetingMinutes))
        return (m.title, m.status, len(m.agenda), minutes) == ("Math meeting", "published", 0, 0)


def test_m1_m4_a_core_member_of_another_collaborative_is_refused_on_its_meetings_pages(world, as_, mathematics,
                                                                                       database):
    draft, held = mathematics
    librarian = as_(world.core)  # serves on the Librarians' Core, not on Mathematics'
    meeting = {"title": "Taken over", "mode": "virtual", "time_zone": "Africa/Cairo", "starts": "2026-11-03T16:00",
               "ends": "2026-11-03T17:00", "join_url": "https://meet.example.org/x"}
    refused = [
        ("GET", f"/meetings/{held}/edit", None), ("POST", f"/meetings/{held}/edit", meeting),
        ("GET", f"/meetings/{held}/cancel", None), ("POST", f"/meetings/{held}/cancel", {"reason": "mine now"}),
        ("GET", f"/meetings/{held}/agenda", None),
        ("POST", f"/meetings/{held}/agenda", {"op": "add", "title": "Mine", "minutes": "5"}),
        ("POST", f"/meetings/{held}/minutes?occurrence=2026-11-03T16:00", {"minutes": "Notes"}),
        ("POST", f"/meetings/{held}/occurrences", {"original_start": "2026-11-03T16:00", "action": "cancel"}),
    ]
    for method, url, data in refused:
        r = librarian.get(url) if method == "GET" else post_form(librarian, url, data)
        assert r.status_code == 403, (method, url, r.status_code)
    # M2: Mathematics' draft is not revealed to them at all.
    for method, url in (("GET", f"/meetings/{draft}"), ("GET", f"/meetings/{draft}/edit"),
                        ("GET", f"/meetings/{draft}/agenda"), ("GET", f"/meetings/{draft}/calendar.ics"),
                        ("POST", f"/meetings/{draft}/publish"), ("POST", f"/meetings/{draft}/delete")):
        r = librarian.get(url) if method == "GET" else post_form(librarian, url)
        assert r.status_code == 404, (method, url, r.status_code)
    assert "Math draft" not in librarian.get("/meetings").text
    assert "Math draft" not in librarian.get(f"/collaboratives/{world.other.slug}").text
    assert _unchanged(database, held)
    with database.session(write=False) as db:
        assert db.get(Meeting, draft).status == "draft"


def test_m1_m4_a_core_member_of_another_collaborative_is_refused_on_its_meetings_in_the_api(world, client, factory,
                                                                                           mathematics, database):
    draft, held = mathematics
    h = {"Authorization": f"Bearer {factory.token(world.core)}"}
    refused = [
        ("PATCH", f"/api/v1/meetings/{held}", {"title": "Taken over"}),
        ("POST", f"/api/v1/meetings/{held}/cancel", {"reason": "mine now"}),
        ("POST", f"/api/v1/meetings/{held}/occurrences", {"original_start": "2026-11-03T16:00", "action": "cancel"}),
        ("PUT", f"/api/v1/meetings/{held}/agenda", {"items": [{"title": "Mine", "minutes": 5}]}),
        ("PUT", f"/api/v1/meetings/{held}/minutes/2026-11-03T16:00", {"minutes": "Notes"}),
        ("POST", "/api/v1/meetings", {**virtual(), "collaborative": world.other.slug,
                                      "starts": "2027-01-12T16:00", "ends": "2027-01-12T17:00"}),
    ]
    for method, url, body in refused:
        r = client.request(method, url, json=body, headers=h)
        assert r.status_code == 403, (method, url, r.status_code, r.text)
    r = client.get("/api/v1/meetings/find-a-time", headers=h, params={
        "collaborative": world.other.slug, "starts": "2027-01-12T16:00", "time_zone": "Africa/Cairo"})
    assert r.status_code == 403
    for method, url in (("GET", f"/api/v1/meetings/{draft}"), ("POST", f"/api/v1/meetings/{draft}/publish"),
                        ("GET", f"/api/v1/meetings/{draft}/agenda")):
        assert client.request(method, url, headers=h).status_code == 404, (method, url)
    listed = client.get("/api/v1/meetings?from=2026-01-01T00:00:00Z", headers=h).json()["items"]
    assert "Math draft" not in {m["title"] for m in listed} and "Math meeting" in {m["title"] for m in listed}
    assert _unchanged(database, held)


def test_m5_a_member_cannot_revoke_or_regenerate_another_persons_secret_link(world, act, as_, client, factory,
                                                                             settings, database):
    row, secret = act(world.coordinator, feed_tokens.issue_token, "person", world.coordinator.id, settings.secret_key)
    member = as_(world.member)
    assert post_form(member, f"/calendars/tokens/{row.id}/revoke").status_code == 404
    h = {"Authorization": f"Bearer {factory.token(world.member)}"}
    assert client.delete(f"/api/v1/feed-tokens/{row.id}", headers=h).status_code == 404
    assert row.id not in {t["id"] for t in client.get("/api/v1/feed-tokens", headers=h).json()}
    with pytest.raises(NotFound):  # the service refuses to issue (regenerate) a link for someone else
        act(world.member, feed_tokens.issue_token, "person", world.coordinator.id, settings.secret_key)
    with database.session(write=False) as db:
        assert db.get(FeedToken, row.id).is_active
    assert client.get(f"/calendars/people/{secret}.ics").status_code == 200  # still works


def test_m5_a_coordinator_of_one_school_cannot_create_or_see_another_schools_link(world, act, as_, client, factory,
                                                                                  settings, database):
    with database.session(write=False) as db:
        own = db.get(School, world.coordinator.school_id)
        other = db.get(School, world.member.school_id)
    assert own.id != other.id
    other_coordinator = factory.educator(other, Role.MEMBER, Role.SCHOOL_COORDINATOR)
    theirs, _ = act(other_coordinator, feed_tokens.issue_token, "school", other.id, settings.secret_key)
    coordinator = as_(world.coordinator)
    assert post_form(coordinator, "/calendars/tokens", {"kind": "school", "school": other.slug}).status_code == 404
    assert post_form(coordinator, f"/calendars/tokens/{theirs.id}/revoke").status_code == 404
    page = coordinator.get("/calendars").text
    assert own.name in page and other.name not in page
    h = {"Authorization": f"Bearer {factory.token(world.coordinator)}"}
    assert client.post("/api/v1/feed-tokens", json={"kind": "school", "school": other.slug},
                       headers=h).status_code == 404
    assert client.delete(f"/api/v1/feed-tokens/{theirs.id}", headers=h).status_code == 404
    assert theirs.id not in {t["id"] for t in client.get("/api/v1/feed-tokens", headers=h).json()}
    # Their own school's link they manage.
    r = client.post("/api/v1/feed-tokens", json={"kind": "school", "school": own.slug}, headers=h)
    assert r.status_code == 201 and r.json()["kind"] == "school"
    with database.session(write=False) as db:
        assert db.get(FeedToken, theirs.id).is_active
        assert db.scalar(select(func.count()).select_from(FeedToken).where(FeedToken.school_id == other.id)) == 1


@pytest.mark.parametrize("role", [Role.EXECUTIVE_DIRECTOR, Role.PDAC])
def test_m1_m4_s1_the_executive_director_and_the_pdac_write_no_meeting(world, act, as_, client, factory,
                                                                     mathematics, database, role):
    _, held = mathematics
    person = factory.educator(factory.school(), Role.MEMBER, role) if role == Role.PDAC else factory.person(role)
    with database.session(write=False) as db:
        actor = load_actor(db, db.get(Person, person.id), TODAY)
        assert not actor.core_of  # they oversee; they serve on no Core
    browser = as_(person)
    conference = {"name": "Winter Institute", "kind": "institute", "starts_on": "2027-01-20",
                  "ends_on": "2027-01-22", "city": "Muscat", "time_zone": "Asia/Muscat"}
    meeting = {**virtual(), "collaborative": world.other.slug, "starts": "2027-01-12T16:00",
               "ends": "2027-01-12T17:00"}
    pages = [("/conferences/new", conference), (f"/conferences/{world.conference.slug}/edit", conference),
             ("/meetings/new", meeting), (f"/meetings/{held}/edit", meeting), (f"/meetings/{held}/publish", {}),
             (f"/meetings/{held}/cancel", {"reason": "x"}), (f"/meetings/{held}/delete", {}),
             (f"/meetings/{held}/occurrences", {"original_start": "2026-11-03T16:00", "action": "cancel"}),
             (f"/meetings/{held}/agenda", {"op": "add", "title": "x", "minutes": "5"}),
             (f"/meetings/{held}/minutes?occurrence=2026-11-03T16:00", {"minutes": "x"})]
    for url, data in pages:
        assert post_form(browser, url, data).status_code == 403, url
    h = {"Authorization": f"Bearer {factory.token(person)}"}
    api = [("POST", "/api/v1/conferences", conference), ("PATCH", f"/api/v1/conferences/{world.conference.slug}",
                                                          {"name": "x"}),
           ("POST", "/api/v1/meetings", meeting), ("PATCH", f"/api/v1/meetings/{held}", {"title": "x"}),
           ("POST", f"/api/v1/meetings/{held}/publish", {}), ("POST", f"/api/v1/meetings/{held}/cancel", {}),
           ("POST", f"/api/v1/meetings/{held}/occurrences", {"original_start": "2026-11-03T16:00", "action": "cancel"}),
           ("PUT", f"/api/v1/meetings/{held}/agenda", {"items": []}),
           ("PUT", f"/api/v1/meetings/{held}/minutes/2026-11-03T16:00", {"minutes": "x"})]
    for method, url, body in api:
        assert client.request(method, url, json=body, headers=h).status_code == 403, (method, url)
    assert _unchanged(database, held)
