"""The network: member schools, collaboratives, interests in new ones, norms and memberships."""

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

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class SchoolStatus(StrEnum):
    ACTIVE = "active"
    LAPSED = "lapsed"


class School(Base):
    """N1: a member school, with its city, country, IANA zone and weekend days.

    N2: membership can lapse; people of a lapsed school cannot be newly appointed to a Core.
    """

    __tablename__ = "schools"
    __table_args__ = (
        enum_check("status", SchoolStatus, name="status_known"),
        CheckConstraint(
            "(status = 'lapsed' AND lapsed_on IS NOT NULL) OR (status = 'active' AND lapsed_on IS NULL)",
            name="lapsed_on_iff_lapsed",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(100))
    time_zone: Mapped[str] = mapped_column(String(64))
    #: Comma-separated three-letter day names, e.g. "fri,sat".
    weekend: Mapped[str] = mapped_column(String(40), default="sat,sun")
    status: Mapped[SchoolStatus] = mapped_column(EnumText(SchoolStatus, 16), default=SchoolStatus.ACTIVE)
    lapsed_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    people: Mapped[list["Person"]] = relationship(back_populates="school")

    @property
    def is_active(self) -> bool:
        """N2: an active member school (its membership has not lapsed)."""
        return self.status == SchoolStatus.ACTIVE

    @property
    def weekend_days(self) -> tuple[str, ...]:
        return tuple(d for d in self.weekend.split(",") if d)

    @property
    def weekend_weekdays(self) -> frozenset[int]:
        """The weekend as ``date.weekday()`` numbers (Monday is 0)."""
        return frozenset(WEEKDAYS.index(d) for d in self.weekend_days)


class CollaborativeKind(StrEnum):
    DISCIPLINE = "discipline"
    RESPONSIBILITY = "responsibility"

    @property
    def label(self) -> str:
        return "Discipline" if self is CollaborativeKind.DISCIPLINE else "Professional responsibility"


class CollaborativeStatus(StrEnum):
    FORMING = "forming"
    ACTIVE = "active"
    RETIRED = "retired"


class Collaborative(Base):
    """K1: a professional community serving a discipline or an area of responsibility.

    Its status moves ``forming`` → ``active`` → ``retired`` (K2: only the DPL moves it).
    """

    __tablename__ = "collaboratives"
    __table_args__ = (
        enum_check("kind", CollaborativeKind, name="kind_known"),
        enum_check("status", CollaborativeStatus, name="status_known"),
        CheckConstraint("status <> 'active' OR activated_on IS NOT NULL", name="active_has_date"),
        CheckConstraint("status <> 'retired' OR retired_on IS NOT NULL", name="retired_has_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[CollaborativeKind] = mapped_column(EnumText(CollaborativeKind, 20))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[CollaborativeStatus] = mapped_column(EnumText(CollaborativeStatus, 16),
                                                       default=CollaborativeStatus.FORMING)
    #: Link to the collaborative's communication network (a group, a forum, a mailing list).
    network_url: Mapped[str | None] = mapped_column(String(500))
    forming_since: Mapped[date | None]
    activated_on: Mapped[date | None]
    retired_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    @property
    def is_active(self) -> bool:
        return self.status == CollaborativeStatus.ACTIVE

    @property
    def kind_label(self) -> str:
        return CollaborativeKind(self.kind).label


class InterestStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Interest(Base):
    """K2: educators of member schools register interest in a new collaborative."""

    __tablename__ = "interests"
    __table_args__ = (
        enum_check("status", InterestStatus, name="status_known"),
        enum_check("kind", CollaborativeKind, name="kind_known"),
        CheckConstraint("status <> 'accepted' OR collaborative_id IS NOT NULL", name="accepted_has_collaborative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[CollaborativeKind] = mapped_column(EnumText(CollaborativeKind, 20))
    description: Mapped[str] = mapped_column(Text, default="")
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    status: Mapped[InterestStatus] = mapped_column(EnumText(InterestStatus, 16), default=InterestStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
    collaborative_id: Mapped[int | None] = mapped_column(ForeignKey("collaboratives.id"))

    proposed_by: Mapped["Person"] = relationship(lazy="joined")
    collaborative: Mapped[Collaborative | None] = relationship()
    supporters: Mapped[list["InterestSupporter"]] = relationship(
        back_populates="interest", cascade="all, delete-orphan"
    )


class InterestSupporter(Base):
    """Another educator who adds their name to an interest."""

    __tablename__ = "interest_supporters"
    __table_args__ = (UniqueConstraint("interest_id", "person_id", name="uq_interest_supporters_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interest_id: Mapped[int] = mapped_column(ForeignKey("interests.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    interest: Mapped[Interest] = relationship(back_populates="supporters")
    person: Mapped["Person"] = relationship()


class NormsRevision(Base):
    """K3: one version of a collaborative's norms and agreements; the newest is current."""

    __tablename__ = "norms_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    collaborative_id: Mapped[int] = mapped_column(ForeignKey("collaboratives.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(String(300), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    author: Mapped["Person | None"] = relationship(lazy="joined")


class Membership(Base):
    """K4: a person's membership of a collaborative, with a commitment to serve two years.

    Leaving earlier is allowed and recorded with a reason. A person has at most one open
    membership of a collaborative at a time (a partial unique index backs this).
    """

    __tablename__ = "memberships"
    __table_args__ = (
        CheckConstraint("left_on IS NULL OR left_on >= joined_on", name="left_after_joined"),
        Index(
            "uq_memberships_open",
            "person_id",
            "collaborative_id",
            unique=True,
            sqlite_where=text("left_on IS NULL"),
            postgresql_where=text("left_on IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    collaborative_id: Mapped[int] = mapped_column(ForeignKey("collaboratives.id"), index=True)
    joined_on: Mapped[date]
    left_on: Mapped[date | None]
    leave_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    person: Mapped["Person"] = relationship(lazy="joined")
    collaborative: Mapped[Collaborative] = relationship(lazy="joined")

    @property
    def is_current(self) -> bool:
        return self.left_on is None
