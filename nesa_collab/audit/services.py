"""Writing the audit log (A1): every domain records its changes here, so this package imports none
(the actor is named by key; the page that reads the log is ``nesa_collab.audit_log``)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Iterable

from sqlalchemy.orm import Session

from ..clock import now_utc
from .models import AuditEntry


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """A JSON-safe picture of ``obj``'s ``fields``, for the before/after of an audit entry."""
    out: dict[str, Any] = {}
    for name in fields:
        value = getattr(obj, name)
        if isinstance(value, (date, datetime)):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, Enum):
            value = value.value
        elif isinstance(value, (set, frozenset, tuple)):
            value = sorted(str(v) for v in value)
        out[name] = value
    return out


def record(
    db: Session,
    actor,
    action: str,
    subject: Any,
    summary: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    collaborative_id: int | None = None,
) -> AuditEntry:
    """A1: record one change, in the same transaction as the change itself."""
    db.flush()  # so that a new subject has its id
    entry = AuditEntry(
        at=now_utc(),
        actor_id=getattr(actor, "id", None),
        action=action,
        subject_type=type(subject).__name__,
        subject_id=getattr(subject, "id", None),
        collaborative_id=collaborative_id,
        summary=summary[:500],
        before=before,
        after=after,
    )
    db.add(entry)
    return entry
