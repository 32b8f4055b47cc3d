"""Plans (P1–P5): reading them (the overview, a collaborative's current plan, revisions and their
comparison, the panels), writing them (start, save a revision, submit, accept, return) and when one
is out of date (P5). The template is in ``template``, what a plan holds and its checks in
``content``, updates and proposals in ``posts``. Services flush, never commit; each refusal is a
DomainError naming its rule, raised before anything is written."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer, joinedload, lazyload

from ..audit.services import record
from ..auth.models import Person
from ..permissions import Actor, can, require
from ..clock import now_utc
from ..cores import services as cores
from ..db import get_or_not_found, lock_row
from ..dates import SchoolYear, school_year_of
from ..errors import DomainError, NotFound
from ..network import services as network
from ..network.models import Collaborative, CollaborativeStatus
from ..settings import Settings
from ..web import Page
from . import posts, standings
from .content import (PlanContent, Sections, check_evidence, check_goals, check_milestones, check_offerings,
                      check_texts, check_title, check_years, clean, content_of, picture, rows_of)
from .models import (Plan, PlanEvidence, PlanGoal, PlanMilestone, PlanOffering, PlanReview, PlanRevision,
                     PlanStatus, PlanTemplate, Post, PostKind, ProposalStatus, ReviewAction, SectionKind)
from .standing import PlanFacts, Reason, out_of_date
from .template import current_template


def at_day(day: date, settings: Settings, hour: int = 10) -> datetime:
    """An instant on ``day`` in the network's zone (for seeds and tests)."""
    return datetime.combine(day, time(hour), settings.tz)


# --- reading plans (P1, P5) -------------------------------------------------------------------------

def pick_current(plans: list[Plan], year: SchoolYear) -> Plan | None:
    """P1: the plan covering ``year``; else the latest one already begun; else the earliest to come."""
    ordered = sorted(plans, key=lambda p: p.first_year)
    for p in ordered:
        if p.first_year <= year.start_year <= p.last_year:
            return p
    begun = [p for p in ordered if p.first_year <= year.start_year]
    if begun:
        return begun[-1]
    return ordered[0] if ordered else None


@dataclass
class PlanStanding:
    """A collaborative, its current plan (or none) and the P5 reasons it is out of date."""

    collaborative: Collaborative
    plan: Plan | None
    reasons: list[Reason]
    next_plan: Plan | None = None

    @property
    def is_out_of_date(self) -> bool:
        return bool(self.reasons)


def _standings(db: Session, collabs: list[Collaborative], today: date, settings: Settings) -> list[PlanStanding]:
    """Every collaborative's current plan and its P5 reasons, in a fixed number of queries."""
    ids = [c.id for c in collabs]
    by_collab: dict[int, list[Plan]] = defaultdict(list)
    if ids:
        for p in db.scalars(select(Plan).where(Plan.collaborative_id.in_(ids))):
            by_collab[p.collaborative_id].append(p)
    year = school_year_of(today, settings.school_year_start_month)
    out = []
    for c in collabs:
        plan = pick_current(by_collab[c.id], year)
        later = [p for p in by_collab[c.id] if plan is not None and p.first_year > plan.last_year]
        out.append(PlanStanding(c, plan, out_of_date(PlanFacts.of(plan) if plan else None, c, today, settings),
                                min(later, key=lambda p: p.first_year) if later else None))
    return out


def overview(db: Session, actor: Actor | None, today: date, settings: Settings, filters: standings.Filters,
             number: int = 1, per_page: int = standings.PER_PAGE) -> Page:
    """P5: one page of the collaboratives in service (not retired) with their current plan and why it
    is out of date, those out of date first (see ``standings``): a fixed number of queries."""
    require(actor, "plan.view")
    return standings.page(db, today, settings, filters, number, per_page)


def collaborative_plan(db: Session, actor: Actor | None, collab: Collaborative, today: date,
                       settings: Settings) -> PlanStanding:
    """P1, P5: the collaborative's current plan (or none) and why it is out of date."""
    require(actor, "plan.view", collab)
    return _standings(db, [collab], today, settings)[0]


