"""M5 at any size: a version stamp per feed, so a conditional request reads a row or two, never the feed.

A stamp is ``(kind, owner)``: a collaborative's (its meetings), a person's (their answers), a school's
(the days it owes) and the network's conferences'. Each feed's ETag is made of the stamps of what it
shows (``feeds``): a collaborative's feed of its collaborative's; a person's of their own, their
collaboratives' and the conferences'; a school's of its own; the conferences feed of the conferences'.

The services that change what a feed shows bump its stamp in their own transaction, where they end
stored entries (``feed_cache.forget``): ``bump`` is one ``INSERT … ON CONFLICT DO UPDATE SET version =
version + 1``, so two writers bumping at once both count (the row lock on PostgreSQL, the write lock
on SQLite) and a stamp never bumped is simply missing (version 0). A bump that turns out to change
nothing costs one extra download, never a stale feed.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Iterable

from sqlalchemy import Integer, Select, String, and_, cast, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..clock import now_utc
from ..db import Base, EnumText, UTCDateTime, enum_check


class StampKind(StrEnum):
    COLLABORATIVE = "collaborative"
    PERSON = "person"
    SCHOOL = "school"
    CONFERENCES = "conferences"


#: The owner of the network's own stamps (the conferences feed).
NETWORK = 0


class FeedVersion(Base):
    """M5: how many times what one feed shows has changed, and when it last did."""

    __tablename__ = "feed_versions"
    __table_args__ = (enum_check("kind", StampKind, name="kind_known"),)

    kind: Mapped[StampKind] = mapped_column(EnumText(StampKind, 20), primary_key=True)
    #: The collaborative's, person's or school's id (``NETWORK`` for the conferences).
    owner_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


_TABLE = FeedVersion.__table__


def _upsert(db: Session):
    return (postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert)(_TABLE)


def bump(db: Session, kind: StampKind, owners: Iterable[int | None] | Select) -> None:
    """M5: what the feeds of ``owners`` show changed, in the caller's transaction. ``owners`` is a list
    of ids or a one-column SELECT of them (one statement either way)."""
    now = now_utc()
    if isinstance(owners, Select):
        found = owners.subquery()
        # A WHERE keeps SQLite from reading the upsert's ON as a join's; DISTINCT keeps PostgreSQL from
        # updating one row twice in one statement.
        source = (select(cast(literal(kind.value), String(20)), found.c[0], literal(1), literal(now, UTCDateTime))
                  .where(found.c[0].is_not(None)).distinct())
        stmt = _upsert(db).from_select(["kind", "owner_id", "version", "changed_at"], source)
    else:
        ids = sorted({i for i in owners if i is not None})
        if not ids:
            return
        stmt = _upsert(db).values([{"kind": kind.value, "owner_id": i, "version": 1, "changed_at": now} for i in ids])
    db.execute(stmt.on_conflict_do_update(index_elements=["kind", "owner_id"],
                                          set_={"version": _TABLE.c.version + 1, "changed_at": now}))


def bump_conferences(db: Session) -> None:
    """M5/S1: a conference was added or changed (the conferences feed and the people's feeds list them)."""
    bump(db, StampKind.CONFERENCES, [NETWORK])


def bump_person(db: Session, person_id: int) -> None:
    """M5/M4: what a person's own feed shows of them changed (their answers)."""
    bump(db, StampKind.PERSON, [person_id])


def bump_schools(db: Session, school_ids: Iterable[int | None] | Select) -> None:
    """M5/O1–O3: the days these schools owe changed (their feeds list them)."""
    bump(db, StampKind.SCHOOL, school_ids)


def bump_collaboratives(db: Session, collab_ids: Iterable[int | None] | Select) -> None:
    """M5: the meetings of these collaboratives changed (their feeds, and their people's, show them)."""
    bump(db, StampKind.COLLABORATIVE, collab_ids)


def stamps_of(*owners: tuple[StampKind, int]) -> Select:
    """SQL: the stamps of these owners' feeds (missing ones are version 0), for an ETag: one
    primary-key read each, whatever the feeds hold."""
    return (select(FeedVersion.kind, FeedVersion.owner_id, FeedVersion.version, FeedVersion.changed_at)
            .where(or_(*(and_(FeedVersion.kind == kind, FeedVersion.owner_id == owner) for kind, owner in owners)))
            .order_by(FeedVersion.kind, FeedVersion.owner_id))
