"""M5 at any size: a feed's ETag is read from its version stamps, bumped in the transaction of every
change to what the feed shows, so a conditional request costs the same whatever the feed holds, and
the ETag still changes whenever the content does (and only then, where that is cheap to know)."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from nesa_collab import clock
from nesa_collab.auth.models import Person
from nesa_collab.meetings import agendas, conferences, feed_tokens, feed_versions, rsvps, services as meetings
from nesa_collab.meetings.feed_versions import FeedVersion, StampKind
from nesa_collab.meetings.models import Meeting
from nesa_collab.network import services as network
from nesa_collab.network.models import Collaborative, Membership
from nesa_collab.obligations import decisions
from nesa_collab.obligations.models import Obligation
from nesa_collab.permissions import SYSTEM

from .conftest import virtual

UTC = timezone.utc
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _today():
    clock.freeze(NOW)


class Follower:
    """A feed reader holding the last ETag it saw: ``changed()`` asks with it and keeps the new one."""

    def __init__(self, client, url: str):
        self.client, self.url = client, url
        first = client.get(url)
        assert first.status_code == 200
        self.etag, self.text = first.headers["etag"], first.text.replace("\r\n ", "")

    def changed(self) -> bool:
        r = self.client.get(self.url, headers={"If-None-Match": self.etag})
        if r.status_code == 304:
            assert r.headers["etag"] == self.etag and r.content == b""
            return False
        assert r.status_code == 200 and r.headers["etag"] != self.etag
        self.etag, self.text = r.headers["etag"], r.text.replace("\r\n ", "")
        return True


def published(act, world, collab=None, person=None, **kw) -> Meeting:
    m = act(person or world.core, meetings.create_meeting, collab or world.collab, **virtual(**kw))
    return act(person or world.core, meetings.publish_meeting, m)


def beside_the_conference(act, world, collab=None, person=None, title="Planning day") -> Meeting:
    return published(act, world, collab, person, title=title, mode="face_to_face", join_url=None,
                     place="Grand Riverside Hotel", time_zone="Asia/Bangkok", starts=datetime(2027, 3, 25, 9, 0),
                     ends=datetime(2027, 3, 25, 16, 0), conference="sec-2027")


def person_link(act, person, settings) -> str:
    _, secret = act(person, feed_tokens.issue_token, "person", person.id, settings.secret_key)
    return f"/calendars/people/{secret}.ics"


def get(act, model, ident):
    return act(None, lambda db, _a: db.get(model, ident))


# --- the collaborative's feed ------------------------------------------------------------------------

def test_m5_a_collaboratives_feed_changes_its_etag_with_each_change_to_its_meetings(world, act, database, client):
    feed = Follower(client, f"/calendars/collaboratives/{world.collab.slug}.ics")
    draft = act(world.core, meetings.create_meeting, world.collab,
                **virtual(title="Book study", rrule="FREQ=MONTHLY;BYDAY=+2TU;COUNT=6"))
    assert not feed.changed()  # M2: a draft is in no calendar
    act(world.core, meetings.publish_meeting, draft)
    assert feed.changed() and "SUMMARY:Book study" in feed.text
    act(world.core, meetings.update_meeting, get(act, Meeting, draft.id), title="Book club")
    assert feed.changed() and "SUMMARY:Book club" in feed.text
    act(world.core, agendas.add_agenda_item, get(act, Meeting, draft.id), title="Reading list", minutes=20)
    assert feed.changed() and "Reading list" in feed.text
    act(world.core, meetings.change_occurrence, get(act, Meeting, draft.id), datetime(2027, 4, 13, 16, 0),
        starts=datetime(2027, 4, 14, 16, 0))
    assert feed.changed() and "RECURRENCE-ID" in feed.text
    with database.transaction() as db:  # the network does not know about feeds: the name's change shows
        network.update_collaborative(db, SYSTEM, db.get(Collaborative, world.collab.id), name="Library Media")
    assert feed.changed() and "Library Media" in feed.text
    act(world.core, meetings.cancel_meeting, get(act, Meeting, draft.id), "Clashes with exams")
    assert feed.changed() and "STATUS:CANCELLED" in feed.text
    assert not feed.changed()


def test_m5_another_collaboratives_meetings_leave_a_collaboratives_etag_alone(world, act, client):
    feed = Follower(client, f"/calendars/collaboratives/{world.collab.slug}.ics")
    published(act, world, world.other, world.other_core, title="Algebra circle")
    assert not feed.changed()


def test_m5_the_conferences_feed_changes_when_a_conference_is_added_or_changed(world, act, client):
    feed = Follower(client, "/calendars/conferences.ics")
    act(world.staff, conferences.create_conference, name="Leadership Institute", starts_on=date(2027, 10, 14),
        ends_on=date(2027, 10, 16), city="Athens", country="Greece", time_zone="Europe/Athens",
        hotel="Hotel Grande Bretagne", slug="li-2027")
    assert feed.changed() and "SUMMARY:Leadership Institute" in feed.text
    act(world.staff, conferences.update_conference, world.conference, name="Spring Educators Conference 2027")
    assert feed.changed() and "SUMMARY:Spring Educators Conference 2027" in feed.text
    assert not feed.changed()


# --- a person's own feed -----------------------------------------------------------------------------

def test_m5_a_persons_feed_follows_their_collaboratives_meetings_and_not_others(world, act, client, settings):
    feed = Follower(client, person_link(act, world.member, settings))
    published(act, world, title="Book study")
    assert feed.changed() and "SUMMARY:Book study" in feed.text
    published(act, world, world.other, world.other_core, title="Algebra circle")
    assert not feed.changed()  # not one of theirs


def test_m5_a_persons_feed_follows_their_memberships(world, act, database, client, settings):
    published(act, world, world.other, world.other_core, title="Algebra circle")
    feed = Follower(client, person_link(act, world.member, settings))
    assert "Algebra circle" not in feed.text
    with database.transaction() as db:
        network.join(db, SYSTEM, db.get(Person, world.member.id), db.get(Collaborative, world.other.id),
                     date(2026, 11, 30))
    assert feed.changed() and "SUMMARY:Algebra circle" in feed.text
    with database.transaction() as db:
        membership = db.scalar(select(Membership).where(Membership.person_id == world.member.id,
                                                        Membership.collaborative_id == world.other.id))
        network.leave(db, SYSTEM, membership, date(2026, 12, 1), reason="joined by mistake")
    assert feed.changed() and "Algebra circle" not in feed.text


def test_m5_a_persons_feed_follows_their_core_terms(world, act, factory, client, settings):
    published(act, world, world.other, world.other_core, title="Algebra circle")
    feed = Follower(client, person_link(act, world.member, settings))
    factory.core_member(world.member, world.other, date(2026, 12, 1), date(2028, 11, 30))
    assert feed.changed() and "SUMMARY:Algebra circle" in feed.text


def test_m5_a_persons_feed_follows_their_answers_and_not_someone_elses(world, act, client, settings):
    m = published(act, world, title="Book study")
    feed = Follower(client, person_link(act, world.member, settings))
    act(world.core, rsvps.answer, get(act, Meeting, m.id), None, "going", now=NOW)
    assert not feed.changed()  # the Core member's answer is in their own feed, not in this one
    act(world.member, rsvps.answer, get(act, Meeting, m.id), None, "maybe", "a clash", now=NOW)
    assert feed.changed() and "Your answer: maybe (a clash)" in feed.text
    act(world.member, rsvps.answer, get(act, Meeting, m.id), None, "going", now=NOW)
    assert feed.changed() and "Your answer: going" in feed.text


def test_m5_a_persons_feed_follows_the_conferences_featuring_their_collaboratives(world, act, client, settings):
    feed = Follower(client, person_link(act, world.member, settings))
    act(world.staff, conferences.update_conference, world.conference, name="Spring Educators Conference 2027")
    assert feed.changed() and "SUMMARY:Spring Educators Conference 2027" in feed.text
    act(world.staff, conferences.create_conference, name="Librarians Institute", starts_on=date(2027, 10, 14),
        ends_on=date(2027, 10, 16), city="Athens", country="Greece", time_zone="Europe/Athens",
        hotel="Hotel Grande Bretagne", featured=[world.collab.slug], slug="lib-2027")
    assert feed.changed() and "SUMMARY:Librarians Institute" in feed.text


# --- a school's feed ---------------------------------------------------------------------------------

def school_link(act, world, settings) -> str:
    """The Dubai school's link (its coordinator's): Omar, on the Librarians' Core, is its faculty."""
    _, secret = act(world.coordinator, feed_tokens.issue_token, "school", world.core.school_id, settings.secret_key)
    return f"/calendars/schools/{secret}.ics"


