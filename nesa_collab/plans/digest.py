"""P4 and M4 in the daily digest: the DPL is told of the plans submitted for review and the proposals
waiting for an answer, oldest first. Three queries for the whole network (names joined,
nothing else loaded)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, lazyload

from ..auth.models import Person, PersonRole, Role
from ..notifications.digest import DigestItem
from .models import Plan, PlanReview, PlanStatus, Post, PostKind, ProposalStatus, ReviewAction

PLANS = "Plans submitted for your review (P4)"
PROPOSALS = "Proposals waiting for your answer (M4)"


def for_the_dpl(db: Session, today: date, person_ids: Collection[int] | None) -> dict[int, list[DigestItem]]:
    """P4/M4: for each active DPL (of ``person_ids``; None: all), the submitted plans (since their
    submission) and the open proposals (since they were shared)."""
    dpls = (select(Person.id).join(PersonRole, PersonRole.person_id == Person.id)
            .where(PersonRole.role == Role.DPL, Person.is_active.is_(True)))
    if person_ids is not None:
        dpls = dpls.where(Person.id.in_(sorted(set(person_ids))))
    dpl_ids = list(db.scalars(dpls))
    if not dpl_ids:
        return {}
    submitted_at = (select(PlanReview.plan_id, func.max(PlanReview.at).label("at"))
                    .where(PlanReview.action == ReviewAction.SUBMITTED).group_by(PlanReview.plan_id).subquery())
    items = [DigestItem(section=PLANS, title=f"{plan.collaborative.name}: {plan.title} ({plan.years_label})",
                        path=f"/plans/{plan.id}", since=(at or plan.last_revised_at).date(),
                        detail="submitted, to be accepted or returned")
             for plan, at in db.execute(select(Plan, submitted_at.c.at)
                                        .outerjoin(submitted_at, submitted_at.c.plan_id == Plan.id)
                                        .where(Plan.status == PlanStatus.SUBMITTED).order_by(Plan.id)
                                        .options(lazyload("*"), joinedload(Plan.collaborative).lazyload("*")))]
    items += [DigestItem(section=PROPOSALS, title=f"{post.collaborative.name}: {post.title}",
                         path=f"/posts/{post.id}/answer", since=post.created_at.date(),
                         detail=f"proposed by {post.author.name}" if post.author else "")
              for post in db.scalars(select(Post).where(Post.kind == PostKind.PROPOSAL, Post.status == ProposalStatus.OPEN)
                                     .order_by(Post.created_at, Post.id)
                                     .options(lazyload("*"), joinedload(Post.collaborative).lazyload("*"),
                                              joinedload(Post.author).lazyload("*")))]
    return {pid: list(items) for pid in dpl_ids} if items else {}
