"""M5: calendar feeds parsed back by a strict RFC 5545 parser (``ical``) and by ``icalendar``."""

from __future__ import annotations

from datetime import date, datetime, timezone

import re

import recurring_ical_events
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar

from nesa_collab.permissions import SYSTEM
from nesa_collab.meetings import agendas, feed_tokens, feeds, services as meetings

from ..conftest import post_form
from .conftest import virtual

UTC = timezone.utc


def _schedule(act, w):
    """A year's worth of shapes: Kathmandu's +05:45, both sides of Europe's DST change, a draft,
    a cancellation, and a monthly series with a moved and a cancelled occurrence."""
    made = {}
    m = act(w.core, meetings.create_meeting, w.collab, **virtual(
        title="Kathmandu check-in", time_zone="Asia/Kathmandu", starts=datetime(2027, 2, 3, 19, 0),
        ends=datetime(2027, 2, 3, 20, 0)))
    made["ktm"] = m.id
    for key, day in (("before_dst", 26), ("after_dst", 29)):
        m = act(w.core, meetings.create_meeting, w.collab, **virtual(
            title=f"Athens call {day}", time_zone="Europe/Athens", starts=datetime(2027, 3, day, 10, 0),
            ends=datetime(2027, 3, day, 11, 0)))
        made[key] = m.id
    m = act(w.core, meetings.create_meeting, w.collab, title="Planning day", mode="face_to_face",
            time_zone="Asia/Bangkok", starts=datetime(2027, 3, 25, 9, 0), ends=datetime(2027, 3, 25, 16, 0),
            place="Grand Riverside Hotel, Chao Phraya room", conference="sec-2027")
    made["planning"] = m.id
    m = act(w.core, meetings.create_meeting, w.collab, **virtual(title="Called off", starts=datetime(2027, 2, 16, 16, 0),
                                                                 ends=datetime(2027, 2, 16, 17, 0)))
    made["cancelled"] = m.id
    m = act(w.core, meetings.create_meeting, w.collab, **virtual(title="Librarians monthly",
                                                                 rrule="FREQ=MONTHLY;BYDAY=+2TU;COUNT=6"))
    made["series"] = m.id
    for key in made:
        act(w.core, meetings.publish_meeting, _get(act, made[key]))
    act(w.core, meetings.cancel_meeting, _get(act, made["cancelled"]), "the speaker is ill")
    series = _get(act, made["series"])
    act(w.core, meetings.change_occurrence, series, datetime(2027, 4, 13, 16, 0), starts=datetime(2027, 4, 14, 16, 0))
    act(w.core, meetings.change_occurrence, _get(act, made["series"]), datetime(2027, 5, 11, 16, 0), cancel=True)
    m = act(w.core, meetings.create_meeting, w.collab, **virtual(title="Secret draft", starts=datetime(2027, 2, 2, 16, 0),
                                                                 ends=datetime(2027, 2, 2, 17, 0)))
    made["draft"] = m.id
    return made


def _get(act, meeting_id):
    return act(None, lambda db, _a: meetings.get_meeting(db, SYSTEM, meeting_id))


def _events_by_uid(cal: Calendar) -> dict[str, list]:
    out: dict[str, list] = {}
    for e in cal.walk("VEVENT"):
        out.setdefault(str(e["UID"]), []).append(e)
    return out


def test_m5_collaborative_feed_parses_strictly_and_carries_every_published_meeting_once(world, act, client):
    made = _schedule(act, world)
    r = client.get(f"/calendars/collaboratives/{world.collab.slug}.ics")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/calendar; charset=utf-8"
    assert r.headers["etag"] and r.headers["last-modified"]

    strict = IcsCalendarStream.calendar_from_ics(r.text)  # raises on anything RFC 5545 forbids
    assert strict.prodid
    cal = Calendar.from_ical(r.text)
    assert cal["PRODID"] and cal["VERSION"] == "2.0" and "X-WR-CALNAME" in cal
    assert str(cal["REFRESH-INTERVAL"].to_ical().decode()) == "PT1H" and cal["X-PUBLISHED-TTL"] == "PT1H"
    assert "X-WR-TIMEZONE" not in cal
    events = _events_by_uid(cal)
    for e in cal.walk("VEVENT"):
        assert "DTSTAMP" in e and "UID" in e and "LAST-MODIFIED" in e and "SEQUENCE" in e
    host = "testserver"
    published = {k: v for k, v in made.items() if k != "draft"}
    for key, mid in published.items():
        uid = f"meeting-{mid}@{host}"
        masters = [e for e in events[uid] if "RECURRENCE-ID" not in e]
        assert len(masters) == 1, key
    assert f"meeting-{made['draft']}@{host}" not in events and "Secret draft" not in r.text  # M2
    # every TZID used (DTSTART, DTEND, EXDATE, RECURRENCE-ID, ...) has its VTIMEZONE, and no other is sent
    zones = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
    used = set(re.findall(r";TZID=([^;:]+)[;:]", r.text.replace("\r\n ", "")))
    assert used == zones == {"Asia/Kathmandu", "Europe/Athens", "Asia/Bangkok", "Africa/Cairo"}
    assert len(strict.events) == len(cal.walk("VEVENT"))