def test_m5_o1_a_schools_feed_follows_its_obligations_their_meetings_and_conferences(world, act, factory, client,
                                                                                       settings, database):
    feed = Follower(client, school_link(act, world, settings))
    planning = beside_the_conference(act, world)
    assert feed.changed() and "Release Omar Khalil — Planning day" in feed.text  # O1: a new obligation
    act(world.core, meetings.update_meeting, get(act, Meeting, planning.id), title="Planning day at the hotel")
    assert feed.changed() and "Planning day at the hotel" in feed.text  # the release shows its meeting
    act(world.staff, conferences.update_conference, world.conference, name="Spring Educators Conference 2027")
    assert feed.changed() and "Omar Khalil at the Spring Educators Conference 2027" in feed.text
    with database.session(write=False) as db:
        release = db.scalar(select(Obligation.id).where(Obligation.meeting_id == planning.id))
    act(world.coordinator, lambda db, a: decisions.confirm(db, a, db.get(Obligation, release)))
    assert feed.changed() and "SUMMARY:Release Omar Khalil" in feed.text  # O3: the answer, no longer "To confirm"
    act(world.core, meetings.cancel_meeting, get(act, Meeting, planning.id), "the hotel is closed")
    assert feed.changed() and "Withdrawn: " in feed.text
    assert not feed.changed()


