"""Issue 12 (3): a wall time in the hour the clocks go back happens twice; scheduling one is saved
(at the first, as RFC 5545 reads it) with a warning naming both instants and suggesting the hour
after. An occurrence in an hour the clocks skip is named too, with the time it really starts."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from nesa_collab import clock
from nesa_collab.meetings import scheduling
from nesa_collab.meetings import services as meetings

from ..conftest import post_form
from .conftest import virtual

UTC = timezone.utc
FORM = {"title": "Late call", "mode": "virtual", "time_zone": "Africa/Cairo", "join_url": "https://meet.example.org/x"}


def test_m1_a_start_in_cairos_repeated_hour_is_saved_with_a_warning_naming_both_instants(world, as_):
    clock.freeze(datetime(2027, 2, 1, 8, 0, tzinfo=UTC))
    core = as_(world.core)
    page = post_form(core, "/meetings/new", {**FORM, "collaborative": world.collab.slug, "repeat": "none",
                                             "starts": "2027-10-28T23:30", "ends": "2027-10-29T00:15"},
                     follow_redirects=True)
    assert page.status_code == 200 and "saved as a draft" in page.text
    (warning,) = re.findall(r'<div class="flash warning" role="status">([^<]*happens twice[^<]*)</div>', page.text)
    assert "23:30" in warning and "Africa/Cairo" in warning
    assert "20:30 UTC" in warning and "21:30 UTC" in warning  # both instants, the first is the one saved
    assert "00:30" in warning  # the hour after
    calm = post_form(core, "/meetings/new", {**FORM, "collaborative": world.collab.slug, "repeat": "none",
                                             "starts": "2027-10-27T23:30", "ends": "2027-10-28T00:15"},
                     follow_redirects=True)
    assert calm.status_code == 200 and "happens twice" not in calm.text


def test_m1_the_api_answers_the_repeated_hour_warning_with_the_meeting(world, factory, client):
    h = {"Authorization": f"Bearer {factory.token(world.core)}"}
    body = {**FORM, "collaborative": world.collab.slug, "starts": "2027-10-28T23:30", "ends": "2027-10-29T00:15"}
    r = client.post("/api/v1/meetings", json=body, headers=h)
    assert r.status_code == 201, r.text
    (warning,) = r.json()["warnings"]
    assert "20:30 UTC" in warning and "21:30 UTC" in warning and "00:30" in warning
    assert r.json()["starts_at"].startswith("2027-10-28T20:30")
    plain = client.post("/api/v1/meetings", json={**body, "starts": "2027-10-27T23:30", "ends": "2027-10-28T00:15"},
                        headers=h)
    assert plain.status_code == 201 and plain.json()["warnings"] == []
    moved = client.patch(f"/api/v1/meetings/{plain.json()['id']}", json={"starts": "2027-10-28T23:00",
                                                                         "ends": "2027-10-29T00:00"}, headers=h)
    assert moved.status_code == 200 and "happens twice" in moved.json()["warnings"][0]


def test_m1_a_series_names_its_occurrences_in_a_repeated_or_skipped_hour(world, act):
    cairo = act(world.core, meetings.create_meeting, world.collab, **virtual(
        starts=datetime(2027, 10, 14, 23, 30), ends=datetime(2027, 10, 15, 0, 15),
        rrule="FREQ=WEEKLY;BYDAY=TH;COUNT=4"))
    (warning,) = scheduling.dst_warnings(cairo)
    assert "28 Oct 2027" in warning and "20:30 UTC" in warning and "21:30 UTC" in warning
    new_york = act(world.core, meetings.create_meeting, world.collab, **virtual(
        time_zone="America/New_York", starts=datetime(2027, 2, 28, 2, 30), ends=datetime(2027, 2, 28, 3, 0),
        rrule="FREQ=WEEKLY;BYDAY=SU;COUNT=4"))
    (warning,) = scheduling.dst_warnings(new_york)
    assert "14 Mar 2027" in warning and "does not exist" in warning and "03:30" in warning and "07:30 UTC" in warning