def test_m5_start_instants_are_right_in_utc_including_kathmandu_and_european_dst(world, act, client):
    made = _schedule(act, world)
    cal = Calendar.from_ical(client.get(f"/calendars/collaboratives/{world.collab.slug}.ics").text)
    events = _events_by_uid(cal)

    def start(key):
        return events[f"meeting-{made[key]}@testserver"][0]["DTSTART"].dt.astimezone(UTC)

    assert start("ktm") == datetime(2027, 2, 3, 13, 15, tzinfo=UTC)  # 19:00 at +05:45
    assert start("before_dst") == datetime(2027, 3, 26, 8, 0, tzinfo=UTC)  # EET, +02:00
    assert start("after_dst") == datetime(2027, 3, 29, 7, 0, tzinfo=UTC)  # EEST from 28 March, +03:00
    assert start("planning") == datetime(2027, 3, 25, 2, 0, tzinfo=UTC)  # 09:00 Bangkok
    # the strict parser agrees
    strict = IcsCalendarStream.calendar_from_ics(client.get(f"/calendars/collaboratives/{world.collab.slug}.ics").text)
    ktm = next(e for e in strict.events if e.uid == f"meeting-{made['ktm']}@testserver")
    assert ktm.dtstart.astimezone(UTC) == datetime(2027, 2, 3, 13, 15, tzinfo=UTC)


