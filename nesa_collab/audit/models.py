"""A1: every change is recorded: who, when, what, before and after. Never edited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..clock import now_utc
from ..db import Base, UTCDateTime



class AuditEntry(Base):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_at_id", "at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    #: None when the system (the scheduler, a CLI run without a person) made the change.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    #: What happened, as ``subject.verb`` (``collaborative.create``, ``membership.leave``).
    action: Mapped[str] = mapped_column(String(80), index=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None]
    #: The collaborative the change concerns, if any (the audit log filters by it).
    collaborative_id: Mapped[int | None] = mapped_column(ForeignKey("collaboratives.id"), index=True)
    summary: Mapped[str] = mapped_column(String(500))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    # Every domain writes here, so this package imports none: people and collaboratives are named.
    actor: Mapped["Person | None"] = relationship("Person", lazy="joined")  # noqa: F821


@event.listens_for(Session, "before_flush")
def _audit_is_append_only(session: Session, _ctx, _instances) -> None:
    """A1: the record cannot be edited through the product."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry):
            raise PermissionError("A1: audit entries cannot be changed or deleted")
