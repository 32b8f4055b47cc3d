"""M5 at scale: each meeting's VEVENTs are serialized once and kept in ``meeting_feed_entries``; a feed
is then assembled from stored text instead of loading and serializing every meeting on every request.

Two explicit steps keep the store honest, and no session hook is involved:
- the services that change what a meeting's events show (the meeting, its agenda, its occurrences,
  its conference) call ``forget()`` for the meetings they changed, in their own transaction; it also
  bumps the version stamp of the feeds showing them (``feed_versions``), which their ETags are made of;
- the feed renderer builds the events of meetings that have no current entry and hands them to
  ``store()``, a short write transaction of its own (best effort: a feed is answered either way).

An entry records the inputs it was built from (``entry_key``: the meeting's, its collaborative's and
its conference's update times and the site's URL), and a feed uses an entry only when they still
match. So a change made elsewhere (a collaborative renamed in the network package, which does not
know about meetings) makes the entries stale by their key, and an entry stored from a read that a
concurrent change overtook is never served.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, delete, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..db import Base, Database
from . import feed_versions
from .models import Meeting

#: Bump when the shape of a meeting's events changes: every stored entry is then rebuilt.
ENTRY_VERSION = "3"  # 3: series carry DURATION and overrides for repeated or skipped hours

log = logging.getLogger(__name__)
#: Ids per statement when storing (SQLite limits the parameters of one statement).
_CHUNK = 500


class FeedEntry(Base):
    """The VEVENTs of one meeting as they appear in collaborative and personal feeds."""

    __tablename__ = "meeting_feed_entries"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    #: The inputs the body was built from (see ``entry_key``).
    key: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)


def entry_key(meeting_updated: datetime, collab_updated: datetime, conference_updated: datetime | None,
              base_url: str) -> str:
    """M5: what a stored entry was built from; it is served only while this still matches."""
    stamps = [meeting_updated, collab_updated, conference_updated]
    return "|".join([ENTRY_VERSION, base_url.rstrip("/")] + [s.isoformat() if s else "-" for s in stamps])


def forget(db: Session, meeting_ids: Iterable[int | None]) -> None:
    """M5: the stored events of these meetings no longer hold; the next feed that shows them builds
    them again. Called by every service that changes what a meeting's events show, in its own
    transaction, so a change and the end of its stale entry commit (or roll back) together. The
    feeds showing them get a new version (their collaboratives' stamps), in the same transaction."""
    ids = sorted({i for i in meeting_ids if i is not None})
    if ids:
        db.execute(delete(FeedEntry).where(FeedEntry.meeting_id.in_(ids)))
        feed_versions.bump_collaboratives(db, select(Meeting.collaborative_id).where(Meeting.id.in_(ids)))


def forget_conference(db: Session, conference_id: int) -> None:
    """M5: the stored events of the meetings held beside a conference (they show its name); the
    conferences feed and the feeds showing those meetings get a new version."""
    beside = select(Meeting.id).where(Meeting.conference_id == conference_id)
    db.execute(delete(FeedEntry).where(FeedEntry.meeting_id.in_(beside)))
    feed_versions.bump_collaboratives(db, select(Meeting.collaborative_id).where(Meeting.conference_id == conference_id))
    feed_versions.bump_conferences(db)


def store(database: Database, entries: dict[int, tuple[str, str]]) -> bool:
    """Keep the events a feed had to build (``{meeting id: (key, body)}``) for the next request, in a
    short write transaction of its own. Best effort: whatever goes wrong (a concurrent change, the
    database busy) is logged and the entries are built again next time. Returns whether they were kept."""
    if not entries:
        return True
    ids = sorted(entries)
    try:
        with database.transaction() as db:
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start:start + _CHUNK]
                db.execute(delete(FeedEntry).where(FeedEntry.meeting_id.in_(chunk)))
                db.execute(insert(FeedEntry), [{"meeting_id": i, "key": entries[i][0], "body": entries[i][1]}
                                               for i in chunk])
        return True
    except Exception:  # noqa: BLE001 - a cache write never fails the feed
        log.warning("could not store %d feed entries", len(entries), exc_info=True)
        return False
