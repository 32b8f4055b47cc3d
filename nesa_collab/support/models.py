"""Hotel-night reimbursement claims (S3): one night at the conference hotel for a Core member who
attends a planning meeting beside the conference, with the hotel's receipt."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now_utc
from ..db import Base, EnumText, UTCDateTime, enum_check

if TYPE_CHECKING:
    from ..auth.models import Person
    from ..meetings.models import Conference, Meeting


class ClaimStatus(StrEnum):
    """S3: ``submitted`` → ``approved`` → ``paid``, or ``rejected`` with a reason."""

    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    PAID = "paid"

    @property
    def label(self) -> str:
        return self.value.capitalize()


#: S3: claims still waiting for Center staff: a decision, or the payment of an approved one.
WAITING = (ClaimStatus.SUBMITTED, ClaimStatus.APPROVED)
#: S3: claims that count as spend (a rejected one does not).
SPENDING = (ClaimStatus.SUBMITTED, ClaimStatus.APPROVED, ClaimStatus.PAID)


class Claim(Base):
    """S3: a Core member's claim for one hotel night beside a conference, against the planning
    meeting they attended; at most one per person per conference (the unique key holds it when two
    claims race). The receipt is stored under a random name outside the web root."""

    __tablename__ = "claims"
    __table_args__ = (
        UniqueConstraint("person_id", "conference_id", name="uq_claims_person_conference"),
        enum_check("status", ClaimStatus, name="status_known"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("length(currency) = 3", name="currency_code"),
        CheckConstraint("receipt_size > 0", name="receipt_not_empty"),
        CheckConstraint("(status = 'rejected') = (rejection_reason IS NOT NULL)", name="rejected_has_reason"),
        CheckConstraint("(status = 'paid') = (payment_reference IS NOT NULL)", name="paid_has_reference"),
        CheckConstraint("(status = 'submitted') = (decided_at IS NULL)", name="decided_unless_submitted"),
        CheckConstraint("(status = 'paid') = (paid_at IS NOT NULL)", name="paid_has_date"),
        Index("ix_claims_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The claimant.
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id"), index=True)
    #: The planning meeting the night is claimed against.
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    #: The night claimed: the evening it starts (the night before the meeting day, or of that day).
    night_on: Mapped[date]
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    #: ISO 4217, the conference's cap's currency.
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[ClaimStatus] = mapped_column(EnumText(ClaimStatus, 16), default=ClaimStatus.SUBMITTED)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    payment_reference: Mapped[str | None] = mapped_column(String(100))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    #: The receipt: a random file name in the receipts folder, and what was uploaded.
    receipt_file: Mapped[str] = mapped_column(String(64), unique=True)
    receipt_name: Mapped[str] = mapped_column(String(255))
    #: Found from the file's first bytes, not from its name or the type the browser declared.
    receipt_type: Mapped[str] = mapped_column(String(40))
    receipt_size: Mapped[int] = mapped_column(Integer)
    receipt_sha256: Mapped[str] = mapped_column(String(64))

    person: Mapped["Person"] = relationship(foreign_keys=[person_id], lazy="joined")
    conference: Mapped["Conference"] = relationship(lazy="joined")
    meeting: Mapped["Meeting"] = relationship(lazy="joined")
    decided_by: Mapped["Person | None"] = relationship(foreign_keys=[decided_by_id])
    paid_by: Mapped["Person | None"] = relationship(foreign_keys=[paid_by_id])

    @property
    def is_waiting(self) -> bool:
        return self.status in WAITING