def test_m2_cancelled_meeting_stays_in_the_feed_as_cancelled(world, act, client):
    made = _schedule(act, world)
    url = f"/calendars/collaboratives/{world.collab.slug}.ics"
    uid = f"meeting-{made['ktm']}@testserver"
    before = _events_by_uid(Calendar.from_ical(client.get(url).text))[uid][0]
    act(world.core, meetings.cancel_meeting, _get(act, made["ktm"]), "no quorum")
    event = _events_by_uid(Calendar.from_ical(client.get(url).text))[uid][0]
    assert event["STATUS"] == "CANCELLED" and before["STATUS"] == "CONFIRMED"
    assert int(event["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    called_off = _events_by_uid(Calendar.from_ical(client.get(url).text))[f"meeting-{made['cancelled']}@testserver"][0]
    assert called_off["STATUS"] == "CANCELLED" and int(called_off["SEQUENCE"]) == 1  # published at 0, cancelled


def test_m5_recurring_series_expands_with_a_moved_and_a_cancelled_occurrence_across_cairo_dst(world, act, client):
    made = _schedule(act, world)
    text = client.get(f"/calendars/collaboratives/{world.collab.slug}.ics").text
    IcsCalendarStream.calendar_from_ics(text)
    cal = Calendar.from_ical(text)
    uid = f"meeting-{made['series']}@testserver"
    series = [e for e in recurring_ical_events.of(cal).between(datetime(2027, 1, 1, tzinfo=UTC),
                                                                datetime(2027, 7, 1, tzinfo=UTC))
              if str(e["UID"]) == uid]
    starts = sorted(e["DTSTART"].dt.astimezone(UTC) for e in series)
    assert starts == [
        datetime(2027, 1, 12, 14, 0, tzinfo=UTC),
        datetime(2027, 2, 9, 14, 0, tzinfo=UTC),
        datetime(2027, 3, 9, 14, 0, tzinfo=UTC),   # Europe's change in late March changes nothing here
        datetime(2027, 4, 14, 14, 0, tzinfo=UTC),  # moved to the Wednesday
        # 11 May: cancelled (EXDATE)
        datetime(2027, 6, 8, 13, 0, tzinfo=UTC),   # Egypt on summer time (UTC+3): still 16:00 in Cairo
    ]
    assert all(e["DTSTART"].dt.astimezone(__import__("zoneinfo").ZoneInfo("Africa/Cairo")).hour == 16 for e in series)
    raw = _events_by_uid(cal)[uid]
    assert any("RECURRENCE-ID" in e for e in raw) and any("EXDATE" in e for e in raw)


def test_m5_an_edit_bumps_sequence_and_keeps_the_uid(world, act, client):
    made = _schedule(act, world)
    url = f"/calendars/collaboratives/{world.collab.slug}.ics"
    first = client.get(url)
    before = _events_by_uid(Calendar.from_ical(first.text))[f"meeting-{made['ktm']}@testserver"][0]
    act(world.core, meetings.update_meeting, _get(act, made["ktm"]), starts=datetime(2027, 2, 3, 18, 0),
        ends=datetime(2027, 2, 3, 19, 0))
    second = client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert second.status_code == 200 and second.headers["etag"] != first.headers["etag"]
    after = _events_by_uid(Calendar.from_ical(second.text))[f"meeting-{made['ktm']}@testserver"][0]
    assert str(after["UID"]) == str(before["UID"])
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after["DTSTART"].dt.astimezone(UTC) == datetime(2027, 2, 3, 12, 15, tzinfo=UTC)


def test_m5_description_only_change_keeps_sequence_but_changes_last_modified(world, act, client):
    made = _schedule(act, world)
    url = f"/calendars/collaboratives/{world.collab.slug}.ics"
    before = _events_by_uid(Calendar.from_ical(client.get(url).text))[f"meeting-{made['ktm']}@testserver"][0]
    act(world.core, agendas.add_agenda_item, _get(act, made["ktm"]), title="Welcome", minutes=10, presenter="Omar")
    after = _events_by_uid(Calendar.from_ical(client.get(url).text))[f"meeting-{made['ktm']}@testserver"][0]
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"])
    assert "Welcome — Omar (10 min)" in str(after["DESCRIPTION"])
    assert "https://meet.example.org/librarians" in str(after["DESCRIPTION"])
    assert str(after["URL"]).endswith(f"/meetings/{made['ktm']}")


def test_m5_conditional_get_answers_304_and_unchanged_feeds_keep_their_etag(world, act, client):
    _schedule(act, world)
    url = f"/calendars/collaboratives/{world.collab.slug}.ics"
    first = client.get(url)
    feeds._CACHE.clear()  # build the bytes again from the data, not from the ETag-keyed cache
    again = client.get(url)
    assert again.headers["etag"] == first.headers["etag"] and again.content == first.content
    r = client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert r.status_code == 304 and r.content == b""
    r = client.get(url, headers={"If-Modified-Since": first.headers["last-modified"]})
    assert r.status_code == 304


def test_m5_person_feed_secret_link_revoked_or_unknown_is_404(world, act, client, settings):
    made = _schedule(act, world)
    row, secret = act(world.member, feed_tokens.issue_token, "person", world.member.id, settings.secret_key)
    url = f"/calendars/people/{secret}.ics"
    r = client.get(url)
    assert r.status_code == 200
    cal = Calendar.from_ical(r.text)
    uids = {str(e["UID"]) for e in cal.walk("VEVENT")}
    assert f"meeting-{made['ktm']}@testserver" in uids
    assert f"conference-{world.conference.id}@testserver" in uids  # features their collaborative
    IcsCalendarStream.calendar_from_ics(r.text)
    # regenerating stops the old link
    _, newer = act(world.member, feed_tokens.issue_token, "person", world.member.id, settings.secret_key)
    assert client.get(url).status_code == 404
    assert client.get(f"/calendars/people/{newer}.ics").status_code == 200
    row = act(world.member, lambda db, a: feed_tokens.active_token(db, a, "person", world.member.id))
    act(world.member, feed_tokens.revoke_token, row)
    gone = client.get(f"/calendars/people/{newer}.ics")
    unknown = client.get("/calendars/people/not-a-token.ics")
    assert gone.status_code == unknown.status_code == 404
    assert gone.text == unknown.text  # reveals nothing
    for r in (gone, unknown):  # a bare answer, not the site's page, that no client keeps
        assert r.headers["content-type"].startswith("text/plain") and "<html" not in r.text
        assert r.headers["cache-control"] == "no-store"


def test_m5_school_feed_secret_link_revoked_or_unknown_is_a_bare_404(world, act, client, settings):
    school_id = world.core.school_id
    _, secret = act(world.coordinator, feed_tokens.issue_token, "school", school_id, settings.secret_key)
    assert client.get(f"/calendars/schools/{secret}.ics").status_code == 200
    row = act(world.coordinator, lambda db, a: feed_tokens.active_token(db, a, "school", school_id))
    act(world.coordinator, feed_tokens.revoke_token, row)
    gone = client.get(f"/calendars/schools/{secret}.ics")
    unknown = client.get("/calendars/schools/not-a-token.ics")
    assert gone.status_code == unknown.status_code == 404 and gone.text == unknown.text
    assert gone.headers["content-type"].startswith("text/plain") and gone.headers["cache-control"] == "no-store"


def test_m5_school_feed_lists_the_days_the_school_owes_its_core_members(world, act, client, settings):
    """M5/O1–O2: the school's feed lists what it owes: the release for the planning meeting (its
    hours, in its zone) and the attendance at the conference featuring the collaborative (its days)."""
    made = _schedule(act, world)
    school_id = world.core.school_id
    _, secret = act(world.coordinator, feed_tokens.issue_token, "school", school_id, settings.secret_key)
    r = client.get(f"/calendars/schools/{secret}.ics")
    assert r.status_code == 200
    cal = Calendar.from_ical(r.text)
    IcsCalendarStream.calendar_from_ics(r.text)
    summaries = [str(e["SUMMARY"]) for e in cal.walk("VEVENT")]
    assert summaries == ["To confirm: Release Omar Khalil — Planning day (Librarians)",
                         "To confirm: Omar Khalil at the Spring Educators Conference"]
    release, attendance = cal.walk("VEVENT")
    assert release.decoded("DTSTART") == datetime(2027, 3, 25, 9, 0, tzinfo=release.decoded("DTSTART").tzinfo)
    assert str(release.decoded("DTSTART").tzinfo) == "Asia/Bangkok" and made["planning"]
    assert (attendance.decoded("DTSTART"), attendance.decoded("DTEND")) == (date(2027, 3, 26), date(2027, 3, 30))
    assert all(re.fullmatch(r"obligation-\d+@testserver", str(e["UID"])) for e in (release, attendance))


def test_m5_feed_of_a_forming_collaborative_is_not_public(factory, client):
    forming = factory.collaborative("Outdoor", status="forming")
    assert client.get(f"/calendars/collaboratives/{forming.slug}.ics").status_code == 404


def test_m5_single_meeting_ics_and_conferences_feed(world, act, client):
    made = _schedule(act, world)
    r = client.get(f"/meetings/{made['planning']}/calendar.ics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    IcsCalendarStream.calendar_from_ics(r.text)
    r = client.get("/calendars/conferences.ics")
    cal = Calendar.from_ical(r.text)
    IcsCalendarStream.calendar_from_ics(r.text)
    (event,) = cal.walk("VEVENT")
    assert event["DTSTART"].dt == date(2027, 3, 26) and event["DTEND"].dt == date(2027, 3, 30)
    assert client.get(f"/meetings/{made['draft']}/calendar.ics").status_code == 404  # drafts are not revealed


def test_m5_a_title_with_commas_and_semicolons_is_escaped_in_the_calendars_names(world, act, client):
    """TEXT values escape "," ";" "\\" (RFC 5545 3.3.11): NAME and X-WR-CALNAME of a single meeting's
    file, and X-WR-CALDESC of the collaborative's feed, are TEXT too."""
    m = act(world.core, meetings.create_meeting, world.collab, **virtual(
        title="Plans, goals; next steps", starts=datetime(2027, 2, 3, 16, 0), ends=datetime(2027, 2, 3, 17, 0)))
    act(world.core, meetings.publish_meeting, _get(act, m.id))
    body = client.get(f"/meetings/{m.id}/calendar.ics").text
    lines = dict(line.split(":", 1) for line in body.replace("\r\n ", "").split("\r\n")[:12] if ":" in line)
    assert "Plans\\, goals\\; next steps" in lines["NAME"] and "Plans\\, goals\\; next steps" in lines["X-WR-CALNAME"]
    feed = client.get(f"/calendars/collaboratives/{world.collab.slug}.ics").text.replace("\r\n ", "")
    (desc,) = [line for line in feed.split("\r\n") if line.startswith("X-WR-CALDESC:")]
    assert re.fullmatch(r"X-WR-CALDESC:(?:[^,;\\]|\\[,;\\nN])*", desc), desc
    IcsCalendarStream.calendar_from_ics(body)


def test_m5_feeds_and_single_files_are_plain_calendars_without_an_itip_method(world, act, client, settings):
    """RFC 5546: METHOD:PUBLISH makes a file an iTIP message whose events need an ORGANIZER; a
    subscription feed or a downloaded file is a plain calendar, so it carries no METHOD."""
    made = _schedule(act, world)
    _, secret = act(world.member, feed_tokens.issue_token, "person", world.member.id, settings.secret_key)
    for url in (f"/calendars/collaboratives/{world.collab.slug}.ics", "/calendars/conferences.ics",
                f"/calendars/people/{secret}.ics", f"/meetings/{made['planning']}/calendar.ics"):
        r = client.get(url)
        assert r.status_code == 200 and "BEGIN:VEVENT" in r.text, url
        assert "\r\nMETHOD:" not in r.text, url
        IcsCalendarStream.calendar_from_ics(r.text)


def test_m5_the_first_secret_link_does_not_speak_of_an_earlier_one_and_a_new_one_does(world, as_):
    client = as_(world.member)
    first = post_form(client, "/calendars/tokens", {"kind": "person"}, follow_redirects=True)
    assert "Your secret calendar link is ready." in first.text and "earlier" not in first.text
    again = post_form(client, "/calendars/tokens", {"kind": "person"}, follow_redirects=True)
    assert "the earlier one no longer works" in again.text