def plan_panel(db: Session, actor: Actor | None, collab: Collaborative, today: date,
               settings: Settings) -> PlanStanding | None:
    """P5: the plan's standing for the collaborative's page; None for a retired collaborative, or for
    a visitor who may not see plans."""
    if collab.status == CollaborativeStatus.RETIRED or not can(actor, "plan.view", collab):
        return None
    return _standings(db, [collab], today, settings)[0]


@dataclass
class HomePanel:
    """P5, P4, M4: what the dashboard shows of plans: for those who oversee every Core, how many
    plans are out of date and await review, the first few out of date, and the open proposals; for a
    Core member, their own Cores' plans."""

    overseer: bool
    standings: list[standings.StandingLine]
    proposals: list[Post] = field(default_factory=list)
    open_count: int = 0
    out_of_date: int = 0
    awaiting_review: int = 0


def home_panel(db: Session, actor: Actor | None, today: date, settings: Settings) -> HomePanel | None:
    """P5, M4: the dashboard's plans panel (see ``HomePanel``); None for everyone else. The
    proposal inbox is for those who oversee every Core; a Core member's is the inbox page."""
    if actor is None or not can(actor, "plan.view"):
        return None
    if posts.oversees_every_core(actor):
        shown = standings.summary(db, today, settings)
        return HomePanel(True, shown.first, posts.open_proposals(db, actor, limit=5),
                         posts.count_open_proposals(db, actor), shown.out_of_date, shown.awaiting_review)
    if not actor.core_of:
        return None
    return HomePanel(False, standings.of_collaboratives(db, actor.core_of, today, settings))


def get_plan(db: Session, actor: Actor | None, plan_id: int) -> Plan:
    """P1: one plan (NotFound if there is none)."""
    require(actor, "plan.view")
    plan = get_or_not_found(db, Plan, plan_id)
    return plan


def plan_reasons(db: Session, actor: Actor | None, plan: Plan, today: date, settings: Settings) -> list[Reason]:
    """P5: why ``plan`` is out of date, if it is its collaborative's current plan (else nothing)."""
    standing = collaborative_plan(db, actor, plan.collaborative, today, settings)
    return standing.reasons if standing.plan is not None and standing.plan.id == plan.id else []


def plans_of(db: Session, actor: Actor | None, collab: Collaborative) -> list[Plan]:
    """P1: the collaborative's plans, earliest first."""
    require(actor, "plan.view", collab)
    return list(db.scalars(select(Plan).where(Plan.collaborative_id == collab.id).order_by(Plan.first_year)))


def revisions(db: Session, actor: Actor | None, plan: Plan, limit: int | None = None) -> list[PlanRevision]:
    """P3: the plan's revisions, newest first, without their content (lists need only who, when, what)."""
    require(actor, "plan.view", plan.collaborative)
    stmt = (select(PlanRevision).where(PlanRevision.plan_id == plan.id).options(defer(PlanRevision.content))
            .order_by(PlanRevision.number.desc()))
    if limit:
        stmt = stmt.limit(limit)
    return list(db.scalars(stmt))


def _latest_number(db: Session, plan: Plan) -> int | None:
    return db.scalar(select(func.max(PlanRevision.number)).where(PlanRevision.plan_id == plan.id))


def latest_number(db: Session, actor: Actor | None, plan: Plan) -> int | None:
    """P3: the number of the plan's latest revision."""
    require(actor, "plan.view", plan.collaborative)
    return _latest_number(db, plan)


def revision(db: Session, actor: Actor | None, plan: Plan, number: int) -> PlanRevision:
    """P3: one revision of the plan, with its whole content."""
    require(actor, "plan.view", plan.collaborative)
    rev = db.scalar(select(PlanRevision).where(PlanRevision.plan_id == plan.id, PlanRevision.number == number))
    if rev is None:
        raise NotFound()
    return rev


def revisions_to_compare(db: Session, actor: Actor | None, plan: Plan, new: str | None,
                         old: str | None) -> tuple[PlanRevision, PlanRevision]:
    """P3: the two revisions to compare, from the numbers asked for (query strings): by default the
    latest and the one before it; numbers out of range are brought into range."""
    latest = latest_number(db, actor, plan)
    if latest is None:
        raise NotFound()

    def number(raw: str | None, default: int) -> int:
        try:
            return max(1, min(latest, int(raw))) if raw not in (None, "") else default
        except ValueError:
            return default

    new_n = number(new, latest)
    old_n = number(old, max(1, new_n - 1))
    return revision(db, actor, plan, old_n), revision(db, actor, plan, new_n)


