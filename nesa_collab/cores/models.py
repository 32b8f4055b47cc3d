"""Core appointments (terms), the consultations behind them, candidacies for open seats, and the
appointments the DPL proposes and asks the Executive Director and the PDAC about (C1)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now_utc
from ..db import Base, EnumText, UTCDateTime, enum_check

if TYPE_CHECKING:
    from ..auth.models import Person
    from ..network.models import Collaborative

MAX_CORE = 8
MIN_CORE = 5


class EndReason(StrEnum):
    RESIGNATION = "resignation"
    MOVED_SCHOOL = "moved_school"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"resignation": "Resignation", "moved_school": "Moved school", "other": "Other"}[self.value]


class Appointment(Base):
    """C1: a person's term on a collaborative's Core, from ``starts_on`` to ``ends_on`` (inclusive).

    C5: a term ended early keeps its record, with ``ended_on`` (its actual last day) and a reason.
    C7: a reappointment points at the term it continues (``previous_id``).
    C8: terms of one person on one Core never overlap (service check, and a database trigger or
    exclusion constraint added by the migration).
    """

    __tablename__ = "core_appointments"
    __table_args__ = (
        CheckConstraint("ends_on > starts_on", name="ends_after_start"),
        CheckConstraint("ended_on IS NULL OR (ended_on >= starts_on AND ended_on < ends_on)",
                        name="ended_early_within_term"),
        CheckConstraint("(ended_on IS NULL) = (end_reason IS NULL)", name="ended_early_has_reason"),
        enum_check("end_reason", EndReason, name="end_reason_known", nullable=True),
        Index("ix_core_appointments_collab_dates", "collaborative_id", "starts_on", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    collaborative_id: Mapped[int] = mapped_column(ForeignKey("collaboratives.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    starts_on: Mapped[date]
    #: The planned last day of the term (inclusive).
    ends_on: Mapped[date]
    #: The actual last day when the term ended early (C5).
    ended_on: Mapped[date | None]
    end_reason: Mapped[EndReason | None] = mapped_column(EnumText(EndReason, 20))
    end_note: Mapped[str | None] = mapped_column(Text)
    appointed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    appointed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    note: Mapped[str] = mapped_column(Text, default="")
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("core_appointments.id"))
    #: The school the member belonged to when appointed (C10 compares it with today's).
    school_id_at_appointment: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))

    person: Mapped["Person"] = relationship(foreign_keys=[person_id], lazy="joined")
    collaborative: Mapped["Collaborative"] = relationship(lazy="joined")
    appointed_by: Mapped["Person | None"] = relationship(foreign_keys=[appointed_by_id])
    consultations: Mapped[list["Consultation"]] = relationship(
        back_populates="appointment", cascade="all, delete-orphan", lazy="selectin",
        order_by="Consultation.consulted_on")

    @property
    def last_day(self) -> date:
        """The term's actual last day: the early end if there was one, else the planned end."""
        return self.ended_on or self.ends_on

    @property
    def ended_early(self) -> bool:
        return self.ended_on is not None

    def is_current(self, on: date) -> bool:
        return self.starts_on <= on <= self.last_day

    def status(self, on: date) -> str:
        if on < self.starts_on:
            return "future"
        if on > self.last_day:
            return "ended early" if self.ended_early else "ended"
        return "current"


class ConsultedBody(StrEnum):
    EXECUTIVE_DIRECTOR = "executive_director"
    PDAC = "pdac"

    @property
    def label(self) -> str:
        return "Executive Director" if self is ConsultedBody.EXECUTIVE_DIRECTOR else "PDAC"

    @property
    def form_prefix(self) -> str:
        """The prefix of this body's consultation fields on the appointment forms (``ed_consulted_on``)."""
        return "ed" if self is ConsultedBody.EXECUTIVE_DIRECTOR else "pdac"


