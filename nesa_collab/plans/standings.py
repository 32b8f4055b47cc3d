"""P5 over many collaboratives without loading plans: one set-based query gives each collaborative in
service its current plan (P1's choice, as ``services.pick_current`` makes it) as a small row, with
the P5 conditions compared in SQL against the day's thresholds (``standing.P5Day``), so that lists
filter, sort and count by standing and page in SQL. The reasons shown are ``standing.out_of_date``'s,
judged from the row's facts and the overdue milestones of the page's plans (one more query)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, case, false, func, or_, select
from sqlalchemy.orm import Session

from ..dates import SchoolYear, school_year_of
from ..network import services as network
from ..network.models import Collaborative, CollaborativeStatus
from ..settings import Settings
from ..web import Page, paginate
from .models import Plan, PlanMilestone, PlanStatus
from .standing import MilestoneDue, P5Day, PlanFacts, Reason, out_of_date

#: The standings a list can be filtered by.
STANDINGS = {"out_of_date": "Out of date", "up_to_date": "Up to date", "no_plan": "No plan"}
#: The P5 conditions, as the query computes them (each a 0/1 column of its rows).
CONDITIONS = ("no_plan", "stale", "ending", "not_covering", "overdue")
PER_PAGE = 25


@dataclass(frozen=True)
class CollaborativeLine:
    """A collaborative as a list of standings shows it."""

    id: int
    slug: str
    name: str
    status: CollaborativeStatus


@dataclass(frozen=True)
class PlanLine(PlanFacts):
    """A current plan as a list of standings shows it: its P5 facts and what names it."""

    id: int
    title: str
    status: PlanStatus
    accepted_revision: int | None


@dataclass(frozen=True)
class PlanRef:
    """A collaborative's next plan (one starting after the current one), for a link."""

    id: int
    first_year: int
    last_year: int
    start_month: int
    status: PlanStatus

    @property
    def years_label(self) -> str:
        return f"{SchoolYear(self.first_year, self.start_month).label} to {SchoolYear(self.last_year, self.start_month).label}"


@dataclass
class StandingLine:
    """P5: a collaborative, its current plan (or none), why it is out of date and its next plan."""

    collaborative: CollaborativeLine
    plan: PlanLine | None
    reasons: list[Reason]
    next_plan: PlanRef | None = None

    @property
    def is_out_of_date(self) -> bool:
        return bool(self.reasons)


@dataclass(frozen=True)
class Filters:
    """What a Director narrows the plans list to: the current plan's status (P4), the standing
    (out of date, up to date, no plan) and words of the collaborative's name. Unknown values are
    ignored."""

    status: str | None = None
    standing: str | None = None
    q: str | None = None

    @classmethod
    def of(cls, status: str | None = None, standing: str | None = None, q: str | None = None) -> "Filters":
        return cls(status if status in set(PlanStatus) else None, standing if standing in STANDINGS else None,
                   (q or "").strip()[:100] or None)


def _flag(condition: Any) -> Any:
    return case((condition, 1), else_=0)


