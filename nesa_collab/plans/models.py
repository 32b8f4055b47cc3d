"""Multi-year professional-learning plans (P1–P5): the template, plans, their revisions and review,
and the updates and proposals a Core sends to the DPL (M4)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, exists
from sqlalchemy.orm import Mapped, aliased, column_property, mapped_column, relationship

from ..clock import now_utc
from ..db import Base, EnumText, UTCDateTime, enum_check, enum_values
from ..dates import SchoolYear

if TYPE_CHECKING:
    from ..auth.models import Person
    from ..network.models import Collaborative


class SectionKind(StrEnum):
    """P2: what a template section holds."""

    FREE_TEXT = "free_text"
    GOALS = "goals"
    OFFERINGS = "offerings"
    MILESTONES = "milestones"
    EVIDENCE = "evidence"
    NORMS = "norms"

    @property
    def label(self) -> str:
        return SECTION_KIND_LABELS[self]

    @property
    def is_text(self) -> bool:
        return self in (SectionKind.FREE_TEXT, SectionKind.NORMS)


SECTION_KIND_LABELS = {
    SectionKind.FREE_TEXT: "Free text",
    SectionKind.GOALS: "Goals tied to student learning",
    SectionKind.OFFERINGS: "Yearly offerings",
    SectionKind.MILESTONES: "Milestone timeline",
    SectionKind.EVIDENCE: "Evidence of impact",
    SectionKind.NORMS: "Norms and agreements",
}
#: Kinds whose content lives in rows of the plan; a template has at most one section of each.
STRUCTURED_KINDS = frozenset({SectionKind.GOALS, SectionKind.OFFERINGS, SectionKind.MILESTONES,
                              SectionKind.EVIDENCE})


class PlanTemplate(Base):
    """P2: one version of the network's plan template. The highest version is current; a plan
    keeps the version it was started from."""

    __tablename__ = "plan_templates"
    __table_args__ = (CheckConstraint("version >= 1", name="version_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    summary: Mapped[str] = mapped_column(String(300), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    author: Mapped["Person | None"] = relationship(lazy="joined")
    sections: Mapped[list["TemplateSection"]] = relationship(
        back_populates="template", cascade="all, delete-orphan", lazy="selectin",
        order_by="TemplateSection.position")


class TemplateSection(Base):
    """P2: a section of the template: a title, guidance for the Core, and the kind of content."""

    __tablename__ = "plan_template_sections"
    __table_args__ = (
        enum_check("kind", SectionKind, name="kind_known"),
        UniqueConstraint("template_id", "key", name="uq_plan_template_sections_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("plan_templates.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    #: Stable name of the section; a plan's text for it is stored under this key.
    key: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    guidance: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[SectionKind] = mapped_column(EnumText(SectionKind, 20))

    template: Mapped[PlanTemplate] = relationship(back_populates="sections")

    @property
    def kind_label(self) -> str:
        return SectionKind(self.kind).label


class PlanStatus(StrEnum):
    """P4: ``draft`` → ``submitted`` → ``accepted`` (or ``returned`` with the DPL's comments)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"


class Plan(Base):
    """P1: a collaborative's plan for sustained professional learning over a range of school years
    (``first_year``–``last_year``, each named by the calendar year it starts in; at least two).

    A collaborative's plans never overlap in years (service check; a unique start backs it), so the
    plan covering the current school year is *the* current plan.
    """

    __tablename__ = "plans"
    __table_args__ = (
        enum_check("status", PlanStatus, name="status_known"),
        CheckConstraint("last_year >= first_year + 1", name="at_least_two_years"),
        CheckConstraint("status <> 'returned' OR review_comment IS NOT NULL", name="returned_has_comment"),
        UniqueConstraint("collaborative_id", "first_year", name="uq_plans_collaborative_first_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    collaborative_id: Mapped[int] = mapped_column(ForeignKey("collaboratives.id"), index=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("plan_templates.id"))
    title: Mapped[str] = mapped_column(String(200))
    #: First and last school years covered (2026 is 2026–27).
    first_year: Mapped[int]
    last_year: Mapped[int]
    #: The month school years start, as configured when the plan was made.
    start_month: Mapped[int] = mapped_column(default=8)
    status: Mapped[PlanStatus] = mapped_column(EnumText(PlanStatus, 16), default=PlanStatus.DRAFT)
    #: Text of the free-text and norms sections, by template section key.
    texts: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    review_comment: Mapped[str | None] = mapped_column(Text)
    #: When the last revision was saved (P5 reads it; kept with each revision).
    last_revised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    #: The number of the revision the DPL last accepted (P4), if any.
    accepted_revision: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    collaborative: Mapped["Collaborative"] = relationship(lazy="joined")
    template: Mapped[PlanTemplate] = relationship(lazy="joined")
    goals: Mapped[list["PlanGoal"]] = relationship(cascade="all, delete-orphan", lazy="selectin",
                                                   order_by="PlanGoal.position")
    offerings: Mapped[list["PlanOffering"]] = relationship(cascade="all, delete-orphan", lazy="selectin",
                                                           order_by="(PlanOffering.school_year, PlanOffering.position)")
    milestones: Mapped[list["PlanMilestone"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="(PlanMilestone.due_on, PlanMilestone.id)")
    evidence: Mapped[list["PlanEvidence"]] = relationship(cascade="all, delete-orphan", lazy="selectin",
                                                          order_by="PlanEvidence.position")

    @property
    def school_years(self) -> list[SchoolYear]:
        return [SchoolYear(y, self.start_month) for y in range(self.first_year, self.last_year + 1)]

    @property
    def starts_on(self) -> date:
        return SchoolYear(self.first_year, self.start_month).starts_on

    @property
    def ends_on(self) -> date:
        return SchoolYear(self.last_year, self.start_month).ends_on

    @property
    def years_label(self) -> str:
        return f"{self.school_years[0].label} to {self.school_years[-1].label}"

    def covers(self, year: SchoolYear) -> bool:
        return self.first_year <= year.start_year <= self.last_year

    @property
    def is_editable(self) -> bool:
        """P4: a submitted plan waits for the DPL; every other state can be revised."""
        return self.status != PlanStatus.SUBMITTED


class PlanGoal(Base):
    """P2: a goal tied to student learning."""

    __tablename__ = "plan_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    statement: Mapped[str] = mapped_column(Text)
    #: The student learning the goal serves, and how progress shows.
    student_learning: Mapped[str] = mapped_column(Text, default="")


class OfferingKind(StrEnum):
    CONFERENCE_STRAND = "conference_strand"
    INSTITUTE = "institute"
    VIRTUAL_SESSION = "virtual_session"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"conference_strand": "Conference strand", "institute": "Institute",
                "virtual_session": "Virtual session", "other": "Other"}[self.value]


class PlanOffering(Base):
    """P2: the learning offered in one school year of the plan."""

    __tablename__ = "plan_offerings"
    __table_args__ = (
        enum_check("kind", OfferingKind, name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    school_year: Mapped[int]
    kind: Mapped[OfferingKind] = mapped_column(EnumText(OfferingKind, 20))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")

    @property
    def kind_label(self) -> str:
        return OfferingKind(self.kind).label


class PlanMilestone(Base):
    """P2: a milestone on the plan's timeline, owned by a Core member, with a due date (P5 reads it)."""

    __tablename__ = "plan_milestones"
    __table_args__ = (
        CheckConstraint("(is_done AND done_on IS NOT NULL) OR (NOT is_done AND done_on IS NULL)",
                        name="done_on_iff_done"),
        Index("ix_plan_milestones_open_due", "is_done", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    due_on: Mapped[date]
    is_done: Mapped[bool] = mapped_column(default=False)
    done_on: Mapped[date | None]

    owner: Mapped["Person | None"] = relationship(lazy="joined")

    def is_overdue(self, today: date) -> bool:
        """P5: past its due date (the due day itself is not overdue) and not done."""
        return not self.is_done and self.due_on < today


class PlanEvidence(Base):
    """P2: how the plan's impact will be evidenced: an indicator and where it comes from."""

    __tablename__ = "plan_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    indicator: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text, default="")


class PlanRevision(Base):
    """P3: one saved state of a plan: who, when, a summary, and the whole content as JSON, so any
    two revisions can be compared long after the rows have changed."""

    __tablename__ = "plan_revisions"
    __table_args__ = (
        UniqueConstraint("plan_id", "number", name="uq_plan_revisions_plan_number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    #: 1, 2, 3… within the plan.
    number: Mapped[int]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    summary: Mapped[str] = mapped_column(String(300), default="")
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    author: Mapped["Person | None"] = relationship(lazy="joined")


class ReviewAction(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"


class PlanReview(Base):
    """P4: one step of the review (submitted, accepted, returned), with the DPL's comment."""

    __tablename__ = "plan_reviews"
    __table_args__ = (
        enum_check("action", ReviewAction, name="action_known"),
        CheckConstraint("action <> 'returned' OR comment <> ''", name="returned_has_comment"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("plan_revisions.id"))
    action: Mapped[ReviewAction] = mapped_column(EnumText(ReviewAction, 16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    actor: Mapped["Person | None"] = relationship(lazy="joined")
    revision: Mapped[PlanRevision | None] = relationship()


# P5: "no next plan is drafted" — whether a later plan of the same collaborative exists, loaded with
# the plan itself (a correlated EXISTS), so judging many plans costs no extra queries.
_later = aliased(Plan)
Plan.has_next_plan = column_property(
    exists().where(_later.collaborative_id == Plan.collaborative_id, _later.first_year > Plan.last_year)
    .correlate_except(_later)
)


class PostKind(StrEnum):
    UPDATE = "update"
    PROPOSAL = "proposal"


class ProposalStatus(StrEnum):
    """M4: a proposal is ``open`` until the DPL accepts or declines it, with a note."""

    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Post(Base):
    """M4: an update or a proposal a Core shares with the DPL and Center staff."""

    __tablename__ = "plan_posts"
    __table_args__ = (
        enum_check("kind", PostKind, name="kind_known"),
        CheckConstraint("(kind = 'update' AND status IS NULL) OR "
                        f"(kind = 'proposal' AND status IN ({enum_values(ProposalStatus)}))",
                        name="status_fits_kind"),
        CheckConstraint("status IS NULL OR status = 'open' OR (answered_at IS NOT NULL AND answer_note <> '')",
                        name="answered_has_note"),
        Index("ix_plan_posts_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    collaborative_id: Mapped[int] = mapped_column(ForeignKey("collaboratives.id"), index=True)
    kind: Mapped[PostKind] = mapped_column(EnumText(PostKind, 16))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    status: Mapped[ProposalStatus | None] = mapped_column(EnumText(ProposalStatus, 16))
    answer_note: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    collaborative: Mapped["Collaborative"] = relationship(lazy="joined")
    author: Mapped["Person | None"] = relationship(foreign_keys=[author_id], lazy="joined")
    answered_by: Mapped["Person | None"] = relationship(foreign_keys=[answered_by_id], lazy="joined")

    @property
    def is_proposal(self) -> bool:
        return self.kind == PostKind.PROPOSAL
