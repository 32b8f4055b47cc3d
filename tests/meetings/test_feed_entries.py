"""M5 at scale: feeds are assembled from each meeting's stored, serialized events, which are rebuilt
in the same transaction as any change that they show."""

from __future__ import annotations

from sqlalchemy import select

from nesa_collab.auth.permissions import SYSTEM
from nesa_collab.meetings import services as meetings
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


def test_m5_a_published_meeting_has_a_stored_entry_and_the_feed_uses_it(world, act, client, database):
    m = act(world.core, meetings.create_meeting, world.collab, **virtual(title="Book study"))
    assert entry(database, m.id) is None  # drafts are in no feed
    act(world.core, meetings.publish_meeting, m)
    stored = entry(database, m.id)
    assert "SUMMARY:Book study" in stored.body and f"meeting-{m.id}@testserver" in stored.body
    # The feed is assembled from the stored text (tampering with it shows), ...
    with database.transaction() as db:
        db.get(FeedEntry, m.id).body = stored.body.replace("SUMMARY:Book study", "SUMMARY:From the store")
    assert "SUMMARY:From the store" in feed(client, world)
    # ... and an edit rebuilds it in the same transaction.
    act(world.core, meetings.update_meeting, m, title="Book study (moved online)")
    assert "SUMMARY:Book study (moved online)" in entry(database, m.id).body
    assert "From the store" not in feed(client, world)


def test_m5_agenda_changes_and_cancellation_reach_the_stored_entry(world, act, database, client):
    m = act(world.core, meetings.create_meeting, world.collab, **virtual())
    act(world.core, meetings.publish_meeting, m)
    act(world.core, meetings.add_agenda_item, m, title="Reading list for 2027", minutes=20, presenter="Omar")
    assert "Reading list for 2027" in unfold(entry(database, m.id).body)
    act(world.core, meetings.cancel_meeting, m, "Clashes with exams")
    assert "STATUS:CANCELLED" in entry(database, m.id).body


def test_m5_renaming_the_collaborative_refreshes_its_meetings_entries(world, act, database, client):
    m = act(world.core, meetings.create_meeting, world.collab, **virtual())
    act(world.core, meetings.publish_meeting, m)
    with database.transaction() as db:
        network.update_collaborative(db, SYSTEM, db.get(Collaborative, world.collab.id), name="Library Media")
    assert "Library Media" in unfold(entry(database, m.id).body)
    assert "Library Media" in feed(client, world)


def test_m5_entries_built_for_another_site_address_are_not_served(world, act, database, app, client):
    m = act(world.core, meetings.create_meeting, world.collab, **virtual())
    act(world.core, meetings.publish_meeting, m)
    with database.transaction() as db:
        e = db.get(FeedEntry, m.id)
        e.body = e.body.replace("http://testserver", "https://old.example.org")
        e.key = e.key.replace("http://testserver", "https://old.example.org")
    body = feed(client, world)
    assert "old.example.org" not in body and f"http://testserver/meetings/{m.id}" in body


def test_m5_only_meetings_in_calendars_have_entries(world, act, database, client):
    kept = act(world.core, meetings.publish_meeting, act(world.core, meetings.create_meeting, world.collab, **virtual()))
    draft = act(world.core, meetings.create_meeting, world.collab, **virtual(title="Still a draft"))
    gone = act(world.core, meetings.create_meeting, world.collab, **virtual(title="Deleted draft"))
    act(world.core, meetings.delete_draft, gone)
    with database.session(write=False) as db:
        assert db.scalars(select(FeedEntry.meeting_id)).all() == [kept.id]
    assert draft.id != kept.id


def test_m5_renaming_the_conference_changes_the_etag_of_feeds_showing_it(world, act, database, client):
    m = act(world.core, meetings.create_meeting, world.collab, **virtual(
        title="Planning day", mode="face_to_face", join_url=None, place="Grand Riverside Hotel",
        time_zone="Asia/Bangkok", starts=__import__("datetime").datetime(2027, 3, 25, 9, 0),
        ends=__import__("datetime").datetime(2027, 3, 25, 16, 0), conference="sec-2027"))
    act(world.core, meetings.publish_meeting, m)
    url = f"/calendars/collaboratives/{world.collab.slug}.ics"
    first = client.get(url)
    act(world.staff, meetings.update_conference, world.conference, name="Spring Educators Conference 2027")
    again = client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 200 and again.headers["etag"] != first.headers["etag"]
    assert "Spring Educators Conference 2027" in unfold(again.text)