def test_m5_o1_another_schools_obligations_leave_a_schools_etag_alone(world, act, client, settings):
    beside_the_conference(act, world)
    feed = Follower(client, school_link(act, world, settings))
    beside_the_conference(act, world, world.other, world.other_core, title="Mathematics planning")  # Delhi owes it
    assert not feed.changed()


# --- the stamps ---------------------------------------------------------------------------------------

def stamp(database, kind, owner):
    with database.session(write=False) as db:
        row = db.get(FeedVersion, (kind, owner))
        return row.version if row is not None else 0


def test_m5_a_stamp_counts_every_bump_and_a_rolled_back_one_not_at_all(world, database):
    owner = world.collab.id
    assert stamp(database, StampKind.COLLABORATIVE, owner) == 0  # never bumped: missing, version 0
    with database.transaction() as db:
        feed_versions.bump_collaboratives(db, [owner, owner, None])
    with database.transaction() as db:
        # One bump per collaborative, however many of its meetings the SELECT names.
        feed_versions.bump_collaboratives(db, select(Collaborative.id).where(Collaborative.id.in_([owner, owner])))
    assert stamp(database, StampKind.COLLABORATIVE, owner) == 2
    with pytest.raises(RuntimeError), database.transaction() as db:
        feed_versions.bump_collaboratives(db, [owner])
        raise RuntimeError("the change fails")
    assert stamp(database, StampKind.COLLABORATIVE, owner) == 2
    assert stamp(database, StampKind.COLLABORATIVE, world.other.id) == 0


# --- the cost of a conditional request ----------------------------------------------------------------

def conditional_statements(client, count_queries, url: str) -> list[str]:
    etag = client.get(url).headers["etag"]
    with count_queries() as counter:
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    return counter.statements


def test_m5_a_304_costs_the_same_statements_for_a_small_and_a_larger_feed(world, act, client, settings,
                                                                          count_queries):
    """The conditional answer reads the link (for a private feed) and the feed's stamps: it never
    reads meetings, answers or obligations, so it costs the same at 2 meetings or 20."""
    beside_the_conference(act, world)
    urls = [f"/calendars/collaboratives/{world.collab.slug}.ics", person_link(act, world.core, settings),
            school_link(act, world, settings), "/calendars/conferences.ics"]
    published(act, world, title="Book study")
    small = [conditional_statements(client, count_queries, u) for u in urls]
    for i in range(18):
        m = published(act, world, title=f"Meeting {i}", starts=datetime(2027, 1, 12 + i % 10, 16, 0),
                      ends=datetime(2027, 1, 12 + i % 10, 17, 0))
        act(world.core, rsvps.answer, get(act, Meeting, m.id), None, "going", now=NOW)
    large = [conditional_statements(client, count_queries, u) for u in urls]
    assert [len(s) for s in large] == [len(s) for s in small], list(zip(urls, small, large))
    for statements in large:
        assert len(statements) <= 2, "\n".join(statements)  # the link, then the stamps
        for table in ("meetings", "rsvps", "obligations", "meeting_feed_entries", "conferences "):
            assert not any(f"FROM {table}" in s or f"JOIN {table}" in s for s in statements), statements
