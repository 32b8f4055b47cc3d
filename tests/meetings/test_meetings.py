"""M1–M4, M6, S1, S2 and the cross-zone aid: rules through the services, journeys through HTTP."""

from __future__ import annotations

import re

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from nesa_collab import clock
from nesa_collab.audit.models import AuditEntry
from nesa_collab.errors import DomainError, PermissionDenied
from nesa_collab.permissions import SYSTEM
from nesa_collab.meetings import agendas, minutes as meeting_minutes, planning, scheduling, services as meetings
from nesa_collab.meetings.models import Meeting

from ..conftest import post_form
from .conftest import virtual

UTC = timezone.utc


def _get(act, meeting_id):
    return act(None, lambda db, _a: meetings.get_meeting(db, SYSTEM, meeting_id))


def test_s2_face_to_face_meeting_the_day_before_a_conference_is_a_planning_meeting(world, act):
    m = act(world.core, meetings.create_meeting, world.collab, title="Math planning", mode="face_to_face",
            time_zone="Asia/Bangkok", starts=datetime(2027, 3, 25, 9, 0), ends=datetime(2027, 3, 25, 16, 0),
            place="Grand Riverside Hotel", conference="sec-2027")
    assert m.is_planning and m.starts_at == datetime(2027, 3, 25, 2, 0, tzinfo=UTC)
    far = act(world.core, meetings.create_meeting, world.collab, title="Later", mode="face_to_face",
              time_zone="Asia/Bangkok", starts=datetime(2027, 4, 2, 9, 0), ends=datetime(2027, 4, 2, 12, 0),
              place="Hotel", conference="sec-2027")
    online = act(world.core, meetings.create_meeting, world.collab, **virtual(conference="sec-2027",
                 time_zone="Asia/Bangkok", starts=datetime(2027, 3, 30, 9, 0), ends=datetime(2027, 3, 30, 10, 0)))
    assert not far.is_planning and not online.is_planning


def test_m1_a_wall_time_skipped_by_daylight_saving_is_refused(world, act):
    with pytest.raises(DomainError) as exc:
        act(world.core, meetings.create_meeting, world.collab, **virtual(
            time_zone="Europe/Athens", starts=datetime(2027, 3, 28, 3, 30), ends=datetime(2027, 3, 28, 4, 30)))
    assert exc.value.rule == "M1" and exc.value.field == "starts"


def test_m1_virtual_needs_a_join_link_and_ends_after_it_starts(world, act):
    with pytest.raises(DomainError) as exc:
        act(world.core, meetings.create_meeting, world.collab, **virtual(join_url=""))
    assert exc.value.field == "join_url"
    with pytest.raises(DomainError) as exc:
        act(world.core, meetings.create_meeting, world.collab, **virtual(ends=datetime(2027, 1, 12, 15, 0)))
    assert exc.value.field == "ends"


def test_m2_draft_published_cancelled_and_every_change_audited(world, act, database):
    m = act(world.core, meetings.create_meeting, world.collab, **virtual())
    with pytest.raises(DomainError):
        act(world.core, meetings.cancel_meeting, _get(act, m.id))  # a draft is deleted, not cancelled
    act(world.core, meetings.publish_meeting, _get(act, m.id))
    with pytest.raises(DomainError):
        act(world.core, meetings.publish_meeting, _get(act, m.id))
    act(world.core, meetings.cancel_meeting, _get(act, m.id), "no quorum")
    with pytest.raises(DomainError):
        act(world.core, meetings.update_meeting, _get(act, m.id), title="Again")
    with database.transaction() as db:
        actions = db.scalars(select(AuditEntry.action).where(AuditEntry.subject_type == "Meeting")
                             .order_by(AuditEntry.id)).all()
    assert actions == ["meeting.create", "meeting.publish", "meeting.cancel"]


def test_m1_only_that_core_or_the_dpl_schedules(world, act):
    with pytest.raises(PermissionDenied):
        act(world.other_core, meetings.create_meeting, world.collab, **virtual())
    with pytest.raises(PermissionDenied):
        act(world.member, meetings.create_meeting, world.collab, **virtual())
    assert act(world.dpl, meetings.create_meeting, world.collab, **virtual()).id


