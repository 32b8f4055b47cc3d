"""Answers to meetings (M4, S2): members and Core members say whether they are going, per occurrence;
the page shows who is coming and the Core who has not answered; headcounts and the person's own feed
follow the answers."""

from __future__ import annotations

from datetime import datetime, timezone

from icalendar import Calendar
from sqlalchemy import func, select

from nesa_collab import clock
from nesa_collab.audit.models import AuditEntry
from nesa_collab.meetings import feed_tokens, planning
from nesa_collab.meetings import services as meetings
from nesa_collab.meetings.models import Meeting, Rsvp

from ..conftest import post_form
from .conftest import virtual

UTC = timezone.utc


def _published(act, world, **kw) -> Meeting:
    m = act(world.core, meetings.create_meeting, world.collab, **virtual(**kw))
    act(world.core, meetings.publish_meeting, m)
    return m


def _rows(database) -> tuple[int, int]:
    with database.session(write=False) as db:
        return (db.scalar(select(func.count()).select_from(Rsvp)),
                db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "meeting.rsvp")))


def test_m4_a_member_answers_and_the_page_shows_who_is_coming(world, act, as_, database):
    clock.freeze(datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    m = _published(act, world)
    member, core = as_(world.member), as_(world.core)
    r = post_form(member, f"/meetings/{m.id}/rsvp", {"answer": "going", "note": "from the library"})
    assert r.status_code == 303
    page = member.get(f"/meetings/{m.id}").text
    assert "Nadia Rahman" in page and "from the library" in page and "<strong>1</strong> going" in page
    # The Core sees which of its members have not answered; a member does not.
    assert "Core members who have not answered: Omar Khalil." in core.get(f"/meetings/{m.id}").text
    assert "have not answered" not in page
    # Answering again replaces the answer (one row), and each answer is in the audit log (A1).
    assert post_form(member, f"/meetings/{m.id}/rsvp", {"answer": "maybe"}).status_code == 303
    assert _rows(database) == (1, 2)
    assert post_form(core, f"/meetings/{m.id}/rsvp", {"answer": "going"}).status_code == 303
    assert "Every Core member has answered." in core.get(f"/meetings/{m.id}").text


def test_m4_answers_are_refused_for_outsiders_and_for_what_cannot_be_attended(world, act, as_, database, factory):
    clock.freeze(datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    m = _published(act, world)
    draft = act(world.core, meetings.create_meeting, world.collab, **virtual(starts=datetime(2027, 2, 9, 16, 0),
                                                                             ends=datetime(2027, 2, 9, 17, 0)))
    # A Core member of another collaborative is not a member of this one.
    assert post_form(as_(world.other_core), f"/meetings/{m.id}/rsvp", {"answer": "going"}).status_code == 403
    # A draft is not revealed to a member (M2).
    assert post_form(as_(world.member), f"/meetings/{draft.id}/rsvp", {"answer": "going"}).status_code == 404
    member = as_(world.member)
    r = post_form(member, f"/meetings/{m.id}/rsvp", {"answer": "perhaps"})
    assert r.status_code == 422 and "M4:" in r.text
    clock.freeze(datetime(2027, 1, 12, 16, 0, tzinfo=UTC))  # the meeting (16:00 Cairo) is over
    r = post_form(as_(world.member), f"/meetings/{m.id}/rsvp", {"answer": "going"})
    assert r.status_code == 422 and "has ended" in r.text
    assert _rows(database) == (0, 0)


def test_m4_answers_to_a_series_are_per_occurrence_and_follow_an_edit(world, act, as_, client, factory):
    clock.freeze(datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    m = _published(act, world, rrule="FREQ=MONTHLY;BYDAY=+2TU", repeat_until=datetime(2027, 4, 30).date())
    h = {"Authorization": f"Bearer {factory.token(world.member)}"}
    r = client.put(f"/api/v1/meetings/{m.id}/rsvps/2027-02-09T16:00", json={"answer": "not_going"}, headers=h)
    assert r.status_code == 200, r.text
    r = client.put(f"/api/v1/meetings/{m.id}/rsvps/2027-03-09T16:00", json={"answer": "going"}, headers=h)
    assert r.status_code == 200
    r = client.put(f"/api/v1/meetings/{m.id}/rsvps/2027-03-10T16:00", json={"answer": "going"}, headers=h)
    assert r.status_code == 422 and r.json()["rule"] == "M4"  # not an occurrence of the series
    got = client.get(f"/api/v1/meetings/{m.id}/rsvps", params={"occurrence": "2027-03-09T16:00"}, headers=h).json()
    assert (got["going"], got["not_going"], got["mine"]["answer"]) == (1, 0, "going")
    assert got["unanswered_core"] is None  # for the Core and the DPL only
    # The series moves to 17:00: the answers move with their occurrences.
    act(world.core, meetings.update_meeting, m, starts=datetime(2027, 1, 12, 17, 0),
        ends=datetime(2027, 1, 12, 18, 0))
    got = client.get(f"/api/v1/meetings/{m.id}/rsvps", params={"occurrence": "2027-03-09T17:00"}, headers=h).json()
    assert got["mine"]["answer"] == "going"
    core = {"Authorization": f"Bearer {factory.token(world.core)}"}
    got = client.get(f"/api/v1/meetings/{m.id}/rsvps", params={"occurrence": "2027-03-09T17:00"}, headers=core).json()
    assert [p["name"] for p in got["unanswered_core"]] == ["Omar Khalil"]


def test_s2_the_headcount_follows_the_answers_and_says_when_it_is_an_estimate(world, act, as_):
    clock.freeze(datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    p = act(world.core, meetings.create_meeting, world.collab, title="Planning", mode="face_to_face",
            time_zone="Asia/Bangkok", starts=datetime(2027, 3, 25, 9, 0), ends=datetime(2027, 3, 25, 16, 0),
            place="Grand Riverside Hotel", conference="sec-2027")
    act(world.core, meetings.publish_meeting, p)

    def headcount():
        return act(world.staff, lambda db, a: planning.headcounts(db, a, [db.get(Meeting, p.id)]))[p.id]

    assert (headcount().count, headcount().source) == (1, "core")  # nobody answered: the Core's size
    staff = as_(world.staff)
    assert "nobody has answered yet" in staff.get(f"/meetings/{p.id}").text
    assert post_form(as_(world.member), f"/meetings/{p.id}/rsvp", {"answer": "going"}).status_code == 303
    assert post_form(as_(world.core), f"/meetings/{p.id}/rsvp", {"answer": "not_going"}).status_code == 303
    assert (headcount().count, headcount().source) == (1, "answers")  # the member comes, the Core member not
    assert "from the answers" in staff.get(f"/meetings/{p.id}").text


def test_m5_the_persons_own_feed_carries_their_answer(world, act, as_, client, settings):
    clock.freeze(datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    m = _published(act, world)
    _, secret = act(world.member, feed_tokens.issue_token, "person", world.member.id, settings.secret_key)
    url = f"/calendars/people/{secret}.ics"
    first = client.get(url)
    assert "Your answer" not in first.text
    assert post_form(as_(world.member), f"/meetings/{m.id}/rsvp", {"answer": "maybe", "note": "a clash"}).status_code == 303
    again = client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 200  # the answer changed the feed
    event = next(e for e in Calendar.from_ical(again.content).walk("VEVENT"))
    assert str(event["DESCRIPTION"]).startswith("Your answer: maybe (a clash)")
    # Another member's feed shows the meeting as stored, without anyone's answer.
    other = client.get(f"/calendars/collaboratives/{world.collab.slug}.ics").text
    assert "Your answer" not in other
