"""The coordinator's answers (O3): a school confirms what it owes, or declines it with a reason —
for conference attendance (O2, "within its budget") the budget is a normal reason."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..audit.services import record
from ..clock import now_utc
from ..db import get_or_not_found
from ..errors import DomainError
from ..permissions import Actor, require, require_visible
from .feed import obligations_changed
from .models import DeclineReason, Obligation, ObligationKind, ObligationStatus, day_text
from .services import obligation_snapshot

MAX_NOTE = 2000


def get_obligation(db: Session, actor: Actor | None, obligation_id: int) -> Obligation:
    """O3: one obligation, for those who see its school's; to anyone else it is not revealed (it
    names a person and what their school owes them)."""
    row = get_or_not_found(db, Obligation, obligation_id)
    require_visible(actor, "obligation.view", row)
    return row


def for_deciding(db: Session, actor: Actor | None, obligation_id: int) -> Obligation:
    """O3: an obligation its school's coordinator (or the DPL) is about to answer; others who may
    see it (Center staff) are refused."""
    row = get_obligation(db, actor, obligation_id)
    require(actor, "obligation.decide", row)
    return row


def _check_decidable(actor: Actor, row: Obligation) -> None:
    require_visible(actor, "obligation.view", row)
    require(actor, "obligation.decide", row)
    if not row.is_live:
        raise DomainError("O3", f"this obligation was withdrawn on {day_text(row.withdrawn_at.date())}: "
                          f"{row.withdrawn_reason}", field="decision")


def confirm(db: Session, actor: Actor, row: Obligation) -> Obligation:
    """O3: the school confirms it will provide what is owed (confirming again changes nothing)."""
    _check_decidable(actor, row)
    if row.status == ObligationStatus.CONFIRMED:
        return row
    before = obligation_snapshot(row)
    _decided(row, actor, ObligationStatus.CONFIRMED, None, "")
    obligations_changed(db, [row.id])  # M5: the school's calendar shows the answer
    record(db, actor, "obligation.confirm", row, f"{row.school.name} confirmed ({row.rule}): {row.statement}",
           before=before, after=obligation_snapshot(row), collaborative_id=row.collaborative_id)
    return row


def decline(db: Session, actor: Actor, row: Obligation, reason: str | None, note: str = "") -> Obligation:
    """O3: the school declines, with a reason: ``budget`` (O2: attendance is supported within the
    school's budget) or ``other``, which says what in ``note``."""
    _check_decidable(actor, row)
    try:
        reason = DeclineReason(reason or "")
    except ValueError:
        raise DomainError("O3", "choose why the school declines", field="reason") from None
    note = (note or "").strip()
    if reason == DeclineReason.BUDGET and row.kind == ObligationKind.RELEASE:
        raise DomainError("O1", "a school releases each Core member for the planning day; the budget is a reason "
                          "for conference attendance (O2), so say why the school cannot release them",
                          field="reason")
    if reason == DeclineReason.OTHER and not note:
        raise DomainError("O3", "say why the school declines", field="note")
    if len(note) > MAX_NOTE:
        raise DomainError("O3", f"keep the note under {MAX_NOTE:,} characters", field="note")
    if (row.status, row.decline_reason, row.decision_note) == (ObligationStatus.DECLINED, reason, note):
        return row
    before = obligation_snapshot(row)
    _decided(row, actor, ObligationStatus.DECLINED, reason, note)
    obligations_changed(db, [row.id])  # M5: the school's calendar shows the answer
    why = "budget" if reason == DeclineReason.BUDGET else note
    record(db, actor, "obligation.decline", row, f"{row.school.name} declined ({row.rule}, {why}): {row.statement}",
           before=before, after=obligation_snapshot(row), collaborative_id=row.collaborative_id)
    return row


def decide(db: Session, actor: Actor, row: Obligation, decision: str | None, reason: str | None = None,
           note: str = "") -> Obligation:
    """O3: ``confirm`` or ``decline`` as the decision form and the API name them."""
    if decision == "confirm":
        return confirm(db, actor, row)
    if decision == "decline":
        return decline(db, actor, row, reason, note)
    _check_decidable(actor, row)
    raise DomainError("O3", "confirm or decline", field="decision")


def _decided(row: Obligation, actor: Actor, status: ObligationStatus, reason: DeclineReason | None,
             note: str) -> None:
    now = now_utc()
    row.status, row.decline_reason, row.decision_note = status, reason, note
    row.decided_by_id, row.decided_at = actor.id, now
    row.sequence += 1  # M5: the school's calendar shows the answer
    row.updated_at = now
