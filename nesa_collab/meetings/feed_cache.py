"""M5 at scale: each meeting's VEVENTs are serialized once, when the meeting or anything they show
changes, and kept in ``meeting_feed_entries``; a feed is then assembled from stored text instead of
loading and serializing every meeting on every request.

The entries are written in the same transaction as the change (a session hook collects the meetings
touched by a flush and refreshes their entries just before commit). An entry records the inputs it
was built from (the meeting's, its collaborative's and its conference's update times and the site's
URL); a feed uses an entry only when they still match, and builds the events in memory otherwise.
"""

from __future__ import annotations

from datetime import datetime
from itertools import chain

from sqlalchemy import ForeignKey, String, Text, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column, selectinload

from ..db import Base
from ..network.models import Collaborative
from . import ical
from .models import AgendaItem, Conference, Meeting, MeetingOccurrence

#: Bump when the shape of a meeting's events changes: every stored entry is then rebuilt.
ENTRY_VERSION = "2"


class FeedEntry(Base):
    """The VEVENTs of one meeting as they appear in collaborative and personal feeds."""

    __tablename__ = "meeting_feed_entries"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    #: The inputs the body was built from (see ``entry_key``).
    key: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)


def entry_key(meeting_updated: datetime, collab_updated: datetime, conference_updated: datetime | None,
              base_url: str) -> str:
    stamps = [meeting_updated, collab_updated, conference_updated]
    return "|".join([ENTRY_VERSION, base_url.rstrip("/")] + [s.isoformat() if s else "-" for s in stamps])


def meeting_body(meeting: Meeting, base_url: str) -> str:
    """The serialized VEVENTs of ``meeting`` (a series master and its moved occurrences)."""
    base = base_url.rstrip("/")
    events = ical.meeting_events(meeting, ical.host_of(base_url), f"{base}/meetings/{meeting.id}")
    return b"".join(ical.event_bytes(e) for e in events).decode()


def refresh(session: Session, meeting_ids: set[int], base_url: str) -> None:
    """Rebuild the stored entries of ``meeting_ids`` (drafts have none: they are in no feed)."""
    if not meeting_ids:
        return
    meetings = session.scalars(select(Meeting).where(Meeting.id.in_(meeting_ids))
                               .options(selectinload(Meeting.agenda), selectinload(Meeting.occurrences))).all()
    entries = {e.meeting_id: e for e in session.scalars(select(FeedEntry)
                                                         .where(FeedEntry.meeting_id.in_(meeting_ids)))}
    for m in meetings:
        key = entry_key(m.updated_at, m.collaborative.updated_at,
                        m.conference.updated_at if m.conference else None, base_url)
        entry = entries.get(m.id)
        if not m.in_calendars:
            if entry is not None:
                session.delete(entry)
            continue
        # Rebuilt even when the key looks the same: these meetings changed in this transaction
        # (two changes within one clock tick would otherwise keep the first one's text).
        if entry is None:
            session.add(FeedEntry(meeting_id=m.id, key=key, body=meeting_body(m, base_url)))
        else:
            entry.key, entry.body = key, meeting_body(m, base_url)


_DIRTY = "meeting_feed_dirty"


@event.listens_for(Session, "before_flush")
def _collect(session: Session, _ctx, _instances) -> None:
    """Note which meetings a flush touches, directly or through what their events show."""
    if session.info.get("base_url") is None:
        return
    dirty = session.info.setdefault(_DIRTY, {"meetings": set(), "collaboratives": set(), "conferences": set()})
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Meeting):
            dirty["meetings"].add(obj)
        elif isinstance(obj, (AgendaItem, MeetingOccurrence)):
            dirty["meetings"].add(obj.meeting if obj.meeting is not None else obj.meeting_id)
        elif isinstance(obj, Collaborative) and obj.id is not None:
            dirty["collaboratives"].add(obj.id)
        elif isinstance(obj, Conference) and obj.id is not None:
            dirty["conferences"].add(obj.id)


@event.listens_for(Session, "before_commit")
def _refresh_before_commit(session: Session) -> None:
    base_url = session.info.get("base_url")
    if base_url is None:
        return
    session.flush()  # "before_commit" comes before the commit's own flush: collect what it writes
    dirty = session.info.pop(_DIRTY, None)
    if not dirty:
        return
    ids = {m if isinstance(m, int) else m.id for m in dirty["meetings"]}
    ids.discard(None)
    if dirty["collaboratives"] or dirty["conferences"]:
        ids |= set(session.scalars(select(Meeting.id).where(
            Meeting.collaborative_id.in_(dirty["collaboratives"]) | Meeting.conference_id.in_(dirty["conferences"]))))
    existing = set(session.scalars(select(Meeting.id).where(Meeting.id.in_(ids))))
    refresh(session, existing, base_url)
    session.info.pop(_DIRTY, None)  # the flush above must not leave work for the next commit
    session.flush()


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_DIRTY, None)