def test_m3_only_that_core_edits_the_agenda(world, act):
    m = act(world.core, meetings.create_meeting, world.collab, **virtual())
    act(world.core, agendas.add_agenda_item, _get(act, m.id), title="Welcome", minutes=5)
    for outsider in (world.other_core, world.member, world.staff):
        with pytest.raises(PermissionDenied):
            act(outsider, agendas.add_agenda_item, _get(act, m.id), title="Mine", minutes=5)


def test_m3_items_reorder_and_total_against_length_warns(world, act):
    m = act(world.core, meetings.create_meeting, world.collab, title="Planning", mode="face_to_face",
            time_zone="Asia/Bangkok", starts=datetime(2027, 3, 25, 9, 0), ends=datetime(2027, 3, 25, 16, 0),
            place="Hotel", conference="sec-2027")
    ids = [act(world.core, agendas.add_agenda_item, _get(act, m.id), title=f"Item {n}", minutes=65,
               presenter="Omar").id for n in range(1, 7)]
    meeting = _get(act, m.id)
    summary = agendas.agenda_summary(meeting)
    assert (summary.total, summary.length, summary.warning) == (390, 420, None)
    act(world.core, agendas.move_agenda_item, _get(act, m.id), ids[2], "up")
    act(world.core, agendas.reorder_agenda, _get(act, m.id), [ids[5], ids[0], ids[2], ids[1], ids[3], ids[4]])
    meeting = _get(act, m.id)
    assert [i.title for i in meeting.agenda] == ["Item 6", "Item 1", "Item 3", "Item 2", "Item 4", "Item 5"]
    assert [i.position for i in meeting.agenda] == list(range(6))
    act(world.core, agendas.add_agenda_item, _get(act, m.id), title="Lunch", minutes=60)
    summary = agendas.agenda_summary(_get(act, m.id))
    assert summary.over and summary.warning.startswith("M3:") and "450" in summary.warning
    with pytest.raises(DomainError):
        act(world.core, agendas.update_agenda_timeline, _get(act, m.id), date(2027, 3, 26))
    act(world.core, agendas.update_agenda_timeline, _get(act, m.id), date(2027, 3, 11))


def test_m3_agenda_over_length_warns_on_the_page(world, act, as_):
    m = act(world.core, meetings.create_meeting, world.collab, **virtual())
    client = as_(world.core)
    r = post_form(client, f"/meetings/{m.id}/agenda", {"op": "add", "title": "Long talk", "minutes": "75"},
                  follow_redirects=True)
    assert "M3: the agenda allots 75 minutes but the meeting lasts 60" in r.text
    (banner,) = re.findall(r'<div class="flash ([a-z]+)" role="status">[^<]*allots 75 minutes', r.text)
    assert banner == "warning"  # not a green "success"
    other = as_(world.other_core)
    assert post_form(other, f"/meetings/{m.id}/agenda", {"op": "add", "title": "x", "minutes": "5"}).status_code in (403, 404)


def test_m3_the_agenda_page_with_several_items_keeps_its_ids_unique_and_each_label_on_its_field(world, act, as_):
    m = act(world.core, meetings.create_meeting, world.collab, **virtual())
    client = as_(world.core)
    for title in ("Welcome", "Data review"):
        post_form(client, f"/meetings/{m.id}/agenda", {"op": "add", "title": title, "minutes": "10"})
    page = client.get(f"/meetings/{m.id}/agenda").text
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert all(target in ids for target in re.findall(r'<label for="([^"]+)"', page))
    assert page.count('name="title"') == 3  # each item's form and the new item's


