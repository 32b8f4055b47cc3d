"""C1 in the daily digest: the Executive Director and the PDAC's members are told of the consultation
requests waiting for their body's answer. Two queries for the whole network."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth.models import Person, PersonRole, Role
from ..notifications.digest import DigestItem
from .models import ConsultationRequest, ConsultedBody, ProposalStatus, ProposedAppointment

SECTION = "Consultations requested of you (C1)"
#: Who answers for each body.
ROLE_OF = {ConsultedBody.EXECUTIVE_DIRECTOR: Role.EXECUTIVE_DIRECTOR, ConsultedBody.PDAC: Role.PDAC}


def requests_waiting(db: Session, today: date, person_ids: Collection[int] | None) -> dict[int, list[DigestItem]]:
    """C1: for each active holder of the Executive Director's or a PDAC member's role (of
    ``person_ids``; None: all), the open requests their body has not answered, oldest first."""
    requests = list(db.scalars(
        select(ConsultationRequest).join(ConsultationRequest.proposal)
        .where(ProposedAppointment.status == ProposalStatus.OPEN, ConsultationRequest.answer.is_(None))
        .order_by(ConsultationRequest.requested_at, ConsultationRequest.id)))
    if not requests:
        return {}
    holders = (select(Person.id, PersonRole.role).join(PersonRole, PersonRole.person_id == Person.id)
               .where(PersonRole.role.in_(list(ROLE_OF.values())), Person.is_active.is_(True)))
    if person_ids is not None:
        holders = holders.where(Person.id.in_(sorted(set(person_ids))))
    out: dict[int, list[DigestItem]] = {}
    for person_id, role in db.execute(holders):
        for r in requests:
            if ROLE_OF[ConsultedBody(r.body)] == role:
                p = r.proposal
                out.setdefault(person_id, []).append(DigestItem(
                    section=SECTION, path=f"/consultations/{r.id}/answer", since=r.requested_at.date(),
                    title=f"Appointing {p.person.name} to the {p.collaborative.name} Core",
                    detail=f"the {r.body_label}'s view, {p.starts_on:%-d %b %Y} – {p.ends_on:%-d %b %Y}"))
    return out