class Consultation(Base):
    """C1: the DPL consulted the Executive Director or the PDAC about an appointment: when, how, note."""

    __tablename__ = "core_consultations"
    __table_args__ = (
        enum_check("body", ConsultedBody, name="body_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("core_appointments.id", ondelete="CASCADE"),
                                                index=True)
    body: Mapped[ConsultedBody] = mapped_column(EnumText(ConsultedBody, 30))
    consulted_on: Mapped[date]
    #: How: email, meeting, call.
    method: Mapped[str] = mapped_column(String(40), default="")
    note: Mapped[str] = mapped_column(Text, default="")

    appointment: Mapped[Appointment] = relationship(back_populates="consultations")

    @property
    def body_label(self) -> str:
        return ConsultedBody(self.body).label


class CandidacyStatus(StrEnum):
    OPEN = "open"
    WITHDRAWN = "withdrawn"
    APPOINTED = "appointed"


class Candidacy(Base):
    """C9: an educator applies, or is nominated, for a seat on a Core, with a short statement."""

    __tablename__ = "core_candidacies"
    __table_args__ = (
        enum_check("status", CandidacyStatus, name="status_known"),
        Index("uq_core_candidacies_open", "collaborative_id", "person_id", unique=True,
              sqlite_where=text("status = 'open'"),
              postgresql_where=text("status = 'open'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    collaborative_id: Mapped[int] = mapped_column(ForeignKey("collaboratives.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    #: Who nominated them; None when they applied themselves.
    nominated_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    statement: Mapped[str] = mapped_column(Text)
    status: Mapped[CandidacyStatus] = mapped_column(EnumText(CandidacyStatus, 16), default=CandidacyStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("core_appointments.id"))

    person: Mapped["Person"] = relationship(foreign_keys=[person_id], lazy="joined")
    nominated_by: Mapped["Person | None"] = relationship(foreign_keys=[nominated_by_id], lazy="joined")
    collaborative: Mapped["Collaborative"] = relationship(lazy="joined")


class ProposalStatus(StrEnum):
    OPEN = "open"
    APPOINTED = "appointed"
    WITHDRAWN = "withdrawn"


class ConsultationAnswer(StrEnum):
    AGREE = "agree"
    CONCERNS = "concerns"

    @property
    def label(self) -> str:
        return "Agree" if self is ConsultationAnswer.AGREE else "Concerns"


class ProposedAppointment(Base):
    """C1: an appointment the DPL prepares — a person, a term, perhaps from a candidacy (C9) — and asks
    the Executive Director and the PDAC about (one ``ConsultationRequest`` each) before making it.

    One open proposal per person and Core. It ends appointed (``appointment_id``: their answers are
    that term's consultations) or withdrawn; either way it stays on record.
    """

    __tablename__ = "core_proposals"
    __table_args__ = (
        CheckConstraint("ends_on > starts_on", name="ends_after_start"),
        enum_check("status", ProposalStatus, name="status_known"),
        CheckConstraint("(status = 'appointed') = (appointment_id IS NOT NULL)", name="appointed_has_term"),
        CheckConstraint("(status = 'open') = (decided_at IS NULL)", name="decided_unless_open"),
        Index("uq_core_proposals_open", "collaborative_id", "person_id", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    collaborative_id: Mapped[int] = mapped_column(ForeignKey("collaboratives.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    starts_on: Mapped[date]
    #: The proposed last day of the term (inclusive).
    ends_on: Mapped[date]
    #: The candidacy the proposal answers (C9), if it came from one.
    candidacy_id: Mapped[int | None] = mapped_column(ForeignKey("core_candidacies.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    status: Mapped[ProposalStatus] = mapped_column(EnumText(ProposalStatus, 16), default=ProposalStatus.OPEN)
    #: When it was appointed or withdrawn.
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("core_appointments.id"))

    person: Mapped["Person"] = relationship(foreign_keys=[person_id], lazy="joined")
    collaborative: Mapped["Collaborative"] = relationship(lazy="joined")
    candidacy: Mapped[Candidacy | None] = relationship(foreign_keys=[candidacy_id], lazy="selectin")
    created_by: Mapped["Person | None"] = relationship(foreign_keys=[created_by_id], lazy="selectin")
    appointment: Mapped[Appointment | None] = relationship(foreign_keys=[appointment_id])
    requests: Mapped[list["ConsultationRequest"]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", lazy="selectin",
        order_by="ConsultationRequest.id")

    @property
    def is_open(self) -> bool:
        return self.status == ProposalStatus.OPEN

    @property
    def collaborative_slug(self) -> str:
        return self.collaborative.slug

    def request_of(self, body: ConsultedBody | str) -> "ConsultationRequest | None":
        return next((r for r in self.requests if r.body == body), None)

    @property
    def answers_version(self) -> str:
        """The answers as they stand, in one string: a page that appoints from the proposal sends back
        the version it showed, so an answer given or changed meanwhile is read before appointing."""
        return ";".join(f"{r.body}={r.answer or ''}@{r.answered_at.isoformat() if r.answered_at else ''}"
                        for r in sorted(self.requests, key=lambda r: r.body))

    @property
    def all_answered(self) -> bool:
        """Whether every body asked has answered (C1: then the DPL can appoint from the answers alone)."""
        return bool(self.requests) and all(r.is_answered for r in self.requests)


class ConsultationRequest(Base):
    """C1: the DPL asks one body (the Executive Director or the PDAC) for its view on a proposed
    appointment; a person holding that role answers in the product — agree or concerns, with a note —
    and may change the answer while the proposal is open. ``answered_on`` is the network's date of
    the answer: it becomes the consultation's date when the appointment is made.
    """

    __tablename__ = "core_consultation_requests"
    __table_args__ = (
        UniqueConstraint("proposal_id", "body", name="uq_core_consultation_requests_body"),
        enum_check("body", ConsultedBody, name="body_known"),
        enum_check("answer", ConsultationAnswer, name="answer_known", nullable=True),
        CheckConstraint("(answer IS NULL) = (answered_at IS NULL) AND (answer IS NULL) = (answered_on IS NULL)",
                        name="answered_has_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("core_proposals.id", ondelete="CASCADE"))
    body: Mapped[ConsultedBody] = mapped_column(EnumText(ConsultedBody, 30))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    answer: Mapped[ConsultationAnswer | None] = mapped_column(EnumText(ConsultationAnswer, 16))
    note: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The day of the answer in the network's zone (the consultation's date, C1).
    answered_on: Mapped[date | None]

    proposal: Mapped[ProposedAppointment] = relationship(back_populates="requests")
    answered_by: Mapped["Person | None"] = relationship(foreign_keys=[answered_by_id], lazy="joined")

    @property
    def is_answered(self) -> bool:
        return self.answer is not None

    @property
    def body_label(self) -> str:
        return ConsultedBody(self.body).label

    @property
    def answer_label(self) -> str:
        return ConsultationAnswer(self.answer).label if self.answer else "Waiting"


class Announcement(Base):
    """M4: a message a collaborative's Core (or the DPL) sends its members by mail; listed on the
    collaborative's page. ``recipients`` is how many it was written to (those who turned
    announcements off are not among them)."""

    __tablename__ = "core_announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    collaborative_id: Mapped[int] = mapped_column(ForeignKey("collaboratives.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    recipients: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    author: Mapped["Person | None"] = relationship(lazy="joined")
    collaborative: Mapped["Collaborative"] = relationship(lazy="joined")
