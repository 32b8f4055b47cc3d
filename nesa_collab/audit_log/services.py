"""Reading the audit log (A1): the DPL's filtered, newest-first view of every change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..audit.models import AuditEntry
from ..auth.models import Person
from ..permissions import Actor, require
from ..network.models import Collaborative


def entries_query(
    actor: Actor | None,
    *,
    actor_id: int | None = None,
    collaborative_id: int | None = None,
    on_or_after: datetime | None = None,
    before: datetime | None = None,
    action: str | None = None,
) -> Select:
    """The audit log, newest first, filtered by person, collaborative, dates and action (the DPL)."""
    require(actor, "audit.view")
    stmt = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if actor_id is not None:
        stmt = stmt.where(AuditEntry.actor_id == actor_id)
    if collaborative_id is not None:
        stmt = stmt.where(AuditEntry.collaborative_id == collaborative_id)
    if on_or_after is not None:
        stmt = stmt.where(AuditEntry.at >= on_or_after)
    if before is not None:
        stmt = stmt.where(AuditEntry.at < before)
    if action:
        stmt = stmt.where(AuditEntry.action.startswith(action))
    return stmt


def filter_choices(db: Session, actor: Actor | None) -> tuple[list, list]:
    """The people and the collaboratives the audit log can be filtered by, as (id, name) pairs."""
    require(actor, "audit.view")
    return (db.execute(select(Person.id, Person.name).order_by(Person.name)).all(),
            db.execute(select(Collaborative.id, Collaborative.name).order_by(Collaborative.name)).all())
