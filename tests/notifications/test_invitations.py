"""M5: a published meeting sent to its expected people as an iCalendar invitation (iTIP, RFC 5546)
through the outbox: METHOD:REQUEST with ORGANIZER and ATTENDEE and the feed's UID and SEQUENCE; a
moved meeting sends an update with a higher SEQUENCE; a cancellation sends METHOD:CANCEL."""

from __future__ import annotations

from datetime import datetime

import pytest
from icalendar import Calendar
from sqlalchemy import select

from nesa_collab.errors import DomainError
from nesa_collab.meetings import agendas, invitations
from nesa_collab.meetings import services as meetings
from nesa_collab.notifications.delivery import send_due
from nesa_collab.notifications.models import OutboxMessage

from ..conftest import post_form
from .conftest import SENDER, TODAY


def virtual(**kw) -> dict:
    values = dict(title="Monthly meeting", mode="virtual", time_zone="Africa/Cairo",
                  starts=datetime(2027, 1, 12, 16, 0), ends=datetime(2027, 1, 12, 17, 0),
                  join_url="https://meet.example.org/librarians")
    values.update(kw)
    return values


@pytest.fixture
def meeting(act, world):
    m = act(world.core, meetings.schedule_meeting, world.collab.slug, **virtual())
    act(world.core, meetings.publish_meeting, m)
    return m


def send(act, world, meeting, settings):
    return act(world.core, invitations.send_invitations, meeting, TODAY, settings)


def messages(database, kind: str | None = None) -> list[OutboxMessage]:
    with database.session(write=False) as db:
        stmt = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind:
            stmt = stmt.where(OutboxMessage.kind == kind)
        return list(db.scalars(stmt))


def parse(message: OutboxMessage) -> tuple[Calendar, list]:
    cal = Calendar.from_ical(message.attachment)
    return cal, [c for c in cal.walk("VEVENT")]


def test_m5_an_invitation_is_an_itip_request_with_organizer_attendee_and_the_feed_s_uid(
        database, settings, world, act, meeting):
    sent = send(act, world, meeting, settings.with_(mail_from=SENDER))
    assert (sent.invited, sent.updated) == (4, 0)  # three members and the Core member
    rows = messages(database, "meeting.invitation")
    assert sorted(r.email for r in rows) == sorted([world.core.email] + [m.email for m in world.members])
    nadia = next(r for r in rows if r.email == "nadia@school.example.org")
    assert nadia.attachment_type == "text/calendar" and nadia.attachment_method == "REQUEST"
    assert nadia.subject == "Invitation: Monthly meeting — 12 Jan 2027 16:00 (Africa/Cairo)"
    assert "https://meet.example.org/librarians" in nadia.body and "/meetings/" in nadia.body
    cal, [event] = parse(nadia)
    assert cal["METHOD"] == "REQUEST"
    assert str(event["UID"]) == f"meeting-{meeting.id}@testserver"  # the feed's UID
    assert event["SEQUENCE"] == 0
    assert str(event["ORGANIZER"]) == "mailto:collaboratives@nesa.test"
    assert event["ORGANIZER"].params["CN"] == "Omar Khalil"  # the meeting's organizer, at the network's address
    assert str(event["ATTENDEE"]) == "mailto:nadia@school.example.org"
    assert event["ATTENDEE"].params["CN"] == "Nadia Rahman"
    assert event["ATTENDEE"].params["ROLE"] == "REQ-PARTICIPANT"
    assert event.decoded("DTSTART") == datetime(2027, 1, 12, 16, 0, tzinfo=event.decoded("DTSTART").tzinfo)
    assert str(event["DTSTART"].params["TZID"]) == "Africa/Cairo" and cal.walk("VTIMEZONE")


def test_m5_sending_again_reaches_only_those_not_invited_yet(database, settings, world, act, meeting, factory):
    send(act, world, meeting, settings)
    assert send(act, world, meeting, settings) == invitations.Sent(0, 0)
    newcomer = factory.educator(name="Karim Saleh", email="karim@school.example.org")
    factory.member(newcomer, world.collab)
    assert send(act, world, meeting, settings) == invitations.Sent(1, 0)
    assert [r.email for r in messages(database, "meeting.invitation")][-1] == "karim@school.example.org"