def reviews(db: Session, actor: Actor | None, plan: Plan) -> list[PlanReview]:
    """P4: the steps of the plan's review, newest first."""
    require(actor, "plan.view", plan.collaborative)
    return list(db.scalars(select(PlanReview).where(PlanReview.plan_id == plan.id)
                           .options(joinedload(PlanReview.revision).load_only(PlanRevision.number)
                                    .lazyload(PlanRevision.author))
                           .order_by(PlanReview.at.desc(), PlanReview.id.desc())))


@dataclass
class PlanPage:
    """What a plan's page shows besides the plan: whether it is the current one and its P5 reasons,
    the collaborative's other plans, the latest revisions, the review and the DPL's last comment."""

    is_current: bool
    reasons: list[Reason]
    others: list[Plan]
    revisions: list[PlanRevision]
    reviews: list[PlanReview]
    last_comment: PlanReview | None


def plan_page(db: Session, actor: Actor | None, plan: Plan, today: date, settings: Settings) -> PlanPage:
    """P1–P5: a plan as its page shows it (see ``PlanPage``)."""
    standing = collaborative_plan(db, actor, plan.collaborative, today, settings)
    is_current = standing.plan is not None and standing.plan.id == plan.id
    steps = reviews(db, actor, plan)
    return PlanPage(
        is_current=is_current, reasons=standing.reasons if is_current else [],
        others=[p for p in plans_of(db, actor, plan.collaborative) if p.id != plan.id],
        revisions=revisions(db, actor, plan, limit=8), reviews=steps,
        # P4: the DPL's latest comment stays in view while the Core drafts the next revision.
        last_comment=next((r for r in steps if r.action != ReviewAction.SUBMITTED and r.comment), None))


# --- starting and revising (P1–P4) ------------------------------------------------------------------

def _core_people(db: Session, collab: Collaborative, today: date) -> list[Person]:
    """The people on the collaborative's Core today (milestone owners are chosen from them)."""
    people = {t.person_id: t.person for t in cores.current_core(db, collab.id, today)}
    return sorted(people.values(), key=lambda p: p.name)


@dataclass
class NewPlan:
    """P1, P2: what a new plan starts from: the template, a title and the school years it would cover
    (from the current school year, or after the plans that already cover it)."""

    template: PlanTemplate | None
    title: str
    first_year: int
    last_year: int
    current_year: int


def new_plan(db: Session, actor: Actor, collab: Collaborative, today: date, settings: Settings) -> NewPlan:
    """P1, P2: the defaults of a new plan for ``collab``, for its Core members and the DPL."""
    require(actor, "plan.edit", collab)
    year = school_year_of(today, settings.school_year_start_month).start_year
    existing = plans_of(db, actor, collab)
    first = max([year] + [p.last_year + 1 for p in existing if p.last_year >= year])
    return NewPlan(current_template(db, actor), f"{collab.name} professional learning plan", first, first + 2, year)


#: P4: why a plan cannot be revised while it is submitted.
UNDER_REVIEW = "the plan is with the DPL for review; it can be revised once it is accepted or returned"


@dataclass
class PlanEditing:
    """P3: what the edit page needs besides the plan: the Core members who may own milestones and the
    latest revision (the one the editor starts from)."""

    core: list[Person]
    latest: int | None


def plan_for_editing(db: Session, actor: Actor, plan: Plan, today: date) -> PlanEditing:
    """P3, P4: the plan opened for revising, by its collaborative's Core members and the DPL."""
    require(actor, "plan.edit", plan.collaborative)
    return PlanEditing(_core_people(db, plan.collaborative, today), _latest_number(db, plan))


def _check_no_overlap(db: Session, collab: Collaborative, first_year: int, last_year: int,
                      ignore: Plan | None = None) -> None:
    """P1: one current plan per collaborative, so plans never share a school year."""
    clash = db.scalar(select(Plan).where(Plan.collaborative_id == collab.id, Plan.first_year <= last_year,
                                         Plan.last_year >= first_year,
                                         Plan.id != (ignore.id if ignore else -1)).limit(1))
    if clash is not None:
        raise DomainError("P1", f"{collab.name} already has a plan for {clash.years_label}; "
                                "a plan may not share school years with another", field="first_year")


