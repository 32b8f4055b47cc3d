"""Review fixes: editing a series keeps its moved and cancelled occurrences attached (M1, M5), SEQUENCE
per event (M5), minutes of a series (M4), agenda items linked to plan milestones (M3), who sees
minutes (M4), and the smaller page and API fixes (M2, M5, M6, S1)."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest
import recurring_ical_events
from icalendar import Calendar
from sqlalchemy import func, select

from nesa_collab import clock
from nesa_collab.audit.models import AuditEntry
from nesa_collab.errors import DomainError
from nesa_collab.permissions import SYSTEM
from nesa_collab.meetings import agendas, minutes as meeting_minutes, services as meetings, times
from nesa_collab.meetings.models import (Attendance, Conference, MeetingMinutes)
from nesa_collab.plans.models import Plan, PlanMilestone, PlanTemplate

from ..conftest import post_form
from .conftest import virtual

UTC = timezone.utc


def _get(act, meeting_id):
    return act(None, lambda db, _a: meetings.get_meeting(db, SYSTEM, meeting_id))


def _series(act, w, **kw):
    """Librarians monthly, second Tuesday 16:00 Cairo, six times; April moved to the Wednesday, May cancelled."""
    m = act(w.core, meetings.create_meeting, w.collab, **virtual(title="Librarians monthly",
                                                                 rrule="FREQ=MONTHLY;BYDAY=+2TU;COUNT=6", **kw))
    act(w.core, meetings.publish_meeting, _get(act, m.id))
    act(w.core, meetings.change_occurrence, _get(act, m.id), datetime(2027, 4, 13, 16, 0),
        starts=datetime(2027, 4, 14, 16, 0), note="room clash")
    act(w.core, meetings.change_occurrence, _get(act, m.id), datetime(2027, 5, 11, 16, 0), cancel=True)
    return m.id


def _feed(client, w) -> Calendar:
    return Calendar.from_ical(client.get(f"/calendars/collaboratives/{w.collab.slug}.ics").text)


def _expanded(cal: Calendar, uid: str) -> list[datetime]:
    found = [e for e in recurring_ical_events.of(cal).between(datetime(2027, 1, 1, tzinfo=UTC),
                                                               datetime(2028, 1, 1, tzinfo=UTC))
             if str(e["UID"]) == uid]
    return sorted(e["DTSTART"].dt.astimezone(UTC) for e in found)


def _utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _audit_count(database, action: str) -> int:
    with database.session(write=False) as db:
        return db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


# --- M1/M5: editing a series --------------------------------------------------------------------

def test_m1_changing_a_series_time_of_day_rebases_its_moved_and_cancelled_occurrences(world, act, client):
    mid = _series(act, world)
    uid = f"meeting-{mid}@testserver"
    act(world.core, meetings.update_meeting, _get(act, mid), starts=datetime(2027, 1, 12, 17, 0),
        ends=datetime(2027, 1, 12, 18, 0))
    # 17:00 Cairo: UTC+2 until Egypt's summer time on 30 April 2027, UTC+3 after.
    assert _expanded(_feed(client, world), uid) == [
        _utc(2027, 1, 12, 15), _utc(2027, 2, 9, 15), _utc(2027, 3, 9, 15),
        _utc(2027, 4, 14, 15),  # the move went along: Wednesday, now 17:00; shown once
        # 11 May stays cancelled
        _utc(2027, 6, 8, 14)]
    occ = {o.original_start: o for o in _get(act, mid).occurrences}
    assert set(occ) == {datetime(2027, 4, 13, 17, 0), datetime(2027, 5, 11, 17, 0)}
    moved = occ[datetime(2027, 4, 13, 17, 0)]
    assert (moved.local_start, moved.starts_at) == (datetime(2027, 4, 14, 17, 0), _utc(2027, 4, 14, 15))


def test_m1_changing_a_series_zone_keeps_wall_times_and_rederives_the_moved_instant(world, act, client):
    mid = _series(act, world)
    act(world.core, meetings.update_meeting, _get(act, mid), time_zone="Asia/Dubai")
    moved = next(o for o in _get(act, mid).occurrences if o.status == "moved")
    assert moved.starts_at == _utc(2027, 4, 14, 12)  # 16:00 in Dubai (UTC+4), not Cairo's instant
    assert _expanded(_feed(client, world), f"meeting-{mid}@testserver") == [
        _utc(2027, 1, 12, 12), _utc(2027, 2, 9, 12), _utc(2027, 3, 9, 12), _utc(2027, 4, 14, 12), _utc(2027, 6, 8, 12)]


def test_m1_a_new_rule_or_first_day_drops_only_the_occurrences_it_no_longer_generates(world, act, client, database):
    mid = _series(act, world)
    uid = f"meeting-{mid}@testserver"
    # Starting a month later: April's move and May's cancellation are still occurrences of the series.
    act(world.core, meetings.update_meeting, _get(act, mid), starts=datetime(2027, 2, 9, 16, 0),
        ends=datetime(2027, 2, 9, 17, 0))
    assert _expanded(_feed(client, world), uid) == [
        _utc(2027, 2, 9, 14), _utc(2027, 3, 9, 14), _utc(2027, 4, 14, 14), _utc(2027, 6, 8, 13), _utc(2027, 7, 13, 13)]
    # Three occurrences: May's cancellation no longer belongs to the series and is dropped (and audited).
    act(world.core, meetings.update_meeting, _get(act, mid), rrule="FREQ=MONTHLY;BYDAY=+2TU;COUNT=3")
    assert [(o.original_start, o.status) for o in _get(act, mid).occurrences] == [
        (datetime(2027, 4, 13, 16, 0), "moved")]
    assert _expanded(_feed(client, world), uid) == [_utc(2027, 2, 9, 14), _utc(2027, 3, 9, 14), _utc(2027, 4, 14, 14)]
    with database.session(write=False) as db:
        last = db.scalars(select(AuditEntry).where(AuditEntry.action == "meeting.update")
                          .order_by(AuditEntry.id.desc())).first()
    assert "11 May 2027" in last.summary and last.after["dropped_occurrences"] == ["2027-05-11T16:00:00"]


def test_m1_a_refused_series_edit_writes_nothing(world, act, database):
    mid = _series(act, world)
    before = [(o.original_start, o.status, o.starts_at) for o in _get(act, mid).occurrences]
    updates = _audit_count(database, "meeting.update")
    with pytest.raises(DomainError) as exc:  # a Wednesday is not a second Tuesday
        act(world.core, meetings.update_meeting, _get(act, mid), starts=datetime(2027, 1, 13, 17, 0),
            ends=datetime(2027, 1, 13, 18, 0))
    assert exc.value.rule == "M1" and exc.value.field == "starts"
    m = _get(act, mid)
    assert m.local_start == datetime(2027, 1, 12, 16, 0)
    assert [(o.original_start, o.status, o.starts_at) for o in m.occurrences] == before
    assert _audit_count(database, "meeting.update") == updates


# --- M5: SEQUENCE ---------------------------------------------------------------------------------

def _sequences(cal: Calendar, uid: str) -> dict[str, int]:
    out = {}
    for e in cal.walk("VEVENT"):
        if str(e["UID"]) == uid:
            key = "master" if "RECURRENCE-ID" not in e else e["RECURRENCE-ID"].dt.strftime("%Y-%m-%d")
            out[key] = int(e["SEQUENCE"])
    return out


def test_m5_moving_an_occurrence_bumps_only_its_own_sequence_and_cancelling_bumps_the_master(world, act, client):
    m = act(world.core, meetings.create_meeting, world.collab, **virtual(rrule="FREQ=MONTHLY;BYDAY=+2TU;COUNT=6"))
    act(world.core, meetings.publish_meeting, _get(act, m.id))
    uid = f"meeting-{m.id}@testserver"
    master = _sequences(_feed(client, world), uid)["master"]
    act(world.core, meetings.change_occurrence, _get(act, m.id), datetime(2027, 4, 13, 16, 0),
        starts=datetime(2027, 4, 14, 16, 0))
    after_move = _sequences(_feed(client, world), uid)
    assert after_move["master"] == master
    assert after_move["2027-04-13"] == master + 1
    act(world.core, meetings.change_occurrence, _get(act, m.id), datetime(2027, 4, 13, 16, 0),
        starts=datetime(2027, 4, 14, 15, 0))
    assert _sequences(_feed(client, world), uid) == {"master": master, "2027-04-13": master + 2}
    act(world.core, meetings.change_occurrence, _get(act, m.id), datetime(2027, 5, 11, 16, 0), cancel=True)
    assert _sequences(_feed(client, world), uid) == {"master": master + 1, "2027-04-13": master + 2}
    # A change to the series shows in the moved occurrence too: both go up.
    act(world.core, meetings.update_meeting, _get(act, m.id), title="Librarians (new name)")
    after_edit = _sequences(_feed(client, world), uid)
    assert after_edit["master"] == master + 2 and after_edit["2027-04-13"] > master + 2


def test_m5_editing_one_meeting_leaves_other_events_sequence_alone(world, act, client):
    mid = _series(act, world)
    other = act(world.core, meetings.create_meeting, world.collab, **virtual(
        title="One-off", starts=datetime(2027, 2, 2, 16, 0), ends=datetime(2027, 2, 2, 17, 0)))
    act(world.core, meetings.publish_meeting, _get(act, other.id))
    series_uid = f"meeting-{mid}@testserver"
    before = _sequences(_feed(client, world), series_uid)
    act(world.core, meetings.update_meeting, _get(act, other.id), starts=datetime(2027, 2, 2, 15, 0),
        ends=datetime(2027, 2, 2, 16, 0))
    cal = _feed(client, world)
    assert _sequences(cal, series_uid) == before
    assert _sequences(cal, f"meeting-{other.id}@testserver")["master"] == 1


# --- M4: minutes and attendance per occurrence ------------------------------------------------------

JAN, FEB, MAR = datetime(2027, 1, 12, 16, 0), datetime(2027, 2, 9, 16, 0), datetime(2027, 3, 9, 16, 0)
APR, MAY = datetime(2027, 4, 13, 16, 0), datetime(2027, 5, 11, 16, 0)  # April's moved to the 14th; May's cancelled


def _minutes(database, meeting_id) -> dict[datetime, str]:
    with database.session(write=False) as db:
        return dict(db.execute(select(MeetingMinutes.occurrence_start, MeetingMinutes.text)
                               .where(MeetingMinutes.meeting_id == meeting_id)).all())


def _attendance(database, meeting_id) -> dict[tuple[datetime, int], str]:
    with database.session(write=False) as db:
        return {(k, p): s for k, p, s in db.execute(
            select(Attendance.occurrence_start, Attendance.person_id, Attendance.status)
            .where(Attendance.meeting_id == meeting_id))}


def test_m4_two_occurrences_of_a_monthly_series_keep_their_own_minutes_and_attendance(world, act, database):
    mid = _series(act, world)
    updated = _get(act, mid).updated_at
    act(world.core, meeting_minutes.record_minutes, _get(act, mid), "February: book list agreed.",
        {world.member.id: "present", world.core.id: "present"}, now=_utc(2027, 2, 10, 9), occurrence=FEB)
    act(world.core, meeting_minutes.record_minutes, _get(act, mid), "March: author visit planned.",
        {world.member.id: "apologies"}, now=_utc(2027, 3, 10, 9), occurrence=MAR)
    # January's, recorded late: an earlier occurrence is not replaced by a later one.
    act(world.core, meeting_minutes.record_minutes, _get(act, mid), "January: norms.", {}, now=_utc(2027, 3, 10, 9),
        occurrence=JAN)
    assert _minutes(database, mid) == {JAN: "January: norms.", FEB: "February: book list agreed.",
                                       MAR: "March: author visit planned."}
    assert _attendance(database, mid) == {(FEB, world.member.id): "present", (FEB, world.core.id): "present",
                                          (MAR, world.member.id): "apologies"}
    # Recording February's again replaces February's only; the audit entry has its before and after.
    act(world.core, meeting_minutes.record_minutes, _get(act, mid), "February (corrected).", {world.member.id: "absent"},
        now=_utc(2027, 3, 11, 9), occurrence=FEB)
    assert _minutes(database, mid)[MAR] == "March: author visit planned."
    assert _attendance(database, mid) == {(FEB, world.member.id): "absent", (MAR, world.member.id): "apologies"}
    with database.session(write=False) as db:
        last = db.scalars(select(AuditEntry).where(AuditEntry.action == "meeting.minutes")
                          .order_by(AuditEntry.id.desc())).first()
    assert last.before == {"occurrence": "2027-02-09T16:00:00", "minutes": "February: book list agreed.",
                           "attendance": {str(world.member.id): "present", str(world.core.id): "present"}}
    assert last.after["occurrence"] == "2027-02-09T16:00:00" and last.after["minutes"] == "February (corrected)."
    assert _audit_count(database, "meeting.minutes") == 4
    m = _get(act, mid)
    seen = act(world.member, lambda db, a: meeting_minutes.attendance_of(db, a, db.merge(m), MAR))
    assert seen == {world.member.id: "apologies"}
    assert m.updated_at == updated  # minutes are in no calendar: feeds and their ETags stay as they were


def test_m4_a_future_cancelled_or_unknown_occurrence_is_refused_and_nothing_is_written(world, act, database):
    mid = _series(act, world)
    feb_10 = _utc(2027, 2, 10, 9)
    refused = [
        (MAR, feb_10, "has not started yet"),
        (datetime(2027, 1, 13, 16, 0), feb_10, "no occurrence"),
        (MAY, _utc(2027, 5, 12), "cancelled"),
        (None, feb_10, "name the occurrence"),
    ]
    for occurrence, now, words in refused:
        with pytest.raises(DomainError) as exc:
            act(world.core, meeting_minutes.record_minutes, _get(act, mid), "Notes", {world.member.id: "present"},
                now=now, occurrence=occurrence)
        assert exc.value.rule == "M4" and exc.value.field == "occurrence" and words in str(exc.value), str(exc.value)
    draft = act(world.core, meetings.create_meeting, world.collab, **virtual())
    with pytest.raises(DomainError) as exc:
        act(world.core, meeting_minutes.record_minutes, _get(act, draft.id), "Notes", {}, now=_utc(2027, 2, 1))
    assert exc.value.rule == "M4"
    with database.session(write=False) as db:
        assert db.scalar(select(func.count()).select_from(MeetingMinutes)) == 0
        assert db.scalar(select(func.count()).select_from(Attendance)) == 0
    assert _audit_count(database, "meeting.minutes") == 0


def test_m4_a_moved_occurrence_keeps_its_minutes_key(world, act, database, as_, factory):
    mid = _series(act, world)
    with pytest.raises(DomainError, match="no occurrence"):  # named by where it moved to: not its key
        act(world.core, meeting_minutes.record_minutes, _get(act, mid), "April", {}, now=_utc(2027, 4, 15),
            occurrence=datetime(2027, 4, 14, 16, 0))
    with pytest.raises(DomainError, match="has not started yet"):  # its original time passed, its new one not
        act(world.core, meeting_minutes.record_minutes, _get(act, mid), "April", {}, now=_utc(2027, 4, 13, 15),
            occurrence=APR)
    act(world.core, meeting_minutes.record_minutes, _get(act, mid), "April: held on the Wednesday.",
        {world.member.id: "present"}, now=_utc(2027, 4, 15), occurrence=APR)
    assert _minutes(database, mid) == {APR: "April: held on the Wednesday."}
    # Moved again (the record was wrong: it was the Thursday): the minutes stay with it.
    act(world.core, meetings.change_occurrence, _get(act, mid), APR, starts=datetime(2027, 4, 15, 16, 0))
    assert _minutes(database, mid) == {APR: "April: held on the Wednesday."}
    assert _attendance(database, mid) == {(APR, world.member.id): "present"}
    h = {"Authorization": f"Bearer {factory.token(world.member)}"}
    got = as_().get(f"/api/v1/meetings/{mid}/minutes/2027-04-13T16:00", headers=h).json()
    assert got["occurrence"] == "2027-04-13T16:00:00" and got["status"] == "moved"
    assert got["starts_at"].startswith("2027-04-15T14:00") and got["minutes"] == "April: held on the Wednesday."
    # An occurrence that took place, with minutes, cannot be cancelled.
    with pytest.raises(DomainError) as exc:
        act(world.core, meetings.change_occurrence, _get(act, mid), APR, cancel=True)
    assert exc.value.rule == "M4" and "has minutes" in str(exc.value)


def test_m4_minutes_follow_their_occurrences_when_the_series_is_edited(world, act, database):
    mid = _series(act, world)
    act(world.core, meeting_minutes.record_minutes, _get(act, mid), "January", {world.member.id: "present"},
        now=_utc(2027, 2, 10), occurrence=JAN)
    act(world.core, meeting_minutes.record_minutes, _get(act, mid), "February", {world.member.id: "present"},
        now=_utc(2027, 2, 10), occurrence=FEB)
    # The series moves to 15:00: every occurrence's key moves by the same hour, as moved occurrences' do.
    act(world.core, meetings.update_meeting, _get(act, mid), starts=JAN.replace(hour=15), ends=JAN.replace(hour=16))
    jan, feb = JAN.replace(hour=15), FEB.replace(hour=15)
    assert _minutes(database, mid) == {jan: "January", feb: "February"}
    assert set(_attendance(database, mid)) == {(jan, world.member.id), (feb, world.member.id)}
    m = _get(act, mid)
    assert times.occurrence_at(m, feb).original_start == feb
    # An edit that would drop January's occurrence (the series starting in February) is refused.
    with pytest.raises(DomainError) as exc:
        act(world.core, meetings.update_meeting, _get(act, mid), starts=feb, ends=feb.replace(hour=16))
    assert exc.value.rule == "M4" and "12 Jan 2027" in str(exc.value)
    assert _get(act, mid).local_start == jan and _minutes(database, mid) == {jan: "January", feb: "February"}


def test_m4_a_single_meeting_s_minutes_move_with_it(world, act, database):
    m = act(world.core, meetings.create_meeting, world.collab, **virtual())
    act(world.core, meetings.publish_meeting, _get(act, m.id))
    act(world.core, meeting_minutes.record_minutes, _get(act, m.id), "Notes", {world.core.id: "present"},
        now=_utc(2027, 1, 12, 15))
    later = datetime(2027, 1, 12, 18, 0)  # the record said 16:00; it was held at 18:00
    act(world.core, meetings.update_meeting, _get(act, m.id), starts=later, ends=later.replace(hour=19))
    assert _minutes(database, m.id) == {later: "Notes"}
    assert _attendance(database, m.id) == {(later, world.core.id): "present"}


def test_m4_minutes_pages_and_api_per_occurrence(world, act, as_, client, factory, database):
    clock.freeze(_utc(2027, 2, 10, 9))
    mid = _series(act, world)
    core = as_(world.core)
    page = core.get(f"/meetings/{mid}/minutes")  # by default the latest occurrence that has started
    assert "Of the occurrence of" in page.text and "Tue 9 Feb 2027" in page.text
    assert f'/meetings/{mid}/minutes?occurrence=2027-02-09T16:00" class="wide">' in page.text
    r = post_form(core, f"/meetings/{mid}/minutes?occurrence=2027-03-09T16:00", {"minutes": "Too early"})
    assert r.status_code == 422 and "has not started yet" in r.text
    assert _minutes(database, mid) == {}
    for when, text in (("2027-02-09T16:00", "February notes"), ("2027-01-12T16:00", "January notes")):
        r = post_form(core, f"/meetings/{mid}/minutes?occurrence={when}",
                      {"minutes": text, f"attendance-{world.member.id}": "present"})
        assert r.status_code == 303, r.text
    assert _minutes(database, mid) == {FEB: "February notes", JAN: "January notes"}

    # The meeting page lists the past occurrences, each with a link to its own minutes.
    member = as_(world.member)
    page = member.get(f"/meetings/{mid}").text
    assert "Past occurrences" in page
    assert f"/meetings/{mid}/minutes?occurrence=2027-02-09T16:00" in page
    assert f"/meetings/{mid}/minutes?occurrence=2027-01-12T16:00" in page
    assert f"/meetings/{mid}/minutes?occurrence=2027-03-09T16:00" not in page  # still to come: no minutes yet
    january = member.get(f"/meetings/{mid}/minutes?occurrence=2027-01-12T16:00")
    assert january.status_code == 200 and "January notes" in january.text and "February notes" not in january.text
    assert "Tue 12 Jan 2027" in january.text and "Save minutes" not in january.text
    assert member.get(f"/meetings/{mid}/minutes?occurrence=2027-01-13T16:00").status_code == 404
    assert client.get(f"/meetings/{mid}/minutes?occurrence=2027-01-12T16:00",
                      follow_redirects=False).headers["location"].startswith("/sign-in")

    h = {"Authorization": f"Bearer {factory.token(world.member)}"}
    listed = client.get(f"/api/v1/meetings/{mid}/minutes", headers=h).json()
    assert [(x["occurrence"], x["minutes"]) for x in listed] == [("2027-01-12T16:00:00", "January notes"),
                                                                 ("2027-02-09T16:00:00", "February notes")]
    one = client.get(f"/api/v1/meetings/{mid}/minutes/2027-02-09T16:00", headers=h).json()
    assert one["minutes"] == "February notes" and one["attendance"] == [{"person_id": world.member.id,
                                                                          "status": "present"}]
    assert client.get(f"/api/v1/meetings/{mid}/minutes/2027-01-13T16:00", headers=h).status_code == 404
    hc = {"Authorization": f"Bearer {factory.token(world.core)}"}
    r = client.put(f"/api/v1/meetings/{mid}/minutes/2027-03-09T16:00", json={"minutes": "x"}, headers=hc)
    assert r.status_code == 422 and r.json()["rule"] == "M4"
    r = client.put(f"/api/v1/meetings/{mid}/minutes/next-tuesday", json={"minutes": "x"}, headers=hc)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "occurrence"
    r = client.put(f"/api/v1/meetings/{mid}/minutes/2027-02-09T16:00",
                   json={"minutes": "February, final", "attendance": [{"person_id": world.core.id}]}, headers=hc)
    assert r.status_code == 200 and r.json()["occurrence"] == "2027-02-09T16:00:00"
    assert r.json()["attendance"] == [{"person_id": world.core.id, "status": "present"}]
    assert _minutes(database, mid) == {FEB: "February, final", JAN: "January notes"}
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    put = paths["/meetings/{meeting_id}/minutes/{occurrence}"]["put"]
    assert put["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/MinutesIn")
    assert {p["name"] for p in put["parameters"] if p["in"] == "path"} == {"meeting_id", "occurrence"}


# --- M4: who sees minutes ---------------------------------------------------------------------------

def test_m4_minutes_are_for_signed_in_people_on_the_page_and_in_the_api(world, act, as_, client, factory):
    m = act(world.core, meetings.create_meeting, world.collab, **virtual())
    act(world.core, meetings.publish_meeting, _get(act, m.id))
    act(world.core, meeting_minutes.record_minutes, _get(act, m.id), "Confidential: budget talk.",
        {world.member.id: "present"}, now=_utc(2027, 1, 12, 15))
    assert client.get(f"/meetings/{m.id}").status_code == 200
    assert "Confidential: budget talk." not in client.get(f"/meetings/{m.id}").text
    assert client.get(f"/meetings/{m.id}/minutes", follow_redirects=False).headers["location"].startswith("/sign-in")
    # The API asks a visitor for a token, as the page asks them to sign in.
    assert client.get(f"/api/v1/meetings/{m.id}/minutes").status_code == 401
    assert client.get(f"/api/v1/meetings/{m.id}/minutes/2027-01-12T16:00").status_code == 401
    member = as_(world.member)
    assert "Confidential: budget talk." in member.get(f"/meetings/{m.id}").text
    assert "Confidential: budget talk." in member.get(f"/meetings/{m.id}/minutes").text
    h = {"Authorization": f"Bearer {factory.token(world.member)}"}
    assert client.get(f"/api/v1/meetings/{m.id}/minutes/2027-01-12T16:00",
                      headers=h).json()["minutes"] == "Confidential: budget talk."


# --- M3: agenda items and plan milestones ---------------------------------------------------------------

def _milestones(database, world) -> tuple[int, int]:
    """A milestone of a Librarians plan and one of a Mathematics plan."""
    with database.transaction() as db:
        template = db.scalar(select(PlanTemplate).order_by(PlanTemplate.version.desc()))
        if template is None:
            template = PlanTemplate(version=1, summary="tests")
            db.add(template)
            db.flush()
        ids = []
        for collab, title in ((world.collab, "Publish the shared reading list"), (world.other, "Run the math fair")):
            plan = Plan(collaborative_id=collab.id, template_id=template.id, title=f"{collab.name} plan",
                        first_year=2026, last_year=2027)
            db.add(plan)
            db.flush()
            ms = PlanMilestone(plan_id=plan.id, title=title, due_on=date(2027, 3, 1))
            db.add(ms)
            db.flush()
            ids.append(ms.id)
    return ids[0], ids[1]


def test_m3_an_item_advances_only_a_milestone_of_its_collaboratives_plans(world, act, database):
    own, foreign = _milestones(database, world)
    m = act(world.core, meetings.create_meeting, world.collab, **virtual())
    updates = _audit_count(database, "agenda.update")
    for bad in (foreign, 999_999):
        with pytest.raises(DomainError) as exc:
            act(world.core, agendas.add_agenda_item, _get(act, m.id), title="Fair", minutes=10, milestone_id=bad)
        assert exc.value.rule == "M3" and exc.value.field == "milestone_id"
    assert _get(act, m.id).agenda == [] and _audit_count(database, "agenda.update") == updates
    item = act(world.core, agendas.add_agenda_item, _get(act, m.id), title="Reading list", minutes=10,
               milestone_id=own)
    assert item.milestone_id == own
    with pytest.raises(DomainError):
        act(world.core, agendas.replace_agenda, _get(act, m.id), [{"title": "x", "minutes": 5, "milestone_id": foreign}],
            None)
    assert [(i.title, i.milestone_id) for i in _get(act, m.id).agenda] == [("Reading list", own)]


def test_m3_the_agenda_form_offers_the_milestones_and_the_pages_show_them(world, act, as_, database, factory, client):
    own, foreign = _milestones(database, world)
    m = act(world.core, meetings.create_meeting, world.collab, **virtual())
    core = as_(world.core)
    page = core.get(f"/meetings/{m.id}/agenda")
    assert f'<option value="{own}"' in page.text and "Publish the shared reading list" in page.text
    assert f'<option value="{foreign}"' not in page.text and "Run the math fair" not in page.text
    r = post_form(core, f"/meetings/{m.id}/agenda", {"op": "add", "title": "Fair", "minutes": "10",
                                                     "milestone_id": str(foreign)})
    assert r.status_code == 422 and "M3" in r.text
    assert _get(act, m.id).agenda == []
    r = post_form(core, f"/meetings/{m.id}/agenda", {"op": "add", "title": "Reading list", "minutes": "10",
                                                     "milestone_id": str(own)})
    assert r.status_code == 303
    act(world.core, meetings.publish_meeting, _get(act, m.id))
    member = as_(world.member)
    for c, url in ((member, f"/meetings/{m.id}"), (member, f"/meetings/{m.id}/agenda/print"),
                   (core, f"/meetings/{m.id}/agenda")):
        assert "Publish the shared reading list" in c.get(url).text, url
    # The API refuses a foreign milestone and writes nothing.
    h = {"Authorization": f"Bearer {factory.token(world.core)}"}
    r = client.put(f"/api/v1/meetings/{m.id}/agenda", headers=h,
                   json={"items": [{"title": "Fair", "minutes": 5, "milestone_id": foreign}]})
    assert r.status_code == 422 and "milestone_id" in r.text
    assert [i.title for i in _get(act, m.id).agenda] == ["Reading list"]


# --- smaller fixes ------------------------------------------------------------------------------------

def test_meeting_list_filters_visibility_in_sql_so_visitors_get_a_full_list(world, act, factory, client):
    clock.freeze(_utc(2026, 12, 1, 8))
    forming = factory.collaborative("Outdoor learning", status="forming")
    early = act(world.dpl, meetings.create_meeting, forming, **virtual(
        title="Forming weekly", starts=datetime(2026, 12, 7, 16, 0), ends=datetime(2026, 12, 7, 17, 0),
        rrule="FREQ=WEEKLY;COUNT=60"))
    act(world.dpl, meetings.publish_meeting, _get(act, early.id))
    later = act(world.core, meetings.create_meeting, world.collab, **virtual(title="Public librarians meeting"))
    act(world.core, meetings.publish_meeting, _get(act, later.id))
    page = client.get("/meetings")
    assert "Public librarians meeting" in page.text and "Forming weekly" not in page.text


def test_m2_a_draft_has_no_ics_file_even_for_its_editors(world, act, as_):
    m = act(world.core, meetings.create_meeting, world.collab, **virtual())
    assert as_(world.core).get(f"/meetings/{m.id}/calendar.ics").status_code == 404
    act(world.core, meetings.publish_meeting, _get(act, m.id))
    r = as_(world.core).get(f"/meetings/{m.id}/calendar.ics")
    assert r.status_code == 200 and "STATUS:CONFIRMED" in r.text


def test_m6_days_have_no_leading_zero_and_the_moved_note_names_the_zone(world, act, as_, client):
    mid = _series(act, world)
    clock.freeze(_utc(2027, 1, 1, 8))  # after the writes: entries are keyed by update times
    page = as_(world.member).get(f"/meetings/{mid}")
    assert "Tue 9 Feb 2027" in page.text and "Tue 09 Feb" not in page.text
    assert "from Tue 13 Apr 16:00 (Africa/Cairo)" in page.text
    text = client.get(f"/calendars/collaboratives/{world.collab.slug}.ics").text.replace("\r\n ", "")
    assert "Moved from Tue 13 Apr 16:00 (Africa/Cairo). room clash" in text


def test_m6_center_staff_see_planning_times_in_their_own_zone_too(world, act, as_):
    clock.freeze(_utc(2027, 2, 1, 8))
    m = act(world.core, meetings.create_meeting, world.collab, title="Planning", mode="face_to_face",
            time_zone="Asia/Bangkok", starts=datetime(2027, 3, 25, 9, 0), ends=datetime(2027, 3, 25, 16, 0),
            place="Grand Riverside Hotel", conference="sec-2027")
    act(world.core, meetings.publish_meeting, _get(act, m.id))
    home = as_(world.staff).get("/").text  # Eleni is in Europe/Athens
    # Issue 12 (13): the conference's own time first, hers second (09:00 Bangkok = 04:00 Athens).
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", home))
    assert "Thu 25 Mar 2027, 09:00–16:00 Bangkok time (04:00–11:00 your time, Europe/Athens)" in text


def test_find_a_time_refuses_a_length_under_one_minute(world, factory, client):
    h = {"Authorization": f"Bearer {factory.token(world.core)}"}
    for minutes in ("0", "-30"):
        r = client.get("/api/v1/meetings/find-a-time", headers=h, params={
            "collaborative": world.collab.slug, "starts": "2027-01-12T16:00", "time_zone": "Africa/Cairo",
            "minutes": minutes})
        assert r.status_code == 422 and "minutes" in r.text, r.text


def test_s1_center_staff_add_conferences_and_a_member_cannot(world, as_, factory, client, database):
    def count():
        with database.session(write=False) as db:
            return db.scalar(select(func.count()).select_from(Conference))

    form = {"name": "Winter Institute", "kind": "institute", "starts_on": "2027-01-20", "ends_on": "2027-01-22",
            "city": "Muscat", "country": "Oman", "time_zone": "Asia/Muscat"}
    start = count()
    member = as_(world.member)
    assert post_form(member, "/conferences/new", form).status_code == 403
    h = {"Authorization": f"Bearer {factory.token(world.member)}"}
    assert client.post("/api/v1/conferences", json=form, headers=h).status_code == 403
    assert count() == start  # refused: nothing written
    r = post_form(as_(world.staff), "/conferences/new", form)
    assert r.status_code == 303 and count() == start + 1
    h = {"Authorization": f"Bearer {factory.token(world.staff)}"}
    r = client.post("/api/v1/conferences", json={**form, "name": "Spring Institute", "starts_on": "2027-04-20",
                                                  "ends_on": "2027-04-21"}, headers=h)
    assert r.status_code == 201 and count() == start + 2
