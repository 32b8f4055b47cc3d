"""Idempotency keys for API writes (issue 13): a client that retries a write whose answer it lost
sends the same ``Idempotency-Key`` header and gets the first answer back instead of a second change.

The first successful answer is stored in the write's own transaction, so the change and its stored
answer are committed together or not at all. A key belongs to one person and lives a day; using it
again for a different request (another method, path, or body) is refused. Two requests racing with
one key: the database's unique key lets one commit; the other is refused as a conflict (409), and
its retry gets the stored answer. Answers that refused the write (4xx) are not stored: nothing
changed, so a retry simply tries again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, LargeBinary, String, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .clock import now_utc
from .db import Base, UTCDateTime

HEADER = "idempotency-key"
MAX_KEY = 255
LIFETIME = timedelta(hours=24)


class IdempotencyKey(Base):
    """The first answer to a write sent with an ``Idempotency-Key``, kept for a day."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("person_id", "key"), Index("ix_idempotency_keys_person_id_created_at",
                                                                  "person_id", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(MAX_KEY))
    #: What the request was: method, path, query and a digest of its body.
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int]
    media_type: Mapped[str] = mapped_column(String(100))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


@dataclass(frozen=True)
class Stored:
    fingerprint: str
    status: int
    media_type: str
    body: bytes


def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    return hashlib.sha256(b"\0".join([method.encode(), path.encode(), query.encode(),
                                      hashlib.sha256(body).digest()])).hexdigest()


def lookup(db: Session, person_id: int, key: str) -> Stored | None:
    """The stored answer for this person's key, if it is younger than a day."""
    row = db.execute(select(IdempotencyKey.fingerprint, IdempotencyKey.status, IdempotencyKey.media_type,
                            IdempotencyKey.body).where(
        IdempotencyKey.person_id == person_id, IdempotencyKey.key == key,
        IdempotencyKey.created_at > now_utc() - LIFETIME)).one_or_none()
    return Stored(*row) if row else None


def store(db: Session, person_id: int, key: str, print_: str, status: int, media_type: str, body: bytes) -> None:
    """Keep the answer in the write's transaction; forget this person's keys older than a day."""
    db.execute(delete(IdempotencyKey).where(IdempotencyKey.person_id == person_id,
                                            IdempotencyKey.created_at <= now_utc() - LIFETIME))
    db.add(IdempotencyKey(person_id=person_id, key=key, fingerprint=print_, status=status,
                          media_type=media_type, body=body))