def _add_revision(db: Session, actor: Actor, plan: Plan, summary: str, at: datetime | None = None,
                  author: Person | None = None) -> PlanRevision:
    db.flush()
    number = (_latest_number(db, plan) or 0) + 1
    at = at or now_utc()
    db.expire(plan, ["milestones"])  # reload with owners, for the snapshot
    rev = PlanRevision(plan_id=plan.id, number=number, author_id=author.id if author is not None else actor.id,
                       summary=(summary or "").strip()[:300], content=content_of(plan), created_at=at)
    plan.last_revised_at = at
    db.add(rev)
    return rev


def create_plan(db: Session, actor: Actor, collab: Collaborative, *, title: str, first_year: int | None,
                last_year: int | None, settings: Settings, summary: str = "", at: datetime | None = None) -> Plan:
    """P1/P2: start a plan for ``collab`` from the current template, covering at least two school years.

    Only the collaborative's Core members and the DPL start one (P4). The norms section starts from
    the collaborative's current norms (K3).
    """
    require(actor, "plan.edit", collab)
    if collab.status == CollaborativeStatus.RETIRED:
        raise DomainError("P1", f"{collab.name} is retired", field="collaborative")
    title = check_title(title)
    first_year, last_year = check_years(first_year, last_year)
    template = current_template(db, actor)
    if template is None:
        raise DomainError("P2", "the DPL has not set up the plan template yet", field="template")
    _check_no_overlap(db, collab, first_year, last_year)
    norms = network.current_norms(db, actor, collab)
    texts = {s.key: norms.text for s in template.sections if s.kind == SectionKind.NORMS and norms and norms.text}
    plan = Plan(collaborative_id=collab.id, template_id=template.id, title=title, first_year=first_year,
                last_year=last_year, start_month=settings.school_year_start_month, texts=texts,
                status=PlanStatus.DRAFT)
    plan.template = template
    plan.collaborative = collab
    db.add(plan)
    db.flush()
    rev = _add_revision(db, actor, plan, summary or f"Started from template version {template.version}", at)
    # Any earlier plan now has a next plan drafted (P5).
    for other in db.scalars(select(Plan).where(Plan.collaborative_id == collab.id, Plan.id != plan.id)):
        db.expire(other, ["has_next_plan"])
    record(db, actor, "plan.create", plan, f"Started the plan {title!r} for {collab.name} ({plan.years_label})",
           after=rev.content, collaborative_id=collab.id)
    return plan


