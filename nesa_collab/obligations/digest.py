"""O3 in the daily digest: each school coordinator is told of their school's obligations still
pending (an answer is owed), soonest first. One query for the whole network."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from ..auth.models import Person, PersonRole, Role
from ..notifications.digest import DigestItem
from .models import Obligation, ObligationStatus

SECTION = "Obligations awaiting your school's answer (O3)"


def pending_obligations(db: Session, today: date, person_ids: Collection[int] | None) -> dict[int, list[DigestItem]]:
    """O3: for each active coordinator (of ``person_ids``; None: all), their school's live obligations
    still pending whose days are not past."""
    coordinator = aliased(Person)
    stmt = (select(coordinator.id, Obligation).select_from(coordinator)
            .join(PersonRole, PersonRole.person_id == coordinator.id)
            .join(Obligation, Obligation.school_id == coordinator.school_id)
            .where(PersonRole.role == Role.SCHOOL_COORDINATOR, coordinator.is_active.is_(True),
                   Obligation.withdrawn_at.is_(None), Obligation.status == ObligationStatus.PENDING,
                   Obligation.last_day >= today)
            .order_by(Obligation.first_day, Obligation.id))
    if person_ids is not None:
        stmt = stmt.where(coordinator.id.in_(sorted(set(person_ids))))
    out: dict[int, list[DigestItem]] = {}
    for person_id, o in db.execute(stmt):
        out.setdefault(person_id, []).append(DigestItem(
            section=SECTION, title=o.statement, path=f"/obligations/{o.id}/decide", since=o.created_at.date(),
            detail=f"{o.school.name} ({o.rule})"))
    return out
