"""Writing to the outbox, and each person's mail preferences. Every domain writes here, so this
package imports none: a recipient is anything with a person's ``id`` and ``email``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.services import record
from ..clock import now_utc
from ..permissions import Actor, require
from .models import MailPreference, OutboxMessage

#: Set in a session's ``info`` when a message was written in it, so that whoever commits it can wake
#: the sender (``wrote_messages``).
_WRITTEN = "nesa_outbox_written"


class Recipient(Protocol):
    id: int
    email: str


@dataclass(frozen=True)
class Attachment:
    """A part sent beside the message's text: its MIME type, its text and, for an iCalendar
    invitation, the iTIP method (``REQUEST``, ``CANCEL``; RFC 5546) its part announces."""

    content_type: str
    text: str
    method: str | None = None


def tell(db: Session, person: Recipient, kind: str, subject: str, body: str, *,
         attachment: Attachment | None = None, headers: dict[str, str] | None = None,
         key: str | None = None) -> OutboxMessage:
    """Queue a message to ``person`` in the current transaction (it is lost if the change is): it is
    sent after the commit, never before (``delivery.send_due``)."""
    message = OutboxMessage(person_id=person.id, email=person.email, subject=subject[:300], body=body, kind=kind,
                            key=key, headers=dict(headers or {}), next_attempt_at=now_utc())
    if attachment is not None:
        message.attachment_type = attachment.content_type
        message.attachment_method = attachment.method
        message.attachment = attachment.text
    db.add(message)
    db.info[_WRITTEN] = True
    return message


def wrote_messages(db: Session) -> bool:
    """Whether messages were written through ``db`` (the web boundary asks after its commit, to wake
    the sender; a spurious "yes" after a rollback costs one look at the outbox)."""
    return bool(db.info.pop(_WRITTEN, False))


def messages_to(db: Session, person_id: int) -> list[OutboxMessage]:
    return list(db.scalars(select(OutboxMessage).where(OutboxMessage.person_id == person_id)
                           .order_by(OutboxMessage.created_at.desc())))


# --- what mail a person wants ------------------------------------------------------------------------

def preferences_of(db: Session, actor: Actor | None, person_id: int) -> MailPreference:
    """One's mail preferences (the DPL may read anyone's); a person who never chose gets the defaults
    (every kind of mail), unsaved."""
    require(actor, "mail.preferences", person_id)
    row = db.scalar(select(MailPreference).where(MailPreference.person_id == person_id))
    return row or MailPreference(person_id=person_id, wants_digest=True, wants_announcements=True)


def set_preferences(db: Session, actor: Actor, person_id: int, *, wants_digest: bool,
                    wants_announcements: bool) -> MailPreference:
    """Turn the daily digest and the collaboratives' announcements on or off, for oneself."""
    require(actor, "mail.preferences", person_id)
    row = db.scalar(select(MailPreference).where(MailPreference.person_id == person_id))
    before = {"wants_digest": row.wants_digest, "wants_announcements": row.wants_announcements} if row else None
    if row is None:
        row = MailPreference(person_id=person_id)
        db.add(row)
    row.wants_digest, row.wants_announcements, row.updated_at = wants_digest, wants_announcements, now_utc()
    after = {"wants_digest": wants_digest, "wants_announcements": wants_announcements}
    if after != before:
        record(db, actor, "mail.preferences", row,
               f"Digest {'on' if wants_digest else 'off'}, announcements {'on' if wants_announcements else 'off'}",
               before=before, after=after)
    return row


def not_wanting(db: Session, person_ids: Iterable[int] | None, what: str) -> set[int]:
    """Of ``person_ids`` (None: everyone), those who turned ``what`` off: ``"digest"`` or
    ``"announcements"``. One query."""
    column = {"digest": MailPreference.wants_digest, "announcements": MailPreference.wants_announcements}[what]
    stmt = select(MailPreference.person_id).where(column.is_(False))
    if person_ids is not None:
        stmt = stmt.where(MailPreference.person_id.in_(sorted(set(person_ids))))
    return set(db.scalars(stmt))