def save_plan(db: Session, actor: Actor, plan: Plan, content: PlanContent, summary: str, today: date, *,
              base_revision: int | None = None, at: datetime | None = None,
              author: Person | None = None) -> PlanRevision:
    """P3: save the plan's content as a new revision (author, time, summary).

    ``content`` says what changes (see ``PlanContent``: a part left None stays as it is). A milestone
    given with the ``id`` of one of this plan's milestones is kept (its done date, and an owner who
    has since left the Core). ``author`` names who wrote the revision when the system records it for
    them (the seed); otherwise it is the actor.

    P3: refused, with nothing written, when nothing changed, or when ``base_revision`` (the revision
    the editor started from) is no longer the latest: someone saved in between.
    P4: only the collaborative's Core members and the DPL edit, and not while the plan waits for
    the DPL's review; revising an accepted or returned plan makes it a draft again.
    P2: content goes only in sections the plan's template has, each checked by its kind's check in
    ``content``. P1: the years are checked as when starting.
    """
    collab = plan.collaborative
    require(actor, "plan.edit", collab)
    # Lock the plan so the base_revision check and the numbering see every earlier save.
    db.flush()
    lock_row(db, Plan, plan.id)
    if plan.status == PlanStatus.SUBMITTED:
        raise DomainError("P4", UNDER_REVIEW, field="status")
    latest = _latest_number(db, plan)
    if base_revision is not None and base_revision != latest:
        raise DomainError("P3", f"the plan was revised since you opened it: you started from revision "
                                f"{base_revision} and the latest is revision {latest}", field="base_revision")
    if not clean(summary):
        raise DomainError("P3", "say in a few words what changed", field="summary")

    title = plan.title if content.title is None else check_title(content.title)
    first_year, last_year = check_years(
        plan.first_year if content.first_year is None else content.first_year,
        plan.last_year if content.last_year is None else content.last_year)
    if (first_year, last_year) != (plan.first_year, plan.last_year):
        _check_no_overlap(db, collab, first_year, last_year, ignore=plan)
    sections = Sections.of(plan.template)
    current = rows_of(plan)
    texts = check_texts(content.texts, plan.texts or {}, sections)
    goals = check_goals(content.goals, current["goals"], sections)
    offerings = check_offerings(content.offerings, current["offerings"], sections, first_year, last_year)
    evidence = check_evidence(content.evidence, current["evidence"], sections)
    milestones = current["milestones"]
    if content.milestones is not None:
        milestones = check_milestones(content.milestones, milestones, sections,
                                      existing={m.id: m for m in plan.milestones},
                                      core_ids={p.id for p in _core_people(db, collab, today)},
                                      collab_name=collab.name, today=today)

    if picture(title, first_year, last_year, texts, goals, offerings, milestones, evidence) == picture(
            plan.title, plan.first_year, plan.last_year, plan.texts or {}, **current):
        raise DomainError("P3", "nothing changed", field="summary")

    # Every check has passed: now write.
    before = content_of(plan)
    plan.title, plan.first_year, plan.last_year = title, first_year, last_year
    plan.texts = texts
    if content.goals is not None:
        plan.goals = [PlanGoal(position=i + 1, **g) for i, g in enumerate(goals)]
    if content.offerings is not None:
        plan.offerings = [PlanOffering(position=i + 1, **o) for i, o in enumerate(offerings)]
    if content.evidence is not None:
        plan.evidence = [PlanEvidence(position=i + 1, **e) for i, e in enumerate(evidence)]
    if content.milestones is not None:
        existing = {m.id: m for m in plan.milestones}
        kept = []
        for m in milestones:
            row = (existing.get(m["id"]) if m["id"] else None) or PlanMilestone()
            row.title, row.owner_id, row.due_on = m["title"], m["owner_id"], m["due_on"]
            row.is_done, row.done_on = m["is_done"], m["done_on"]
            kept.append(row)
        plan.milestones = kept
    db.flush()
    db.expire(plan, ["goals", "offerings", "evidence", "milestones"])
    status_before = plan.status
    if plan.status in (PlanStatus.ACCEPTED, PlanStatus.RETURNED):
        plan.status = PlanStatus.DRAFT
    rev = _add_revision(db, actor, plan, summary, at, author)
    record(db, actor, "plan.revise", plan, f"Revision {rev.number} of {plan.title}: {rev.summary}",
           before={**before, "status": status_before}, after={**rev.content, "status": plan.status},
           collaborative_id=collab.id)
    return rev


# --- review (P4) -------------------------------------------------------------------------------------

def _review(db: Session, actor: Actor, plan: Plan, action: ReviewAction, comment: str,
            at: datetime | None) -> PlanReview:
    number = _latest_number(db, plan)
    rev_id = db.scalar(select(PlanRevision.id).where(PlanRevision.plan_id == plan.id,
                                                     PlanRevision.number == number))
    row = PlanReview(plan_id=plan.id, revision_id=rev_id, action=action, actor_id=actor.id,
                     comment=comment, at=at or now_utc())
    db.add(row)
    return row


def submit_plan(db: Session, actor: Actor, plan: Plan, *, at: datetime | None = None) -> Plan:
    """P4: a draft (or returned) plan goes to the DPL for review, sent by the collaborative's Core
    members or the DPL."""
    require(actor, "plan.edit", plan.collaborative)
    if plan.status not in (PlanStatus.DRAFT, PlanStatus.RETURNED):
        raise DomainError("P4", f"only a draft or returned plan can be submitted; this one is {plan.status}",
                          field="status")
    before = {"status": plan.status}
    plan.status = PlanStatus.SUBMITTED
    _review(db, actor, plan, ReviewAction.SUBMITTED, "", at)
    record(db, actor, "plan.submit", plan, f"Submitted {plan.title} for review", before=before,
           after={"status": plan.status}, collaborative_id=plan.collaborative_id)
    return plan


