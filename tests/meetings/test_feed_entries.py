"""M5 at scale: feeds are assembled from each meeting's stored, serialized events. A service that
changes what a meeting's events show ends its stored entry in the same transaction; the next feed
builds the events again and stores them for the requests after it."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import select

from nesa_collab.permissions import SYSTEM
from nesa_collab.meetings import agendas, conferences, feed_cache, feeds, services as meetings
from nesa_collab.meetings.feed_cache import FeedEntry
from nesa_collab.network import services as network
from nesa_collab.network.models import Collaborative

from .conftest import virtual


def entry(database, meeting_id):
    with database.session(write=False) as db:
        return db.get(FeedEntry, meeting_id)


def feed(client, world) -> str:
    return unfold(client.get(f"/calendars/collaboratives/{world.collab.slug}.ics").text)


def unfold(text: str) -> str:
    """RFC 5545 folds long lines; join them back before looking for text."""
    return text.replace("\r\n ", "")


def published(act, world, **kw):
    m = act(world.core, meetings.create_meeting, world.collab, **virtual(**kw))
    return act(world.core, meetings.publish_meeting, m)


def test_m5_the_first_feed_stores_a_meetings_entry_and_the_next_feeds_use_it(world, act, client, database):
    m = act(world.core, meetings.create_meeting, world.collab, **virtual(title="Book study"))
    act(world.core, meetings.publish_meeting, m)
    assert entry(database, m.id) is None  # stored by the first feed that shows it, not by the change
    assert "SUMMARY:Book study" in feed(client, world)
    stored = entry(database, m.id)
    assert "SUMMARY:Book study" in stored.body and f"meeting-{m.id}@testserver" in stored.body
    # The feed is assembled from the stored text (tampering with it shows), ...
    with database.transaction() as db:
        db.get(FeedEntry, m.id).body = stored.body.replace("SUMMARY:Book study", "SUMMARY:From the store")
    feeds._CACHE.clear()  # the same ETag would answer with the bytes kept in memory
    assert "SUMMARY:From the store" in feed(client, world)
    # ... and an edit ends the entry in its own transaction: the next feed shows the edit and stores it.
    act(world.core, meetings.update_meeting, m, title="Book study (moved online)")
    assert entry(database, m.id) is None
    body = feed(client, world)
    assert "SUMMARY:Book study (moved online)" in body and "From the store" not in body
    assert "SUMMARY:Book study (moved online)" in entry(database, m.id).body


def test_m5_agenda_changes_occurrences_and_cancellation_end_the_stored_entry(world, act, database, client):
    m = published(act, world, rrule="FREQ=MONTHLY;BYDAY=+2TU;COUNT=6")
    feed(client, world)
    act(world.core, agendas.add_agenda_item, m, title="Reading list for 2027", minutes=20, presenter="Omar")
    assert entry(database, m.id) is None
    assert "Reading list for 2027" in feed(client, world)
    assert "Reading list for 2027" in unfold(entry(database, m.id).body)
    act(world.core, meetings.change_occurrence, m, datetime(2027, 4, 13, 16, 0), starts=datetime(2027, 4, 14, 16, 0))
    assert entry(database, m.id) is None
    assert "RECURRENCE-ID" in feed(client, world) and "RECURRENCE-ID" in entry(database, m.id).body
    act(world.core, meetings.cancel_meeting, m, "Clashes with exams")
    assert entry(database, m.id) is None
    assert "STATUS:CANCELLED" in feed(client, world)
    assert "STATUS:CANCELLED" in entry(database, m.id).body


def test_m5_renaming_the_collaborative_makes_its_entries_stale_by_their_key(world, act, database, client):
    m = published(act, world)
    feed(client, world)
    with database.transaction() as db:
        network.update_collaborative(db, SYSTEM, db.get(Collaborative, world.collab.id), name="Library Media")
    # The network does not know about feeds: the entry stays, but its key no longer matches ...
    assert "Library Media" not in unfold(entry(database, m.id).body)
    # ... so the next feed builds the events again, shows the new name and stores them.
    assert "Library Media" in feed(client, world)
    assert "Library Media" in unfold(entry(database, m.id).body)


def test_m5_entries_built_for_another_site_address_are_not_served(world, act, database, app, client):
    m = published(act, world)
    feed(client, world)
    with database.transaction() as db:
        e = db.get(FeedEntry, m.id)
        e.body = e.body.replace("http://testserver", "https://old.example.org")
        e.key = e.key.replace("http://testserver", "https://old.example.org")
    feeds._CACHE.clear()
    body = feed(client, world)
    assert "old.example.org" not in body and f"http://testserver/meetings/{m.id}" in body
    assert "old.example.org" not in entry(database, m.id).body  # and stored again for this address


def test_m5_only_meetings_in_calendars_have_entries(world, act, database, client):
    kept = published(act, world)
    draft = act(world.core, meetings.create_meeting, world.collab, **virtual(title="Still a draft"))
    gone = act(world.core, meetings.create_meeting, world.collab, **virtual(title="Deleted draft"))
    act(world.core, meetings.delete_draft, gone)
    feed(client, world)
    with database.session(write=False) as db:
        assert db.scalars(select(FeedEntry.meeting_id)).all() == [kept.id]
    assert draft.id != kept.id


def test_m5_renaming_the_conference_changes_the_etag_of_feeds_showing_it(world, act, database, client):
    m = published(act, world, title="Planning day", mode="face_to_face", join_url=None, place="Grand Riverside Hotel",
                  time_zone="Asia/Bangkok", starts=datetime(2027, 3, 25, 9, 0), ends=datetime(2027, 3, 25, 16, 0),
                  conference="sec-2027")
    url = f"/calendars/collaboratives/{world.collab.slug}.ics"
    first = client.get(url)
    assert entry(database, m.id) is not None
    act(world.staff, conferences.update_conference, world.conference, name="Spring Educators Conference 2027")
    assert entry(database, m.id) is None  # its events name the conference
    again = client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 200 and again.headers["etag"] != first.headers["etag"]
    assert "Spring Educators Conference 2027" in unfold(again.text)


def test_m5_a_feed_is_answered_when_its_entries_cannot_be_stored(world, act, database, client, monkeypatch):
    m = published(act, world, title="Book study")

    @contextmanager
    def unavailable():
        raise RuntimeError("the database refuses writes")
        yield

    monkeypatch.setattr(database, "transaction", unavailable)
    r = client.get(f"/calendars/collaboratives/{world.collab.slug}.ics")
    assert r.status_code == 200 and "SUMMARY:Book study" in unfold(r.text)
    assert entry(database, m.id) is None  # built in memory, kept for no one: the next feed builds it again
    assert feed_cache.store(database, {m.id: ("key", "body")}) is False
