"""Input and output shapes for plans, the template, revisions, review and posts (forms and API)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..network.schemas import PersonBrief
from .content import EvidenceInput, GoalInput, MilestoneInput, OfferingInput, PlanContent
from .models import OfferingKind, PostKind, SectionKind

# The services check what a rule says (a title, a note, a summary, a kind) and refuse with the rule
# and the field; the schemas check only types and lengths (which protect the database), and name the
# rule their refusals belong to in ``rule``.


class SectionIn(BaseModel):
    rule: ClassVar[str] = "P2"
    key: str | None = Field(default=None, max_length=60, description="stable name; made from the title if empty")
    title: str = Field(default="", max_length=200, description="required (P2)")
    kind: SectionKind | None = Field(default=None, description="what the section holds (P2: required)")
    guidance: str = Field(default="", max_length=5000)


class TemplateIn(BaseModel):
    rule: ClassVar[str] = "P2"
    sections: list[SectionIn] = Field(default_factory=list, max_length=50, description=(
        "P2: at least one section of each kind, at most one of each of goals, offerings, milestones, evidence"))
    summary: str = Field(default="", max_length=300)


class SectionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    key: str
    title: str
    kind: str
    guidance: str


class TemplateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    version: int
    summary: str
    created_at: datetime
    sections: list[SectionOut]


class PlanCreateIn(BaseModel):
    rule: ClassVar[str] = "P1"
    title: str = Field(default="", max_length=200, description="required (P1)")
    first_year: int | None = Field(default=None, description=(
        "the first school year, by the year it starts in (P1: between 2000 and 2100)"))
    last_year: int | None = Field(default=None, description="the last school year (P1: two to six school years in all)")


class GoalIn(BaseModel):
    rule: ClassVar[str] = "P2"
    statement: str = Field(default="", max_length=2000, description="required (P2)")
    student_learning: str = Field(default="", max_length=2000)

    def to_input(self) -> GoalInput:
        return GoalInput(self.statement, self.student_learning)


class OfferingIn(BaseModel):
    rule: ClassVar[str] = "P2"
    school_year: int | None = Field(default=None, description="one of the plan's school years (P1)")
    kind: OfferingKind | None = Field(default=None, description="required (P2)")
    title: str = Field(default="", max_length=300, description="required (P2)")
    description: str = Field(default="", max_length=2000)

    def to_input(self) -> OfferingInput:
        return OfferingInput(self.school_year, self.kind, self.title, self.description)


class MilestoneIn(BaseModel):
    rule: ClassVar[str] = "P2"
    id: int | None = Field(default=None, description=(
        "To keep an existing milestone, its id (the `id` of an item of `milestones` in GET "
        "/api/v1/plans/{plan_id}); a kept milestone keeps its done date and may keep an owner who has "
        "since left the Core. Leave it out for a new milestone. An id that is not one of this plan's "
        "milestones is refused (P2)."))
    title: str = Field(default="", max_length=300, description="required (P2)")
    owner_id: int | None = Field(default=None, description="a person id: a current Core member of the collaborative (P2)")
    due_on: date | None = Field(default=None, description="required (P2)")
    is_done: bool = False
    done_on: date | None = Field(default=None, description="when it was done; defaults to today when first marked done")

    def to_input(self) -> MilestoneInput:
        return MilestoneInput(self.title, self.due_on, self.owner_id, self.id, self.is_done, self.done_on)


class EvidenceIn(BaseModel):
    rule: ClassVar[str] = "P2"
    indicator: str = Field(default="", max_length=2000, description="required (P2)")
    source: str = Field(default="", max_length=2000)

    def to_input(self) -> EvidenceInput:
        return EvidenceInput(self.indicator, self.source)


class PlanContentIn(BaseModel):
    """Changes to the plan, saved as a new revision with ``summary`` (P3).

    Fields left out stay as they are. A text section changes only if its key is in ``texts`` (send
    an empty string to clear it); ``goals``, ``offerings``, ``milestones`` and ``evidence``, when
    sent, replace that section's whole list (send ``[]`` to clear it; milestones not listed are
    removed, so list existing ones with their ``id`` to keep them)."""

    rule: ClassVar[str] = "P3"
    summary: str = Field(default="", max_length=300,
                         description="what changed, for the revision history (P3: required)")
    base_revision: int | None = Field(default=None, description=(
        "the number of the revision your changes start from; if the plan has been revised since, the save "
        "is refused (P3) instead of overwriting someone else's changes"))
    title: str | None = Field(default=None, max_length=200)
    first_year: int | None = Field(default=None, description=(
        "the first school year, by the year it starts in (P1: between 2000 and 2100)"))
    last_year: int | None = Field(default=None, description=(
        "the last school year (P1: the plan covers at least two and at most six school years)"))
    texts: dict[Annotated[str, Field(max_length=80)], Annotated[str, Field(max_length=50_000)]] | None = Field(default=None, max_length=50, description=(
        "free-text and norms sections, by the template section's key; keys left out are unchanged"))
    goals: list[GoalIn] | None = Field(default=None, max_length=200, description="replaces the goals when sent")
    offerings: list[OfferingIn] | None = Field(default=None, max_length=200, description="replaces the yearly offerings when sent")
    milestones: list[MilestoneIn] | None = Field(default=None, max_length=500, description=(
        "replaces the milestone timeline when sent; give an existing milestone's `id` to keep it"))
    evidence: list[EvidenceIn] | None = Field(default=None, max_length=200, description="replaces the evidence of impact when sent")

    def to_content(self) -> PlanContent:
        """The typed input of ``services.save_plan``: what was not sent stays None (left as it is); a
        title sent empty (or null) is kept, for the service to refuse (P1)."""
        def each(rows):
            return None if rows is None else [r.to_input() for r in rows]

        return PlanContent(title=(self.title or "") if "title" in self.model_fields_set else None,
                           first_year=self.first_year, last_year=self.last_year, texts=self.texts,
                           goals=each(self.goals), offerings=each(self.offerings),
                           milestones=each(self.milestones), evidence=each(self.evidence))


class ReviewIn(BaseModel):
    rule: ClassVar[str] = "P4"
    comment: str = Field(default="", max_length=5000)


class ReviewForm(ReviewIn):
    """The review form on a plan's page: the DPL's decision (``accept`` or ``return``) and the comment."""

    decision: str = Field(default="", max_length=20)


class ReasonOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    rule: str
    condition: str
    message: str


class GoalOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    statement: str
    student_learning: str


class OfferingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    school_year: int
    kind: str
    title: str
    description: str


class MilestoneOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    title: str
    owner: PersonBrief | None
    due_on: date
    is_done: bool
    done_on: date | None


class EvidenceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    indicator: str
    source: str


class PlanBrief(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    title: str
    first_year: int
    last_year: int
    years_label: str
    status: str
    last_revised_at: datetime
    accepted_revision: int | None


class PlanOut(PlanBrief):
    collaborative_slug: str
    template_version: int
    review_comment: str | None
    texts: dict[str, str]
    goals: list[GoalOut]
    offerings: list[OfferingOut]
    milestones: list[MilestoneOut]
    evidence: list[EvidenceOut]
    out_of_date: list[ReasonOut] = Field(description="P5: why the plan is out of date (empty if it is not)")


class StandingOut(BaseModel):
    collaborative_slug: str
    collaborative_name: str
    plan: PlanBrief | None
    out_of_date: list[ReasonOut]


class RevisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    number: int
    summary: str
    created_at: datetime
    author: PersonBrief | None


class RevisionDetailOut(RevisionOut):
    content: dict


class DiffRowOut(BaseModel):
    tag: Literal["equal", "replace", "delete", "insert"]
    left: str | None
    right: str | None


class SectionDiffOut(BaseModel):
    key: str
    title: str
    changed: bool
    rows: list[DiffRowOut]


class ComparisonOut(BaseModel):
    old: int
    new: int
    sections: list[SectionDiffOut]


class PostIn(BaseModel):
    rule: ClassVar[str] = "M4"
    kind: PostKind | None = Field(default=None, description="required (M4)")
    title: str = Field(default="", max_length=200, description="required (M4)")
    body: str = Field(default="", max_length=20000, description="required (M4)")


class AnswerIn(BaseModel):
    rule: ClassVar[str] = "M4"
    decision: Literal["accepted", "declined"] | None = Field(default=None, description="required (M4)")
    note: str = Field(default="", max_length=5000, description="a note for the Core (M4: required)")


class PostOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: str
    title: str
    body: str
    status: str | None
    created_at: datetime
    author: PersonBrief | None
    collaborative_id: int
    answer_note: str | None
    answered_at: datetime | None