def _classified(day: P5Day, ids: Collection[int] | None) -> Select:
    """Each collaborative in service with its current plan's columns and each P5 condition (0/1)."""
    year = school_year_of(day.today, day.settings.school_year_start_month).start_year
    # P1 (pick_current): the plan covering the year, else the latest begun, else the earliest. Plans
    # never overlap, so the covering plan is the latest begun one.
    # "A next plan is drafted" is a later plan's existence: the latest start after the current plan's end.
    current = (select(Plan.collaborative_id,
                      func.coalesce(func.max(case((Plan.first_year <= year, Plan.first_year))),
                                    func.min(Plan.first_year)).label("first_year"),
                      func.max(Plan.first_year).label("latest_first_year"))
               .group_by(Plan.collaborative_id).subquery("current_plan"))
    late = (select(PlanMilestone.plan_id).where(PlanMilestone.is_done.is_(False), PlanMilestone.due_on < day.today)
            .group_by(PlanMilestone.plan_id).subquery("late_milestones"))
    has_next = current.c.latest_first_year > Plan.last_year
    overdue = late.c.plan_id.is_not(None)
    months = range(1, 13)
    covered = case({m: day.covered_year(m) for m in months}, value=Plan.start_month)
    ending_years = {m: day.ending_year(m) for m in months if day.ending_year(m) is not None}
    ending_year = case(ending_years, value=Plan.start_month, else_=None) if ending_years else None
    has_plan = Plan.id.is_not(None)
    conditions = {
        "no_plan": and_(Plan.id.is_(None), Collaborative.status == CollaborativeStatus.ACTIVE),
        "stale": and_(has_plan, Plan.last_revised_at < day.stale_before),
        "ending": and_(has_plan, ~has_next, Plan.last_year == ending_year) if ending_year is not None else false(),
        "not_covering": and_(has_plan, or_(Plan.first_year > covered, Plan.last_year < covered)),
        "overdue": and_(has_plan, overdue),
    }
    stmt = (network.in_service_query().order_by(None).with_only_columns(
        Collaborative.id.label("collaborative_id"), Collaborative.slug, Collaborative.name,
        Collaborative.status.label("collaborative_status"), Plan.id.label("plan_id"), Plan.title, Plan.status,
        Plan.first_year, Plan.last_year, Plan.start_month, Plan.last_revised_at, Plan.accepted_revision,
        _flag(has_next).label("has_next_plan"), *(_flag(c).label(k) for k, c in conditions.items()))
        .outerjoin(current, current.c.collaborative_id == Collaborative.id)
        .outerjoin(Plan, and_(Plan.collaborative_id == Collaborative.id, Plan.first_year == current.c.first_year))
        .outerjoin(late, late.c.plan_id == Plan.id))
    if ids is not None:
        stmt = stmt.where(Collaborative.id.in_(sorted(ids)))
    return stmt


def standings_query(day: P5Day, filters: Filters = Filters(), ids: Collection[int] | None = None) -> Select:
    """P5: the rows of the collaboratives in service (of ``ids``, when given) matching ``filters``:
    those out of date first, then those whose plan awaits the DPL's review (P4), then by name."""
    sq = _classified(day, ids).subquery("standing")
    attention = _flag(sum((sq.c[k] for k in CONDITIONS[1:]), sq.c[CONDITIONS[0]]) > 0)
    stmt = select(sq, attention.label("out_of_date"))
    if filters.status:
        stmt = stmt.where(sq.c.status == filters.status)
    if filters.standing == "out_of_date":
        stmt = stmt.where(attention == 1)
    elif filters.standing == "up_to_date":
        stmt = stmt.where(attention == 0)
    elif filters.standing == "no_plan":
        stmt = stmt.where(sq.c.plan_id.is_(None))
    if filters.q:
        stmt = stmt.where(sq.c.name.icontains(filters.q, autoescape=True))
    return stmt.order_by(attention.desc(), _flag(sq.c.status == PlanStatus.SUBMITTED).desc(), sq.c.name,
                         sq.c.collaborative_id)


def _overdue(db: Session, plan_ids: Collection[int] | Select, today: date) -> dict[int, list[MilestoneDue]]:
    """The milestones past due and not done of the plans ``plan_ids`` (ids, or a query of them)."""
    ids = plan_ids if isinstance(plan_ids, Select) else sorted(plan_ids)
    out: dict[int, list[MilestoneDue]] = defaultdict(list)
    for plan_id, title, due_on in db.execute(
            select(PlanMilestone.plan_id, PlanMilestone.title, PlanMilestone.due_on)
            .where(PlanMilestone.plan_id.in_(ids), PlanMilestone.is_done.is_(False), PlanMilestone.due_on < today)
            .order_by(PlanMilestone.plan_id, PlanMilestone.due_on, PlanMilestone.id)):
        out[plan_id].append(MilestoneDue(title, due_on))
    return out


