"""S3 in the daily digest: Center staff are told of the hotel-night claims waiting for them — a
decision (submitted) or the payment (approved) —, oldest first. Two queries for the whole network."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth.models import Person, PersonRole, Role
from ..notifications.digest import DigestItem
from .models import WAITING, Claim, ClaimStatus

SECTION = "Hotel-night claims waiting for Center staff (S3)"


def claims_waiting(db: Session, today: date, person_ids: Collection[int] | None) -> dict[int, list[DigestItem]]:
    """S3: for each active member of Center staff (of ``person_ids``; None: all), every claim waiting
    for a decision or for payment."""
    staff = (select(Person.id).join(PersonRole, PersonRole.person_id == Person.id)
             .where(PersonRole.role == Role.CENTER_STAFF, Person.is_active.is_(True)))
    if person_ids is not None:
        staff = staff.where(Person.id.in_(sorted(set(person_ids))))
    staff_ids = list(db.scalars(staff))
    if not staff_ids:
        return {}
    items = []
    for claim in db.scalars(select(Claim).where(Claim.status.in_(WAITING)).order_by(Claim.created_at, Claim.id)):
        approved = claim.status == ClaimStatus.APPROVED
        since = (claim.decided_at if approved and claim.decided_at else claim.created_at).date()
        items.append(DigestItem(
            section=SECTION, path=f"/claims/{claim.id}", since=since,
            title=f"{claim.person.name}'s hotel night at the {claim.conference.name}: {claim.amount} {claim.currency}",
            detail="approved, to be paid" if approved else "to be decided"))
    return {pid: list(items) for pid in staff_ids} if items else {}
