"""Reading the audit log (A1): the DPL's filtered, newest-first view of every change, a page at a
time by keyset (the entries before or after an entry, in the order of their time and then their id),
so a page costs the same however long the log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.orm import Session

from ..audit.models import AuditEntry
from ..auth.models import Person
from ..permissions import Actor, require
from ..network.models import Collaborative


def entries_query(
    actor: Actor | None,
    *,
    actor_id: int | None = None,
    actor_email: str | None = None,
    collaborative_id: int | None = None,
    collaborative_slug: str | None = None,
    on_or_after: datetime | None = None,
    before: datetime | None = None,
    action: str | None = None,
) -> Select:
    """A1: the audit log, newest first (by time, then id: the order things were recorded), filtered by person
    (id or email), collaborative (id or slug), dates and action prefix (the DPL). A person or a
    collaborative named by email or slug is found in a subquery, never by listing them all."""
    require(actor, "audit.view")
    stmt = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if actor_id is not None:
        stmt = stmt.where(AuditEntry.actor_id == actor_id)
    if actor_email:
        stmt = stmt.where(AuditEntry.actor_id.in_(
            select(Person.id).where(func.lower(Person.email) == actor_email.strip().lower())))
    if collaborative_id is not None:
        stmt = stmt.where(AuditEntry.collaborative_id == collaborative_id)
    if collaborative_slug:
        stmt = stmt.where(AuditEntry.collaborative_id.in_(
            select(Collaborative.id).where(Collaborative.slug == collaborative_slug.strip())))
    if on_or_after is not None:
        stmt = stmt.where(AuditEntry.at >= on_or_after)
    if before is not None:
        stmt = stmt.where(AuditEntry.at < before)
    if action:
        stmt = stmt.where(AuditEntry.action.startswith(action))
    return stmt


@dataclass
class KeysetPage:
    """One page of the log, newest first, and the ids that lead on from it."""

    items: list[AuditEntry]
    per_page: int
    #: ``before=<older>`` shows the next (older) entries; None: there are none.
    older: int | None
    #: ``after=<newer>`` shows the previous (newer) entries; None: these are the newest.
    newer: int | None


def _position(entry_id: int):
    """An entry's place in the log's order, (time, id), read in the page's own statement."""
    return tuple_(select(AuditEntry.at).where(AuditEntry.id == entry_id).scalar_subquery(), entry_id)


def entries_page(db: Session, actor: Actor | None, *, before_id: int | None = None, after_id: int | None = None,
                 per_page: int = 50, **filters) -> KeysetPage:
    """A1: ``per_page`` entries of ``entries_query(**filters)`` older than the entry ``before_id`` (or
    the newest), or newer than the entry ``after_id``: one query reading ``per_page + 1`` rows, whatever
    the size of the log (no count). A cursor naming no entry gives the newest page."""
    stmt = entries_query(actor, **filters)
    place = tuple_(AuditEntry.at, AuditEntry.id)
    if after_id is not None:
        rows = list(db.scalars(stmt.where(place > _position(after_id)).order_by(None)
                               .order_by(AuditEntry.at.asc(), AuditEntry.id.asc()).limit(per_page + 1)).unique())
        if not rows:
            return entries_page(db, actor, per_page=per_page, **filters)
        more_newer = len(rows) > per_page
        items = list(reversed(rows[:per_page]))
        return KeysetPage(items, per_page, older=items[-1].id, newer=items[0].id if more_newer else None)
    if before_id is not None:
        stmt = stmt.where(place < _position(before_id))
    rows = list(db.scalars(stmt.limit(per_page + 1)).unique())
    items = rows[:per_page]
    older = items[-1].id if len(rows) > per_page else None
    newer = (items[0].id if items else before_id) if before_id is not None else None
    return KeysetPage(items, per_page, older=older, newer=newer)