def _next_plans(db: Session, lines: list[StandingLine]) -> None:
    """Each line's next plan: the collaborative's earliest plan starting after the current one."""
    current = {line.collaborative.id: line.plan for line in lines if line.plan is not None and line.plan.has_next_plan}
    if not current:
        return
    found: dict[int, PlanRef] = {}
    for collab_id, *ref in db.execute(
            select(Plan.collaborative_id, Plan.id, Plan.first_year, Plan.last_year, Plan.start_month, Plan.status)
            .where(Plan.collaborative_id.in_(sorted(current))).order_by(Plan.collaborative_id, Plan.first_year)):
        plan = PlanRef(*ref)
        if collab_id not in found and plan.first_year > current[collab_id].last_year:
            found[collab_id] = plan
    for line in lines:
        line.next_plan = found.get(line.collaborative.id)


def facts_of(row: Any, milestones: list[MilestoneDue]) -> PlanLine | None:
    """The current plan of a standings row (None if the collaborative has none)."""
    if row.plan_id is None:
        return None
    return PlanLine(row.first_year, row.last_year, row.start_month, row.last_revised_at, bool(row.has_next_plan),
                    tuple(milestones), row.plan_id, row.title, row.status, row.accepted_revision)


def lines_of(db: Session, rows: list[Any], day: P5Day, *, next_plans: bool = False,
             overdue: dict[int, list[MilestoneDue]] | None = None) -> list[StandingLine]:
    """The standings of ``rows`` with their reasons (``out_of_date``), in one or two more queries."""
    if overdue is None:
        overdue = _overdue(db, [r.plan_id for r in rows if r.plan_id and r.overdue], day.today)
    lines = []
    for r in rows:
        collab = CollaborativeLine(r.collaborative_id, r.slug, r.name, r.collaborative_status)
        plan = facts_of(r, overdue.get(r.plan_id, []))
        lines.append(StandingLine(collab, plan, out_of_date(plan, collab, day.today, day.settings, day=day)))
    if next_plans:
        _next_plans(db, lines)
    return lines


def page(db: Session, today: date, settings: Settings, filters: Filters, number: int,
         per_page: int = PER_PAGE) -> Page:
    """P5: one page of standings (``StandingLine``s), in four queries whatever the network's size."""
    day = P5Day(today, settings)
    shown = paginate(db, standings_query(day, filters), number, per_page, scalars=False)
    shown.items = lines_of(db, shown.items, day, next_plans=True)
    return shown


def of_collaboratives(db: Session, ids: Collection[int], today: date, settings: Settings) -> list[StandingLine]:
    """P5: the standings of a few collaboratives (one's own Cores), those out of date first."""
    day = P5Day(today, settings)
    return lines_of(db, list(db.execute(standings_query(day, ids=ids))), day)


@dataclass
class Summary:
    """P5, P4: how many collaboratives' plans are out of date and how many await the DPL's review,
    and the first few out of date."""

    out_of_date: int
    awaiting_review: int
    first: list[StandingLine]


def summary(db: Session, today: date, settings: Settings, limit: int = 5) -> Summary:
    """P5, P4: the counts (one aggregate query) and the first ``limit`` standings out of date."""
    day = P5Day(today, settings)
    sq = standings_query(day).order_by(None).subquery()
    late, waiting = db.execute(select(func.coalesce(func.sum(sq.c.out_of_date), 0),
                                      func.coalesce(func.sum(_flag(sq.c.status == PlanStatus.SUBMITTED)), 0))).one()
    first = list(db.execute(standings_query(day, Filters(standing="out_of_date")).limit(limit))) if late else []
    return Summary(int(late), int(waiting), lines_of(db, first, day))


def every_out_of_date(db: Session, today: date, settings: Settings) -> list[StandingLine]:
    """P5 (for F4): every collaborative in service whose plan is out of date, with its reasons, in two
    queries whatever the network's size."""
    day = P5Day(today, settings)
    stmt = standings_query(day, Filters(standing="out_of_date"))
    rows = list(db.execute(stmt))
    late = stmt.order_by(None).subquery()
    overdue = _overdue(db, select(late.c.plan_id).where(late.c.overdue == 1), today) if any(r.overdue for r in rows) else {}
    return lines_of(db, rows, day, overdue=overdue)


def standing_rows(db: Session, today: date, settings: Settings) -> list[Any]:
    """The query's rows for every collaborative in service, conditions included (tests compare them
    with ``out_of_date``)."""
    return list(db.execute(standings_query(P5Day(today, settings))))