def test_m4_the_minutes_form_marks_everyone_not_marked_present_in_one_go(world, act, as_, database):
    m = act(world.core, meetings.create_meeting, world.collab, **virtual())
    act(world.core, meetings.publish_meeting, _get(act, m.id))
    clock.freeze(datetime(2027, 1, 12, 16, 30, tzinfo=UTC))
    core = as_(world.core)
    page = core.get(f"/meetings/{m.id}/minutes")
    assert "Everyone not marked above was present" in page.text
    occurrence = re.search(r"occurrence=([0-9T:-]+)", page.text).group(1)
    r = post_form(core, f"/meetings/{m.id}/minutes?occurrence={occurrence}",
                  {"minutes": "We met.", "rest_present": "1", f"attendance-{world.member.id}": "apologies"})
    assert r.status_code == 303, r.text
    with database.session(write=False) as db:
        sheet = meeting_minutes.attendance_of(db, SYSTEM, db.get(Meeting, m.id), db.get(Meeting, m.id).local_start)
    assert sheet[world.member.id] == "apologies"
    assert sheet[world.core.id] == "present" and set(sheet.values()) == {"present", "apologies"}


def test_m4_minutes_and_attendance_after_the_meeting(world, act):
    m = act(world.core, meetings.create_meeting, world.collab, **virtual())
    act(world.core, meetings.publish_meeting, _get(act, m.id))
    with pytest.raises(DomainError):
        act(world.core, meeting_minutes.record_minutes, _get(act, m.id), "x", {}, now=datetime(2027, 1, 1, tzinfo=UTC))
    act(world.core, meeting_minutes.record_minutes, _get(act, m.id), "We agreed.", {world.member.id: "present",
        world.core.id: "present"}, now=datetime(2027, 1, 12, 15, 30, tzinfo=UTC))
    meeting = _get(act, m.id)
    row = act(world.member, lambda db, a: meeting_minutes.minutes_of(db, a, db.merge(meeting), meeting.local_start))
    assert row.text == "We agreed." and row.recorded_by_id == world.core.id
    count = act(world.staff, lambda db, a: planning.headcounts(db, a, [db.merge(meeting)]))[meeting.id]
    assert (count.count, count.source) == (2, "attended")


def test_scenario_3_the_aid_shows_local_times_warns_and_suggests_16_cairo(world):
    people = [scheduling.Attendee("a", "Asia/Dubai"), scheduling.Attendee("b", "Asia/Kolkata"),
              scheduling.Attendee("c", "Asia/Kathmandu"), scheduling.Attendee("d", "Asia/Dhaka", frozenset({4, 5})),
              scheduling.Attendee("e", "Africa/Cairo", frozenset({4, 5}))]
    starts = datetime(2027, 1, 12, 18, 0).replace(tzinfo=__import__("zoneinfo").ZoneInfo("Africa/Cairo"))
    groups = scheduling.zone_table(people, starts, starts.replace(hour=19))
    local = {g.zone: g.local_start.strftime("%H:%M") for g in groups}
    assert local == {"Africa/Cairo": "18:00", "Asia/Dubai": "20:00", "Asia/Kolkata": "21:30",
                     "Asia/Kathmandu": "21:45", "Asia/Dhaka": "22:00"}
    # past 21:00 local: New Delhi, Kathmandu, Dhaka (Dubai ends at 21:00 exactly, which is fine)
    assert sum(g.outside for g in groups) == 3
    best = scheduling.suggest(people, date(2027, 1, 12), "Africa/Cairo", 60)
    assert best[0].local_start.strftime("%H:%M") == "16:00" and best[0].outside == 0


def test_n1_the_weekend_is_the_schools(world):
    friday = datetime(2027, 1, 15, 10, 0, tzinfo=UTC)
    people = [scheduling.Attendee("cairo", "Africa/Cairo", frozenset({4, 5})), scheduling.Attendee("delhi", "Asia/Kolkata",
                                                                                                  frozenset({5, 6}))]
    groups = {g.zone: g for g in scheduling.zone_table(people, friday, friday.replace(hour=11))}
    assert groups["Africa/Cairo"].on_weekend == 1 and groups["Asia/Kolkata"].on_weekend == 0


