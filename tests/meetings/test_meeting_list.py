"""M2: the meetings list pages in SQL, 25 meetings a page, upcoming or past, by collaborative, format
and one's own; a series is one line with its next (or latest) date. The API takes the same filters."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from nesa_collab import clock
from nesa_collab.permissions import SYSTEM
from nesa_collab.meetings import services as meetings

from .conftest import virtual

UTC = timezone.utc


def titles(response) -> list[str]:
    return [m.title for m, _ in response.context["rows"]]


def _publish(act, world, collab, **kw):
    m = act(world.dpl, meetings.create_meeting, collab, **virtual(**kw))
    act(world.dpl, lambda db, a: meetings.publish_meeting(db, a, meetings.get_meeting(db, SYSTEM, m.id)))
    return m


def test_m2_the_meeting_list_pages_upcoming_and_past_meetings_with_filters(world, act, as_, client):
    clock.freeze(datetime(2027, 1, 1, 8, tzinfo=UTC))
    start = datetime(2027, 2, 1, 16, 0)
    for n in range(27):
        _publish(act, world, world.collab, title=f"Meeting {n:02d}", starts=start + timedelta(days=n),
                 ends=start + timedelta(days=n, hours=1))
    _publish(act, world, world.other, title="Maths hybrid", mode="hybrid", place="Room 4",
             starts=datetime(2027, 6, 1, 16, 0), ends=datetime(2027, 6, 1, 17, 0))
    _publish(act, world, world.other, title="Maths weekly", rrule="FREQ=WEEKLY;COUNT=40",
             starts=datetime(2026, 12, 1, 16, 0), ends=datetime(2026, 12, 1, 17, 0))
    first = client.get("/meetings")
    assert first.context["page"].total == 29 and titles(first)[:2] == ["Maths weekly", "Meeting 00"]
    weekly = first.context["rows"][0][1]
    assert weekly.starts_at == datetime(2027, 1, 5, 14, 0, tzinfo=UTC)  # its next date, not its first
    second = client.get("/meetings", params={"page": 2})
    assert titles(second) == ["Meeting 24", "Meeting 25", "Meeting 26", "Maths hybrid"]
    assert titles(client.get("/meetings", params={"mode": "hybrid"})) == ["Maths hybrid"]
    by_collab = client.get("/meetings", params={"collaborative": world.other.slug})
    assert titles(by_collab) == ["Maths weekly", "Maths hybrid"]
    past = client.get("/meetings", params={"when": "past"})
    assert titles(past) == ["Maths weekly"] and past.context["rows"][0][1].starts_at.date().isoformat() == "2026-12-29"
    assert titles(as_(world.member).get("/meetings", params={"mine": "1", "page": 2})) == ["Meeting 25", "Meeting 26"]
    assert "No past meetings." in client.get("/meetings", params={"when": "past", "mode": "hybrid"}).text
    assert 'href="/meetings?mode=virtual&amp;page=2"' in client.get("/meetings", params={"mode": "virtual"}).text


def test_m2_the_meetings_api_pages_with_the_same_filters(world, act, client):
    clock.freeze(datetime(2027, 1, 1, 8, tzinfo=UTC))
    _publish(act, world, world.collab, title="Old one", starts=datetime(2026, 11, 2, 16, 0),
             ends=datetime(2026, 11, 2, 17, 0))
    _publish(act, world, world.other, title="Hybrid one", mode="hybrid", place="Room 4")
    _publish(act, world, world.collab, title="Virtual one")
    upcoming = client.get("/api/v1/meetings").json()
    assert [m["title"] for m in upcoming["items"]] == ["Hybrid one", "Virtual one"]
    assert [m["title"] for m in client.get("/api/v1/meetings", params={"mode": "hybrid"}).json()["items"]] == [
        "Hybrid one"]
    past = client.get("/api/v1/meetings", params={"when": "past"}).json()
    assert [m["title"] for m in past["items"]] == ["Old one"]
    assert client.get("/api/v1/meetings", params={"mode": "walking"}).status_code == 422
    spec = client.get("/api/v1/openapi.json").json()
    assert {"when", "mode", "collaborative"} <= {p["name"] for p in spec["paths"]["/meetings"]["get"]["parameters"]}
