"""An outbox row per message, and each person's choice of the mail they want."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now_utc
from ..db import Base, UTCDateTime


class OutboxMessage(Base):
    """A message to a person, written in the transaction of the change that causes it and sent after
    the commit by ``delivery.send_due``: due from ``next_attempt_at``, claimed by one sender at a time
    (``claimed_by``/``claimed_at``, a lease), ``sent_at`` once the SMTP server took it; a failed
    attempt records its error and waits longer before the next (``attempts``)."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        CheckConstraint("(attachment IS NULL) = (attachment_type IS NULL)", name="attachment_has_type"),
        CheckConstraint("(claimed_by IS NULL) = (claimed_at IS NULL)", name="claim_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    #: The address at the time of writing (people may change theirs later).
    email: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    #: What caused it, e.g. ``core.appointed``.
    kind: Mapped[str] = mapped_column(String(60), index=True)
    #: Written at most once per key (the daily digest: ``digest:{person}:{day}``); None: no such limit.
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    #: A second part beside the text, e.g. an iCalendar invitation: its MIME type (``text/calendar``),
    #: its iTIP method (``REQUEST``, ``CANCEL``; RFC 5546) and its text.
    attachment_type: Mapped[str | None] = mapped_column(String(100))
    attachment_method: Mapped[str | None] = mapped_column(String(20))
    attachment: Mapped[str | None] = mapped_column(Text)
    #: Further headers of the message, by name.
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    #: Due from then: when written, then after each failed attempt a little later (``delivery.BACKOFF``).
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    #: The sender that holds it, and since when: another may take it over once the lease is over.
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why the last attempt failed (kept after a later success, for the record).
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    person: Mapped["Person"] = relationship("Person")  # noqa: F821 - people are named, not imported

    @property
    def is_sent(self) -> bool:
        return self.sent_at is not None


class MailPreference(Base):
    """Which mail a person wants: the daily digest, their collaboratives' announcements. A person
    without a row wants both (the defaults)."""

    __tablename__ = "mail_preferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), unique=True)
    wants_digest: Mapped[bool] = mapped_column(default=True)
    wants_announcements: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
