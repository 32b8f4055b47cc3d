"""Input and output shapes for plans, the template, revisions, review and posts (forms and API)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..network.schemas import PersonBrief
from .models import OfferingKind, PostKind, SectionKind


class SectionIn(BaseModel):
    key: str | None = Field(default=None, max_length=60, description="stable name; made from the title if empty")
    title: str = Field(min_length=1, max_length=200)
    kind: SectionKind
    guidance: str = Field(default="", max_length=5000)


class TemplateIn(BaseModel):
    sections: list[SectionIn] = Field(min_length=1)
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
    title: str = Field(min_length=1, max_length=200)
    first_year: int = Field(ge=2000, le=2100, description="the first school year, by the year it starts in")
    last_year: int = Field(ge=2000, le=2100, description="the last school year (P1: two to six school years in all)")


class GoalIn(BaseModel):
    statement: str = Field(max_length=2000)
    student_learning: str = Field(default="", max_length=2000)


class OfferingIn(BaseModel):
    school_year: int
    kind: OfferingKind
    title: str = Field(max_length=300)
    description: str = Field(default="", max_length=2000)


class MilestoneIn(BaseModel):
    id: int | None = Field(default=None, description=(
        "To keep an existing milestone, its id (the `id` of an item of `milestones` in GET "
        "/api/v1/plans/{plan_id}); a kept milestone keeps its done date and may keep an owner who has "
        "since left the Core. Leave it out for a new milestone. An id that is not one of this plan's "
        "milestones is refused (P2)."))
    title: str = Field(max_length=300)
    owner_id: int | None = Field(default=None, description="a person id: a current Core member of the collaborative (P2)")
    due_on: date
    is_done: bool = False
    done_on: date | None = Field(default=None, description="when it was done; defaults to today when first marked done")


class EvidenceIn(BaseModel):
    indicator: str = Field(max_length=2000)
    source: str = Field(default="", max_length=2000)


class PlanContentIn(BaseModel):
    """Changes to the plan, saved as a new revision with ``summary`` (P3).

    Fields left out stay as they are. A text section changes only if its key is in ``texts`` (send
    an empty string to clear it); ``goals``, ``offerings``, ``milestones`` and ``evidence``, when
    sent, replace that section's whole list (send ``[]`` to clear it; milestones not listed are
    removed, so list existing ones with their ``id`` to keep them)."""

    summary: str = Field(min_length=1, max_length=300, description="what changed, for the revision history (P3)")
    base_revision: int | None = Field(default=None, description=(
        "the number of the revision your changes start from; if the plan has been revised since, the save "
        "is refused (P3) instead of overwriting someone else's changes"))
    title: str | None = Field(default=None, max_length=200)
    first_year: int | None = Field(default=None, description=(
        "the first school year, by the year it starts in (P1: between 2000 and 2100)"))
    last_year: int | None = Field(default=None, description=(
        "the last school year (P1: the plan covers at least two and at most six school years)"))
    texts: dict[str, str] | None = Field(default=None, description=(
        "free-text and norms sections, by the template section's key; keys left out are unchanged"))
    goals: list[GoalIn] | None = Field(default=None, description="replaces the goals when sent")
    offerings: list[OfferingIn] | None = Field(default=None, description="replaces the yearly offerings when sent")
    milestones: list[MilestoneIn] | None = Field(default=None, description=(
        "replaces the milestone timeline when sent; give an existing milestone's `id` to keep it"))
    evidence: list[EvidenceIn] | None = Field(default=None, description="replaces the evidence of impact when sent")


class ReviewIn(BaseModel):
    comment: str = Field(default="", max_length=5000)


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
    kind: PostKind
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=20000)


class AnswerIn(BaseModel):
    decision: Literal["accepted", "declined"]
    note: str = Field(min_length=1, max_length=5000)


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
