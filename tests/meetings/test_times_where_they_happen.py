"""Issue 12 (13): times where they happen. Conference logistics lead with the conference's own local
time (the room is in Bangkok), the viewer's second; the best starts the time check suggests each fill
the meeting form, without JavaScript, keeping everything else typed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from nesa_collab import clock
from nesa_collab.meetings import services as meetings
from nesa_collab.network.models import Collaborative
from nesa_collab.permissions import SYSTEM
from tests.conftest import post_form


def _bangkok_planning_day(database, collab) -> None:
    """A planning meeting beside the Bangkok conference: 09:00–15:00 Bangkok time, 25 March 2027."""
    with database.transaction() as db:
        meeting = meetings.create_meeting(
            db, SYSTEM, db.get(Collaborative, collab.id), title="Librarians Core planning day", mode="face_to_face",
            time_zone="Asia/Bangkok", starts=datetime(2027, 3, 25, 9, 0), ends=datetime(2027, 3, 25, 15, 0),
            place="Lotus Room", conference="sec-2027")
        meetings.publish_meeting(db, SYSTEM, meeting)


BANGKOK_FIRST = "Thu 25 Mar 2027, 09:00–15:00 Bangkok time (04:00–10:00 your time, Europe/Athens)"


def _text(html: str) -> str:
    """A page's words as a reader sees them: tags dropped, spaces run together."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_s2_staff_home_shows_a_planning_meeting_in_the_conference_time_first_then_theirs(world, database, as_):
    clock.freeze(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    _bangkok_planning_day(database, world.collab)
    home = as_(world.staff).get("/").text  # Eleni works in Athens
    panel = home[home.index("Planning meetings beside conferences"):]
    assert BANGKOK_FIRST in _text(panel), _text(panel)[:3000]


def test_s2_the_conference_page_and_support_sheet_lead_with_the_conference_time(world, database, as_):
    clock.freeze(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    _bangkok_planning_day(database, world.collab)
    staff = as_(world.staff)
    assert BANGKOK_FIRST in _text(staff.get("/conferences/sec-2027").text)
    assert BANGKOK_FIRST in _text(staff.get("/conferences/sec-2027/support").text)
    sheet = staff.get("/conferences/sec-2027/run-sheet").text
    assert "<td>09:00–15:00</td>" in sheet and "Bangkok time" in sheet


def test_s2_the_viewer_time_names_its_own_day_when_it_is_not_the_conference_day(world, database, as_, factory):
    clock.freeze(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    _bangkok_planning_day(database, world.collab)
    with database.transaction() as db:
        from nesa_collab.auth.models import Person
        db.get(Person, world.staff.id).time_zone = "America/New_York"
    page = _text(as_(world.staff).get("/conferences/sec-2027").text)
    assert ("Thu 25 Mar 2027, 09:00–15:00 Bangkok time (Wed 24 Mar 22:00–Thu 25 Mar 04:00 your time, "
            "America/New_York)") in page, page


def test_s2_a_viewer_in_the_conference_zone_sees_the_time_once(world, database, as_):
    clock.freeze(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    _bangkok_planning_day(database, world.collab)
    with database.transaction() as db:
        from nesa_collab.auth.models import Person
        db.get(Person, world.staff.id).time_zone = "Asia/Bangkok"
    page = _text(as_(world.staff).get("/conferences/sec-2027").text)
    assert "Thu 25 Mar 2027, 09:00–15:00 Bangkok time" in page
    assert "your time" not in page


FORM = {"title": "Termly meeting, with guests", "mode": "virtual", "time_zone": "Africa/Cairo",
        "starts": "2027-01-12T05:00", "ends": "2027-01-12T06:30", "join_url": "https://meet.example.org/lib",
        "repeat": "none", "description": "Bring your plans; we compare notes.", "agenda_final_by": "2027-01-10"}


def _best_starts(html: str) -> list[str]:
    return re.findall(r'<button type="submit" name="use_start" value="([0-9T:-]+)"', html)


def test_m6_each_best_start_of_the_time_check_is_a_button_of_the_meeting_form(world, as_):
    clock.freeze(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    core = as_(world.core)
    checked = post_form(core, "/meetings/new", {**FORM, "collaborative": world.collab.slug, "check": "1"})
    assert checked.status_code == 200
    starts = _best_starts(checked.text)
    assert len(starts) == 3 and all(s.startswith("2027-01-12T") for s in starts)
    # The buttons sit inside the meeting form (no JavaScript), and do not ask the browser to validate it.
    form = checked.text[checked.text.index('<form method="post" class="wide">'):]
    assert form.index('name="use_start"') < form.index("</form>")
    assert re.search(r'name="use_start" value="[^"]+"[^>]*formnovalidate', form)


def test_m6_choosing_a_best_start_fills_the_form_and_keeps_what_was_typed(world, as_):
    clock.freeze(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    core = as_(world.core)
    typed = {**FORM, "collaborative": world.collab.slug}
    chosen = _best_starts(post_form(core, "/meetings/new", {**typed, "check": "1"}).text)[0]
    r = post_form(core, "/meetings/new", {**typed, "use_start": chosen})
    assert r.status_code == 200  # shown again, nothing saved
    # The start is the chosen one; the end keeps the meeting's length (an hour and a half).
    end = datetime.fromisoformat(chosen) + timedelta(minutes=90)
    assert f'id="f-starts" name="starts" type="datetime-local" value="{chosen}"' in r.text
    assert f'id="f-ends" name="ends" type="datetime-local" value="{end:%Y-%m-%dT%H:%M}"' in r.text
    for kept in ("Termly meeting, with guests", "https://meet.example.org/lib", "Bring your plans; we compare notes.",
                 "2027-01-10", "Africa/Cairo"):
        assert kept in r.text
    assert f'value="{world.collab.slug}" selected' in r.text
    # The aid is shown again for the chosen time.
    assert "The proposed time for" in r.text


def test_m6_a_best_start_fills_the_edit_form_too(world, act, as_):
    clock.freeze(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    m = act(world.core, meetings.create_meeting, world.collab, title="Monthly meeting", mode="virtual",
            time_zone="Africa/Cairo", starts=datetime(2027, 1, 12, 5, 0), ends=datetime(2027, 1, 12, 6, 0),
            join_url="https://meet.example.org/librarians")
    core = as_(world.core)
    edit = {"title": "Monthly meeting (renamed)", "mode": "virtual", "time_zone": "Africa/Cairo",
            "starts": "2027-01-12T05:00", "ends": "2027-01-12T06:00", "join_url": "https://meet.example.org/librarians",
            "repeat": "none"}
    chosen = _best_starts(post_form(core, f"/meetings/{m.id}/edit", {**edit, "check": "1"}).text)[0]
    r = post_form(core, f"/meetings/{m.id}/edit", {**edit, "use_start": chosen})
    assert r.status_code == 200 and "Monthly meeting (renamed)" in r.text
    assert f'value="{chosen}"' in r.text
    # Nothing saved: the title changes only with Save.
    assert "Monthly meeting (renamed)" not in as_(world.core).get(f"/meetings/{m.id}").text


def test_m6_a_use_start_that_is_not_a_time_keeps_the_form_as_typed(world, as_):
    clock.freeze(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    r = post_form(as_(world.core), "/meetings/new",
                  {**FORM, "collaborative": world.collab.slug, "use_start": "soon"})
    assert r.status_code == 200 and 'value="2027-01-12T05:00"' in r.text and 'value="2027-01-12T06:30"' in r.text
