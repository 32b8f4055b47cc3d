"""Writing to the outbox. Every domain writes here, so this package imports none: a recipient is
anything with a person's ``id`` and ``email``."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import OutboxMessage


class Recipient(Protocol):
    id: int
    email: str


def tell(db: Session, person: Recipient, kind: str, subject: str, body: str) -> OutboxMessage:
    """Queue a message to ``person`` in the current transaction (it is lost if the change is)."""
    message = OutboxMessage(person_id=person.id, email=person.email, subject=subject, body=body, kind=kind)
    db.add(message)
    return message


def messages_to(db: Session, person_id: int) -> list[OutboxMessage]:
    return list(db.scalars(select(OutboxMessage).where(OutboxMessage.person_id == person_id)
                           .order_by(OutboxMessage.created_at.desc())))
