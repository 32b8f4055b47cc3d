"""Meeting support (S2): for each planning meeting beside a conference, Center staff record the room
and refreshments and mark them arranged; the run sheet and the hotel's CSV carry the headcount from
the answers (or the Core's size, marked)."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

from nesa_collab import clock
from nesa_collab.meetings import services as meetings

from ..conftest import post_form

UTC = timezone.utc


def _planning(act, world, **kw):
    values = dict(title="Planning day", mode="face_to_face", time_zone="Asia/Bangkok",
                  starts=datetime(2027, 3, 25, 9, 0), ends=datetime(2027, 3, 25, 16, 0),
                  place="Grand Riverside Hotel", conference="sec-2027")
    values.update(kw)
    m = act(world.core, meetings.create_meeting, world.collab, **values)
    act(world.core, meetings.publish_meeting, m)
    return m


def test_s2_center_staff_arrange_the_room_and_refreshments(world, act, as_):
    clock.freeze(datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    m = _planning(act, world)
    staff = as_(world.staff)
    page = staff.get("/conferences/sec-2027/support")
    assert page.status_code == 200 and "Librarians" in page.text and "requested" in page.text
    # Arranged needs a room (S2): refused, nothing saved, the page says why.
    r = post_form(staff, "/conferences/sec-2027/support", {"meeting_id": m.id, "status": "arranged", "coffee": "1"})
    assert r.status_code == 422 and "S2:" in r.text and "name the room" in r.text
    r = post_form(staff, "/conferences/sec-2027/support", {"meeting_id": m.id, "status": "arranged", "room": "Orchid 2",
                                                            "coffee": "1", "lunch": "1", "notes": "Vegetarian x2"})
    assert r.status_code == 303
    sheet = staff.get("/conferences/sec-2027/run-sheet").text
    assert "Orchid 2" in sheet and "arranged" in sheet and "Vegetarian x2" in sheet
    assert post_form(as_(world.member), f"/meetings/{m.id}/rsvp", {"answer": "going"}).status_code == 303
    rows = list(csv.DictReader(io.StringIO(staff.get("/conferences/sec-2027/support.csv").text)))
    assert len(rows) == 1
    assert (rows[0]["room"], rows[0]["headcount"], rows[0]["headcount from"], rows[0]["lunch"]) == (
        "Orchid 2", "1", "answers", "yes")
    assert rows[0]["day"] == "2027-03-25" and rows[0]["start"] == "09:00"


def test_s2_support_is_for_center_staff_and_the_api_keeps_the_same_rules(world, act, as_, client, factory):
    clock.freeze(datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    m = _planning(act, world)
    other = act(world.core, meetings.create_meeting, world.collab, title="Online", mode="virtual",
                time_zone="Asia/Dubai", starts=datetime(2027, 1, 5, 16, 0), ends=datetime(2027, 1, 5, 17, 0),
                join_url="https://meet.example.org/x")
    act(world.core, meetings.publish_meeting, other)
    assert as_(world.core).get("/conferences/sec-2027/support").status_code == 403
    assert post_form(as_(world.core), "/conferences/sec-2027/support",
                     {"meeting_id": m.id, "room": "Mine"}).status_code == 403
    h = {"Authorization": f"Bearer {factory.token(world.staff)}"}
    r = client.put(f"/api/v1/meetings/{m.id}/support", headers=h,
                   json={"room": "Orchid 2", "coffee": True, "lunch": False, "status": "arranged"})
    assert r.status_code == 200, r.text
    assert (r.json()["room"], r.json()["lunch"], r.json()["headcount_from"]) == ("Orchid 2", False, "core")
    r = client.put(f"/api/v1/meetings/{other.id}/support", headers=h, json={"room": "X"})
    assert r.status_code == 422 and r.json()["rule"] == "S2"  # a virtual meeting is no planning meeting
    listed = client.get("/api/v1/conferences/sec-2027/support", headers=h).json()
    assert [s["status"] for s in listed] == ["arranged"]