def test_m1_scheduling_a_meeting_in_the_past_is_saved_with_a_warning(world, as_):
    clock.freeze(datetime(2027, 2, 1, 8, 0, tzinfo=UTC))
    core = as_(world.core)
    form = {"collaborative": world.collab.slug, "title": "Catch-up", "mode": "virtual", "time_zone": "Asia/Bangkok",
            "join_url": "https://meet.example.org/x", "repeat": "none"}
    future = post_form(core, "/meetings/new", {**form, "starts": "2027-02-10T09:00", "ends": "2027-02-10T10:00"},
                       follow_redirects=True)
    assert future.status_code == 200 and "starts in the past" not in future.text
    past = post_form(core, "/meetings/new", {**form, "starts": "2027-01-20T09:00", "ends": "2027-01-20T10:00"},
                     follow_redirects=True)
    assert past.status_code == 200 and "saved as a draft" in past.text
    assert re.search(r'<div class="flash warning" role="status">It starts in the past', past.text)


def test_journey_core_member_schedules_writes_agenda_publishes_and_a_member_sees_local_time(world, as_, factory):
    clock.freeze(datetime(2027, 2, 1, 8, 0, tzinfo=UTC))
    for name in ("Karen Whitfield", "Andrew Foster"):
        factory.core_member(factory.educator(name=name), world.collab, date(2026, 8, 1), date(2028, 7, 31))
    core = as_(world.core)
    form = {"collaborative": world.collab.slug, "title": "Math planning", "mode": "face_to_face",
            "time_zone": "Asia/Bangkok", "starts": "2027-03-25T09:00", "ends": "2027-03-25T16:00",
            "place": "Grand Riverside Hotel", "conference": "sec-2027", "repeat": "none"}
    r = post_form(core, "/meetings/new", {**form, "check": "1"})
    assert r.status_code == 200 and "Asia/Kathmandu" in r.text and "07:45" in r.text
    r = post_form(core, "/meetings/new", form)
    assert r.status_code == 303, r.text
    url = r.headers["location"]
    mid = int(url.rsplit("/", 1)[1])
    assert post_form(core, f"/meetings/{mid}/agenda", {"op": "add", "title": "Goals", "minutes": "60",
                                                      "presenter": "Omar"}).status_code == 303
    assert post_form(core, f"/meetings/{mid}/publish").status_code == 303
    page = as_(world.member).get(url)  # New Delhi
    assert "Thu 25 Mar 2027, 07:30" in page.text and "Asia/Bangkok" in page.text and "planning meeting" in page.text
    staff = as_(world.staff).get("/conferences/sec-2027")
    # S2: the figure itself: the Librarians Core on 25 March is Omar and the two appointed above.
    assert '<td class="num">3 <span class="meta" title="Nobody has answered yet: the size of the Core">(Core size)</span></td>' in staff.text
    assert '<td class="num">3' not in as_(world.member).get("/conferences/sec-2027").text
    assert as_(world.member).get(f"/meetings/{mid}/edit").status_code == 403
    printable = as_(world.member).get(f"/meetings/{mid}/agenda/print")
    assert "Goals" in printable.text and "09:00" in printable.text


def test_m2_a_draft_is_never_shown_to_others(world, act, as_, client):
    m = act(world.core, meetings.create_meeting, world.collab, **virtual(title="Hidden draft"))
    assert client.get(f"/meetings/{m.id}").status_code == 404
    assert as_(world.member).get(f"/meetings/{m.id}").status_code == 404
    assert as_(world.core).get(f"/meetings/{m.id}").status_code == 200
    assert "Hidden draft" not in client.get("/meetings").text
    assert "Hidden draft" not in client.get("/api/v1/meetings?from=2026-01-01T00:00:00Z").text


