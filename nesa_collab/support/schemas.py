"""Input and output shapes of hotel-night claims (S3), for the forms and the API. Amounts travel as
strings (``"145.00"``) both ways; the service reads them exactly and refuses anything else with S3."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from ..money import AmountText, MoneyOut
from .models import Claim


class ClaimFields(BaseModel):
    """S3: the night claimed, its amount and currency (the receipt comes as a file)."""

    rule: ClassVar[str] = "S3"
    night_on: date | None = Field(default=None, description="the night claimed: the evening before the meeting "
                                                            "day, or of the meeting day (YYYY-MM-DD)")
    amount: AmountText | None = Field(default=None, description="the amount paid for the night, a string such as "
                                                                "\"145.00\" (at most the conference's nightly cap)")
    currency: str | None = Field(default=None, max_length=10, description="ISO 4217 code: the nightly cap's currency")
    nights: int = Field(default=1, description="nights claimed: the network pays exactly one")


class ClaimIn(ClaimFields):
    """S3: a claim sent to the API as multipart/form-data, with the receipt in the ``receipt`` part."""

    meeting_id: int | None = Field(default=None, description="the planning meeting attended")


class RejectIn(BaseModel):
    rule: ClassVar[str] = "S3"
    reason: str = Field(default="", max_length=2000, description="why the claim is rejected (the claimant sees it)")


class PayIn(BaseModel):
    rule: ClassVar[str] = "S3"
    reference: str = Field(default="", max_length=100, description="the payment's reference (bank transfer, ...)")


class PersonRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str


class NamedRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    slug: str
    name: str


class ReceiptOut(BaseModel):
    name: str = Field(description="the name it was uploaded with (it is stored under another)")
    media_type: str
    size: int
    sha256: str


class ClaimOut(BaseModel):
    id: int
    claimant: PersonRef
    conference: NamedRef
    collaborative: NamedRef
    meeting_id: int
    night_on: date
    amount: MoneyOut
    currency: str
    status: str = Field(description="submitted, approved, rejected or paid")
    rejection_reason: str | None
    payment_reference: str | None
    created_at: datetime
    decided_at: datetime | None
    paid_at: datetime | None
    receipt: ReceiptOut

    @classmethod
    def of(cls, claim: Claim) -> "ClaimOut":
        return cls(id=claim.id, claimant=PersonRef.model_validate(claim.person),
                   conference=NamedRef.model_validate(claim.conference),
                   collaborative=NamedRef.model_validate(claim.meeting.collaborative), meeting_id=claim.meeting_id,
                   night_on=claim.night_on, amount=claim.amount, currency=claim.currency, status=claim.status.value,
                   rejection_reason=claim.rejection_reason, payment_reference=claim.payment_reference,
                   created_at=claim.created_at, decided_at=claim.decided_at, paid_at=claim.paid_at,
                   receipt=ReceiptOut(name=claim.receipt_name, media_type=claim.receipt_type, size=claim.receipt_size,
                                      sha256=claim.receipt_sha256))


    @classmethod
    def of_line(cls, line: Any) -> "ClaimOut":
        """The same, from a line of a list of claims (``claims.lines``)."""
        return cls(id=line.id, claimant=PersonRef(id=line.claimant_id, name=line.claimant_name),
                   conference=NamedRef(slug=line.conference_slug, name=line.conference_name),
                   collaborative=NamedRef(slug=line.collaborative_slug, name=line.collaborative_name),
                   meeting_id=line.meeting_id, night_on=line.night_on, amount=line.amount, currency=line.currency,
                   status=line.status.value, rejection_reason=line.rejection_reason,
                   payment_reference=line.payment_reference, created_at=line.created_at,
                   decided_at=line.decided_at, paid_at=line.paid_at,
                   receipt=ReceiptOut(name=line.receipt_name, media_type=line.receipt_type, size=line.receipt_size,
                                      sha256=line.receipt_sha256))


class TotalOut(BaseModel):
    """S3: the claims (not rejected) of one conference or collaborative in one currency."""

    model_config = ConfigDict(from_attributes=True)
    slug: str
    name: str
    currency: str
    claims: int
    submitted: MoneyOut
    approved: MoneyOut
    paid: MoneyOut
