"""Member schools' obligations (O1–O3): what a school owes its faculty who serve on Cores or attend a
conference featuring their collaborative. Derived from appointments, planning meetings, conferences
and answers (never typed in), stored so that the school's coordinator can confirm or decline each and
the history stays."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now_utc
from ..db import Base, EnumText, UTCDateTime, enum_check

if TYPE_CHECKING:
    from ..auth.models import Person
    from ..meetings.models import Conference, Meeting
    from ..network.models import Collaborative, School


class ObligationKind(StrEnum):
    #: O1: release on the day of the planning meeting beside the conference.
    RELEASE = "release"
    #: O2: support to attend a conference that features their collaborative (within the school's budget).
    ATTENDANCE = "attendance"

    @property
    def label(self) -> str:
        return {"release": "Release for the planning meeting", "attendance": "Conference attendance"}[self.value]

    @property
    def rule(self) -> str:
        return "O1" if self is ObligationKind.RELEASE else "O2"


class ObligationStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return {"pending": "Awaiting the school", "confirmed": "Confirmed", "declined": "Declined"}[self.value]


class DeclineReason(StrEnum):
    #: O2: within its budget — declining attendance for budget is a normal answer.
    BUDGET = "budget"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"budget": "Budget (the school cannot fund it this time)", "other": "Another reason"}[self.value]


#: The live rows (not withdrawn) are unique on their natural key: one release per person and planning
#: meeting, one attendance per person and conference, however often the obligations are reconciled.
LIVE_RELEASE = "withdrawn_at IS NULL AND kind = 'release'"
LIVE_ATTENDANCE = "withdrawn_at IS NULL AND kind = 'attendance'"


class Obligation(Base):
    """O1/O2: one thing a member school owes one of its people, and the school's answer (O3).

    ``status`` is the coordinator's answer: ``pending`` → ``confirmed`` or ``declined`` (with a reason).
    When what it follows moves (the meeting's day, the conference's dates) the days follow and an
    answer already given returns to ``pending``. When it no longer holds (the meeting cancelled, the
    term ended, the person moved school, the school lapsed, the answer changed) it is withdrawn:
    ``withdrawn_at`` and the reason are set and the row stays, as history.
    """

    __tablename__ = "obligations"
    __table_args__ = (
        enum_check("kind", ObligationKind, name="kind_known"),
        enum_check("status", ObligationStatus, name="status_known"),
        enum_check("decline_reason", DeclineReason, name="decline_reason_known", nullable=True),
        CheckConstraint("last_day >= first_day", name="last_day_after_first"),
        CheckConstraint("(status = 'declined') = (decline_reason IS NOT NULL)", name="declined_has_reason"),
        CheckConstraint("(withdrawn_at IS NULL) = (withdrawn_reason IS NULL)", name="withdrawn_has_reason"),
        CheckConstraint("sequence >= 0", name="sequence_not_negative"),
        Index("uq_obligations_live_release", "person_id", "meeting_id", unique=True,
              sqlite_where=text(LIVE_RELEASE), postgresql_where=text(LIVE_RELEASE)),
        Index("uq_obligations_live_attendance", "person_id", "conference_id", unique=True,
              sqlite_where=text(LIVE_ATTENDANCE), postgresql_where=text(LIVE_ATTENDANCE)),
        Index("ix_obligations_school_status", "school_id", "status", "first_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ObligationKind] = mapped_column(EnumText(ObligationKind, 16))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    collaborative_id: Mapped[int] = mapped_column(ForeignKey("collaboratives.id"), index=True)
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id"), index=True)
    #: O1: the planning meeting (kept as history if the meeting row is ever deleted: set to NULL).
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"), index=True)
    #: O1: the meeting's day (both the same); O2: the conference's first and last day.
    first_day: Mapped[date]
    last_day: Mapped[date]
    #: What the school provides, and why it is owed (sentences, as derived).
    support: Mapped[str] = mapped_column(String(300))
    why: Mapped[str] = mapped_column(Text)
    status: Mapped[ObligationStatus] = mapped_column(EnumText(ObligationStatus, 16), default=ObligationStatus.PENDING)
    decline_reason: Mapped[DeclineReason | None] = mapped_column(EnumText(DeclineReason, 16))
    decision_note: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    #: M5: bumped when what the school's calendar shows changes (its days, its answer, a withdrawal).
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    school: Mapped["School"] = relationship(lazy="joined")
    person: Mapped["Person"] = relationship(foreign_keys=[person_id], lazy="joined")
    collaborative: Mapped["Collaborative"] = relationship(lazy="joined")
    conference: Mapped["Conference"] = relationship(lazy="joined")
    meeting: Mapped["Meeting | None"] = relationship(lazy="selectin")
    decided_by: Mapped["Person | None"] = relationship(foreign_keys=[decided_by_id], lazy="selectin")

    @property
    def is_live(self) -> bool:
        return self.withdrawn_at is None

    @property
    def rule(self) -> str:
        return ObligationKind(self.kind).rule

    @property
    def kind_label(self) -> str:
        return ObligationKind(self.kind).label

    @property
    def status_label(self) -> str:
        if not self.is_live:
            return "Withdrawn"
        return ObligationStatus(self.status).label

    @property
    def decided_by_name(self) -> str | None:
        return self.decided_by.name if self.decided_by else None

    @property
    def decline_label(self) -> str:
        return DeclineReason(self.decline_reason).label if self.decline_reason else ""

    @property
    def statement(self) -> str:
        """O3: what is owed, in a sentence: "Release Layla Haddad on 25 March 2027 for the Science
        Collaborative's planning meeting beside the Spring Educators' Conference"."""
        return statement(self.kind, self.person.name, collaborative_title(self.collaborative.name),
                         self.conference.name, self.first_day, self.last_day)

    def upcoming(self, today: date) -> bool:
        return self.last_day >= today


def collaborative_title(name: str) -> str:
    """"Science" → "Science Collaborative"; a name that already says so is kept."""
    return name if name.lower().endswith("collaborative") else f"{name} Collaborative"


def day_text(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def days_text(first: date, last: date) -> str:
    """"25 March 2027", "26–29 March 2027", "30 March – 2 April 2027"."""
    if first == last:
        return day_text(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{day_text(last)}"
    if first.year == last.year:
        return f"{first.day} {first:%B} – {day_text(last)}"
    return f"{day_text(first)} – {day_text(last)}"


def statement(kind: str, person: str, collaborative: str, conference: str, first: date, last: date) -> str:
    """O1/O2 as a sentence (see ``Obligation.statement``)."""
    if kind == ObligationKind.RELEASE:
        return (f"Release {person} on {day_text(first)} for the {collaborative}'s planning meeting "
                f"beside the {conference}")
    return (f"Support {person}'s attendance at the {conference} ({days_text(first, last)}), which features the "
            f"{collaborative}")