def test_api_creates_a_series_and_moves_an_occurrence(world, factory, client):
    token = factory.token(world.core)
    h = {"Authorization": f"Bearer {token}"}
    body = {"collaborative": world.collab.slug, "title": "Librarians monthly", "mode": "virtual",
            "time_zone": "Africa/Cairo", "starts": "2027-01-12T16:00", "ends": "2027-01-12T17:00",
            "join_url": "https://meet.example.org/l", "repeat": "monthly_weekday", "repeat_until": "2027-06-30"}
    r = client.post("/api/v1/meetings", json=body, headers=h)
    assert r.status_code == 201, r.text
    mid = r.json()["id"]
    assert r.json()["rrule"] == "FREQ=MONTHLY;BYDAY=+2TU"
    r = client.post(f"/api/v1/meetings/{mid}/occurrences", headers=h,
                    json={"original_start": "2027-04-13T16:00", "action": "move", "starts": "2027-04-14T16:00"})
    assert r.status_code == 200, r.text
    assert [o["status"] for o in r.json()].count("moved") == 1
    r = client.put(f"/api/v1/meetings/{mid}/agenda", headers=h, json={"items": [
        {"title": "News", "minutes": 20}, {"title": "Book study", "minutes": 50}]})
    assert r.json()["warning"].startswith("M3") and r.json()["total_minutes"] == 70
    r = client.get("/api/v1/openapi.json").json()
    assert "/meetings/{meeting_id}/agenda" in r["paths"] and "/feed-tokens" in r["paths"]


def test_meetings_pages_queries_do_not_grow_with_data(world, act, as_, count_queries):
    clock.freeze(datetime(2026, 12, 1, 8, 0, tzinfo=UTC))

    def add(n):
        made = []
        for i in range(n):
            m = act(world.core, meetings.create_meeting, world.collab, **virtual(
                title=f"M{i}", starts=datetime(2027, 1, 5 + i, 16, 0), ends=datetime(2027, 1, 5 + i, 17, 0),
                rrule="FREQ=WEEKLY;COUNT=3" if i % 2 else None))
            act(world.core, agendas.add_agenda_item, _get(act, m.id), title="x", minutes=5)
            act(world.core, meetings.publish_meeting, _get(act, m.id))
            made.append(m)
            # S2: planning meetings beside the conference, so the headcount path is measured too
            p = act(world.core, meetings.create_meeting, world.collab, title=f"P{i}", mode="face_to_face",
                    time_zone="Asia/Bangkok", starts=datetime(2027, 3, 25, 9, 0), ends=datetime(2027, 3, 25, 16, 0),
                    place="Grand Riverside Hotel", conference="sec-2027")
            act(world.core, meetings.publish_meeting, _get(act, p.id))
            if i % 2:
                act(world.core, meeting_minutes.record_minutes, _get(act, p.id), "", {world.core.id: "present"},
                    now=datetime(2027, 3, 25, 3, 0, tzinfo=UTC))
        return made

    first = add(2)
    core, staff = as_(world.core), as_(world.staff)
    urls = [(core, "/"), (staff, "/"), (core, "/meetings"), (core, f"/meetings/{first[0].id}"),
            (core, f"/collaboratives/{world.collab.slug}"), (staff, "/conferences/sec-2027"), (core, "/calendars"),
            (core, f"/meetings/{first[0].id}/agenda")]

    def measure():
        out = []
        for c, u in urls:
            c.get(u)
            with count_queries() as counter:
                assert c.get(u).status_code == 200, u
            out.append(counter.count)
        return out

    small = measure()
    # the headcount path is on the page measured: a figure for each planning meeting
    assert staff.get("/conferences/sec-2027").text.count('<td class="num">1') == 2
    add(6)
    assert measure() == small
    assert staff.get("/conferences/sec-2027").text.count('<td class="num">1') == 8


def test_m1_recurrence_rules_read_as_words():
    from nesa_collab.meetings.times import describe_rule

    assert describe_rule("FREQ=MONTHLY;BYDAY=+2TU") == "monthly on the second Tuesday"
    assert describe_rule("FREQ=WEEKLY;INTERVAL=2;BYDAY=WE;COUNT=6") == "fortnightly on Wednesday, 6 times"
    assert describe_rule("FREQ=MONTHLY;BYDAY=-1FR") == "monthly on the last Friday"
    assert describe_rule("FREQ=DAILY;BYHOUR=9,15") == "FREQ=DAILY;BYHOUR=9,15"  # unusual: shown as it is
