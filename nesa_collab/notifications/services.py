"""Writing to the outbox."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth.models import Person
from .models import OutboxMessage


def tell(db: Session, person: Person, kind: str, subject: str, body: str) -> OutboxMessage:
    """Queue a message to ``person`` in the current transaction (it is lost if the change is)."""
    message = OutboxMessage(person_id=person.id, email=person.email, subject=subject, body=body, kind=kind)
    db.add(message)
    return message


def messages_to(db: Session, person_id: int) -> list[OutboxMessage]:
    return list(db.scalars(select(OutboxMessage).where(OutboxMessage.person_id == person_id)
                           .order_by(OutboxMessage.created_at.desc())))
