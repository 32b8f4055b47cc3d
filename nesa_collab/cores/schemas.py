"""Input and output shapes for Core terms, consultations and candidacies."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..network.schemas import PersonBrief


class ConsultationIn(BaseModel):
    rule: ClassVar[str] = "C1"
    body: Literal["executive_director", "pdac"] = Field(description="who was consulted (C1)")
    consulted_on: date
    method: str = Field(default="", max_length=40, description="email, meeting, call")
    note: str = Field(default="", max_length=2000)


class ConsultationFields(BaseModel):
    """C1 on a form: flat fields, one consultation each for the ED and the PDAC, and a note."""

    rule: ClassVar[str] = "C1"
    # Titles: what the form calls each field, for refusals in plain words.
    ed_consulted_on: date | None = Field(default=None, title="Executive Director consulted on")
    ed_method: str = Field(default="", max_length=40, title="How the Executive Director was consulted")
    ed_note: str = Field(default="", max_length=2000, title="The Executive Director's note")
    pdac_consulted_on: date | None = Field(default=None, title="PDAC consulted on")
    pdac_method: str = Field(default="", max_length=40, title="How the PDAC was consulted")
    pdac_note: str = Field(default="", max_length=2000, title="The PDAC's note")
    note: str = Field(default="", max_length=2000)


class AppointForm(ConsultationFields):
    person_id: int | None = Field(default=None, title="Person")
    candidacy_id: int | None = None
    starts_on: date | None = Field(default=None, title="First day of the term")
    ends_on: date | None = Field(default=None, title="Last day of the term")
    #: Appointing from a proposal (C1): its id, and the version of the answers the page showed.
    proposal_id: int | None = None
    answers_seen: str | None = Field(default=None, max_length=500)


class AppointIn(BaseModel):
    rule: ClassVar[str] = "C1"
    person_id: int
    starts_on: date
    ends_on: date
    consultations: list[ConsultationIn] = Field(max_length=20, description="C1: the Executive Director's and the PDAC's")
    note: str = Field(default="", max_length=2000)
    candidacy_id: int | None = None


class ReappointIn(BaseModel):
    rule: ClassVar[str] = "C7"
    ends_on: date
    consultations: list[ConsultationIn] = Field(max_length=20)
    note: str = Field(default="", max_length=2000)


class ReappointForm(ConsultationFields):
    ends_on: date | None = Field(default=None, title="Last day of the new term")


class EndEarlyIn(BaseModel):
    rule: ClassVar[str] = "C5"
    ended_on: date | None = None
    reason: str = Field(default="", max_length=40, description="resignation, moved_school or other")
    note: str = Field(default="", max_length=2000)


class CandidacyIn(BaseModel):
    rule: ClassVar[str] = "C9"
    statement: str = Field(default="", max_length=2000)
    person_id: int | None = Field(default=None, title="Colleague", description="to nominate someone else")


class ConsultationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    body: str
    consulted_on: date
    method: str
    note: str


class TermOut(BaseModel):
    """A Core term as any signed-in person sees it."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    collaborative_id: int
    person: PersonBrief
    starts_on: date
    ends_on: date
    ended_on: date | None
    end_reason: str | None
    last_day: date
    previous_id: int | None
    appointed_at: datetime


class TermDetailOut(TermOut):
    """A Core term with its consultations and notes (DPL, Executive Director, PDAC)."""

    appointed_by_id: int | None
    end_note: str | None
    note: str
    consultations: list[ConsultationOut]


class CandidacyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    collaborative_id: int
    person: PersonBrief
    nominated_by: PersonBrief | None
    statement: str
    status: str
    created_at: datetime


class OutlookPoint(BaseModel):
    on: date
    strength: int


class CoreSummaryOut(BaseModel):
    collaborative_slug: str
    collaborative_name: str
    status: str
    strength: int
    outlook: list[OutlookPoint]
    ending_soon: list[TermDetailOut]
    ending_within_year: list[TermDetailOut]
    vacancies: int
    open_seats: int
    candidates: list[CandidacyOut]
    flags: list[str]


# --- consultation requests (C1) ----------------------------------------------------------------------

class AppointmentProposalIn(BaseModel):
    """C1: an appointment the DPL proposes, asking the Executive Director and the PDAC first."""

    rule: ClassVar[str] = "C1"
    person_id: int | None = Field(default=None, title="Person")
    starts_on: date | None = Field(default=None, title="First day of the term")
    ends_on: date | None = Field(default=None, title="Last day of the term")
    candidacy_id: int | None = Field(default=None, description="the candidacy it answers (C9)")
    note: str = Field(default="", max_length=2000)


class ConsultationAnswerIn(BaseModel):
    """C1: the Executive Director's or a PDAC member's answer to a consultation request."""

    rule: ClassVar[str] = "C1"
    answer: Literal["agree", "concerns"] | None = Field(default=None, description="agree or concerns")
    note: str = Field(default="", max_length=2000, description="needed with concerns")


class AppointFromProposalIn(BaseModel):
    """C1: appoint from a proposal; a body that has not answered in the product is recorded as consulted elsewhere."""

    rule: ClassVar[str] = "C1"
    consultations: list[ConsultationIn] = Field(max_length=20, 
        default_factory=list, description="C1: consultations held elsewhere, for a body that has not answered here")
    note: str | None = Field(default=None, max_length=2000,
                             description="the appointment's note (default: the proposal's)")
    answers_seen: str | None = Field(default=None, max_length=500,
                                     description="the proposal's answers_version read; refused if it changed since")


class ConsultationRequestOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    proposal_id: int
    body: str
    requested_at: datetime
    answer: str | None
    note: str
    answered_by: PersonBrief | None
    answered_at: datetime | None
    answered_on: date | None


class AppointmentProposalBriefOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    collaborative_id: int
    collaborative_slug: str
    person: PersonBrief
    starts_on: date
    ends_on: date
    candidacy_id: int | None
    note: str
    status: str
    created_at: datetime
    created_by_id: int | None
    appointment_id: int | None
    answers_version: str


class AppointmentProposalOut(AppointmentProposalBriefOut):
    """A proposed appointment with its consultation requests and their answers (C1)."""

    requests: list[ConsultationRequestOut]


class ConsultationRequestDetailOut(ConsultationRequestOut):
    """A consultation request with the appointment it asks about (C1)."""

    proposal: AppointmentProposalBriefOut


class AnnouncementIn(BaseModel):
    rule: ClassVar[str] = "M4"
    subject: str | None = Field(default=None, max_length=200)
    body: str | None = Field(default=None, max_length=20_000)


class AnnouncementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    subject: str
    body: str
    author: PersonBrief | None
    recipients: int = Field(description="how many it was sent to (members who turned announcements off are not counted)")
    sent_at: datetime
