"""Input and output shapes for obligations (O1–O3), for the decision form and the API."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from pydantic import BaseModel, Field


class DecisionIn(BaseModel):
    """O3: the coordinator's answer on the decision form: confirm, or decline with a reason."""

    rule: ClassVar[str] = "O3"
    decision: str = Field(default="", max_length=40, description="confirm or decline")
    reason: str = Field(default="", max_length=40, description="when declining: budget (O2, attendance) or other")
    note: str = Field(default="", max_length=2000, description="what the other reason is (optional for budget)")


class ObligationDeclineIn(BaseModel):
    rule: ClassVar[str] = "O3"
    reason: str = Field(default="", max_length=40, description="budget (O2: attendance is supported within the school's budget) "
                                                "or other")
    note: str = Field(default="", max_length=2000, description="what the other reason is (optional for budget)")


class NamedRef(BaseModel):
    slug: str
    name: str


class PersonRef(BaseModel):
    id: int
    name: str


class ObligationOut(BaseModel):
    """O1/O2: one obligation of a school, with its answer (O3) and, if withdrawn, why."""

    id: int
    kind: str = Field(description="release (O1) or attendance (O2)")
    rule: str
    statement: str = Field(description="what is owed, in a sentence")
    school: NamedRef
    person: PersonRef
    collaborative: NamedRef
    conference: NamedRef
    meeting_id: int | None
    first_day: date
    last_day: date
    support: str
    why: str
    status: str = Field(description="pending, confirmed or declined (the school's answer)")
    decline_reason: str | None
    decision_note: str
    decided_at: datetime | None
    withdrawn_at: datetime | None
    withdrawn_reason: str | None
    created_at: datetime
    updated_at: datetime


class TallyOut(BaseModel):
    slug: str
    name: str
    pending: int
    confirmed: int
    declined: int


class ObligationCountsOut(BaseModel):
    """O3: live obligations by answer, for each school and each conference."""

    by_school: list[TallyOut]
    by_conference: list[TallyOut]