def test_m5_a_moved_meeting_sends_an_update_with_a_higher_sequence_and_the_same_uid(
        database, settings, world, act, meeting):
    send(act, world, meeting, settings)
    act(world.core, meetings.update_meeting, meeting, starts=datetime(2027, 1, 14, 16, 0),
        ends=datetime(2027, 1, 14, 17, 0))
    updates = messages(database, "meeting.update")
    assert len(updates) == 4 and all(r.attachment_method == "REQUEST" for r in updates)
    cal, [event] = parse(updates[0])
    assert cal["METHOD"] == "REQUEST" and event["SEQUENCE"] == 1
    assert str(event["UID"]) == f"meeting-{meeting.id}@testserver"
    assert event.decoded("DTSTART").day == 14
    assert updates[0].subject.startswith("Updated: Monthly meeting — 14 Jan 2027")


def test_m5_a_change_that_matters_to_no_attendee_sends_nothing(database, settings, world, act, meeting):
    send(act, world, meeting, settings)
    before = len(messages(database))
    act(world.core, agendas.add_agenda_item, meeting, title="Welcome", minutes=10)
    act(world.core, meetings.update_meeting, meeting, description="Bring your reading lists.")
    assert len(messages(database)) == before


def test_m5_a_cancellation_after_invitations_sends_method_cancel(database, settings, world, act, meeting):
    send(act, world, meeting, settings)
    act(world.core, meetings.cancel_meeting, meeting, "the room is flooded")
    cancels = messages(database, "meeting.cancel")
    assert len(cancels) == 4 and all(r.attachment_method == "CANCEL" for r in cancels)
    cal, [event] = parse(cancels[0])
    assert cal["METHOD"] == "CANCEL" and event["STATUS"] == "CANCELLED" and event["SEQUENCE"] == 1
    assert str(event["UID"]) == f"meeting-{meeting.id}@testserver" and "ATTENDEE" in event
    assert cancels[0].subject.startswith("Cancelled: Monthly meeting")
    with pytest.raises(DomainError, match="M2"):
        send(act, world, meeting, settings)  # a cancelled meeting is not sent again


def test_m5_a_moved_occurrence_of_a_series_updates_the_invitation(database, settings, world, act):
    series = act(world.core, meetings.schedule_meeting, world.collab.slug,
                 **virtual(rrule="FREQ=WEEKLY;COUNT=4"))
    act(world.core, meetings.publish_meeting, series)
    send(act, world, series, settings)
    cal, events = parse(messages(database, "meeting.invitation")[0])
    assert len(events) == 1 and "RRULE" in events[0]
    act(world.core, meetings.change_occurrence, series, datetime(2027, 1, 19, 16, 0),
        starts=datetime(2027, 1, 20, 16, 0))
    update = messages(database, "meeting.update")[0]
    cal, events = parse(update)
    assert len(events) == 2  # the series, and the moved occurrence with its RECURRENCE-ID
    moved = next(e for e in events if "RECURRENCE-ID" in e)
    assert moved["SEQUENCE"] == 1 and {str(e["UID"]) for e in events} == {f"meeting-{series.id}@testserver"}


def test_m2_a_draft_is_not_sent(settings, world, act):
    draft = act(world.core, meetings.schedule_meeting, world.collab.slug, **virtual())
    with pytest.raises(DomainError, match="M2: only a published meeting"):
        send(act, world, draft, settings)


def test_the_invitation_arrives_at_the_smtp_server_as_a_text_calendar_request_part(
        database, mail_settings, smtp, world, act, meeting):
    send(act, world, meeting, mail_settings)
    assert send_due(database, mail_settings).sent == 4
    [message] = smtp.inbox.to("layla@school.example.org")
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    assert part.get_param("method") == "REQUEST"
    cal = Calendar.from_ical(part.get_content())
    assert cal["METHOD"] == "REQUEST" and str(cal.walk("VEVENT")[0]["ATTENDEE"]) == "mailto:layla@school.example.org"


def test_the_meeting_page_offers_its_editors_the_invitation_and_sends_it(database, world, act, meeting, as_):
    core = as_(world.core)
    page = core.get(f"/meetings/{meeting.id}")
    assert 'id="invitations"' in page.text and "Send the invitation to 4 people" in page.text
    r = post_form(core, f"/meetings/{meeting.id}/invitations")
    assert r.status_code == 303 and r.headers["location"].endswith("#invitations")
    page = core.get(f"/meetings/{meeting.id}")
    assert "Sent by email as a calendar invitation to 4 people" in page.text and "Send the invitation" not in page.text
    assert 'id="invitations"' not in as_(world.members[0]).get(f"/meetings/{meeting.id}").text
    api = as_(world.core).get(f"/api/v1/meetings/{meeting.id}/invitations")
    assert api.status_code == 200 and len(api.json()["invited"]) == 4 and api.json()["not_yet"] == []
    assert all(i["current"] for i in api.json()["invited"]) and "email" not in api.json()["invited"][0]["person"]