def accept_plan(db: Session, actor: Actor, plan: Plan, comment: str = "", *,
                at: datetime | None = None) -> Plan:
    """P4: the DPL accepts a submitted plan. A draft that was never submitted cannot be accepted."""
    require(actor, "plan.review", plan.collaborative)
    if plan.status != PlanStatus.SUBMITTED:
        raise DomainError("P4", f"only a submitted plan can be accepted; this one is {plan.status}",
                          field="status")
    before = {"status": plan.status, "accepted_revision": plan.accepted_revision}
    plan.status = PlanStatus.ACCEPTED
    plan.accepted_revision = _latest_number(db, plan)
    plan.review_comment = clean(comment) or None
    _review(db, actor, plan, ReviewAction.ACCEPTED, clean(comment), at)
    record(db, actor, "plan.accept", plan, f"Accepted {plan.title} (revision {plan.accepted_revision})",
           before=before, after={"status": plan.status, "accepted_revision": plan.accepted_revision,
                                 "comment": plan.review_comment}, collaborative_id=plan.collaborative_id)
    return plan


def return_plan(db: Session, actor: Actor, plan: Plan, comment: str, *,
                at: datetime | None = None) -> Plan:
    """P4: the DPL returns a submitted plan with comments for the Core."""
    require(actor, "plan.review", plan.collaborative)
    if plan.status != PlanStatus.SUBMITTED:
        raise DomainError("P4", f"only a submitted plan can be returned; this one is {plan.status}",
                          field="status")
    if not clean(comment):
        raise DomainError("P4", "say what the Core should change", field="comment")
    before = {"status": plan.status}
    plan.status = PlanStatus.RETURNED
    plan.review_comment = clean(comment)
    _review(db, actor, plan, ReviewAction.RETURNED, clean(comment), at)
    record(db, actor, "plan.return", plan, f"Returned {plan.title} to the Core", before=before,
           after={"status": plan.status, "comment": plan.review_comment}, collaborative_id=plan.collaborative_id)
    return plan


def review_plan(db: Session, actor: Actor, plan: Plan, decision: str | None, comment: str) -> Plan:
    """P4: the DPL's decision on a submitted plan: ``accept`` it, or ``return`` it with comments."""
    require(actor, "plan.review", plan.collaborative)
    if decision == "accept":
        return accept_plan(db, actor, plan, comment)
    if decision == "return":
        return return_plan(db, actor, plan, comment)
    raise DomainError("P4", "accept or return the plan", field="decision")


# --- what waits for someone (their home page's "Waiting for you") -----------------------------------------

@dataclass
class PlansWaiting:
    """P4, M4: the plans the DPL must review (with when they were submitted), the proposals waiting
    for the DPL's answer (how many, since when), and the plans of one's Cores the DPL returned."""

    to_review: list[tuple[Plan, datetime]] = field(default_factory=list)
    open_proposals: int = 0
    oldest_proposal: datetime | None = None
    returned: list[Plan] = field(default_factory=list)


#: A plan and its collaborative, without the sections that load with a plan (a list needs its name).
_JUST_THE_PLAN = (lazyload("*"), joinedload(Plan.collaborative))


def waiting(db: Session, actor: Actor) -> PlansWaiting:
    """What of the plans and proposals ``actor`` must act on, in a fixed number of queries."""
    require(actor, "signed_in")
    out = PlansWaiting()
    if can(actor, "plan.review"):
        submitted = (select(PlanReview.plan_id, func.max(PlanReview.at).label("at"))
                     .where(PlanReview.action == ReviewAction.SUBMITTED).group_by(PlanReview.plan_id).subquery())
        out.to_review = [(p, at) for p, at in db.execute(
            select(Plan, submitted.c.at).join(submitted, submitted.c.plan_id == Plan.id)
            .options(*_JUST_THE_PLAN).where(Plan.status == PlanStatus.SUBMITTED)
            .order_by(submitted.c.at, Plan.id).limit(10))]
    if can(actor, "proposal.answer"):
        out.open_proposals, out.oldest_proposal = db.execute(
            select(func.count(), func.min(Post.created_at)).where(
                Post.kind == PostKind.PROPOSAL, Post.status == ProposalStatus.OPEN)).one()
    if actor.core_of:
        out.returned = list(db.scalars(select(Plan).options(*_JUST_THE_PLAN)
                                       .where(Plan.collaborative_id.in_(sorted(actor.core_of)),
                                              Plan.status == PlanStatus.RETURNED).order_by(Plan.id)))
    return out
