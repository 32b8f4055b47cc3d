"""P5 over many collaboratives without loading plans. One set-based query gives each collaborative in
service its current plan (P1's choice, as ``services.pick_current`` makes it) as a small row and
whether it is out of date, P5's conditions compared in SQL with the day's thresholds
(``standing.P5Day``), so that lists filter, sort and count by standing and page in SQL. The reasons
shown are ``standing.out_of_date``'s, judged from the facts of the rows shown: their row, and two more
queries for their plans' successors and milestones past due. Tests check that the SQL judgement and
``out_of_date`` agree (tests/plans/test_standings.py)."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Date, Integer, Select, String, and_, bindparam, case, exists, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.functions import FunctionElement

from ..dates import SchoolYear, school_year_of
from ..db import UTCDateTime
from ..network import services as network
from ..network.models import Collaborative, CollaborativeStatus
from ..settings import Settings
from ..web import Page
from .models import (Plan, PlanEvidence, PlanGoal, PlanMilestone, PlanOffering, PlanStatus, SectionKind,
                     TemplateSection)
from .standing import MilestoneDue, P5Day, PlanFacts, Reason, out_of_date

#: The standings a list can be filtered by.
STANDINGS = {"out_of_date": "Out of date", "up_to_date": "Up to date", "no_plan": "No plan"}
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


MONTHS = range(1, 13)


def _params(day: P5Day) -> dict[str, Any]:
    """The values the standings query compares with: the day's P5 thresholds (``P5Day``), for plans
    whose school years start in any month, and the school year whose plan is current (P1)."""
    params: dict[str, Any] = {"year": school_year_of(day.today, day.settings.school_year_start_month).start_year,
                              "today": day.today, "stale_before": day.stale_before}
    for m in MONTHS:
        params[f"covered_{m}"], params[f"ending_{m}"] = day.covered_year(m), day.ending_year(m)
    return params


def _current_plan_id() -> Any:
    """P1 (``services.pick_current``): the collaborative's plan covering the year, else the latest
    begun, else the earliest. Plans never overlap, so the covering plan is the latest begun one."""
    p = aliased(Plan, name="candidate")
    begun = (select(p.id).where(p.collaborative_id == Collaborative.id, p.first_year <= bindparam("year", type_=Integer))
             .order_by(p.first_year.desc()).limit(1).scalar_subquery())
    earliest = (select(p.id).where(p.collaborative_id == Collaborative.id).order_by(p.first_year).limit(1)
                .scalar_subquery())
    return func.coalesce(begun, earliest)


class json_object_entries(FunctionElement):
    """The (key, value) rows of a JSON object, its values as text: ``json_each`` on SQLite,
    ``json_each_text`` on PostgreSQL."""

    name = "json_object_entries"
    inherit_cache = True


@compiles(json_object_entries)
def _json_each(element: Any, compiler: Any, **kw: Any) -> str:
    return f"json_each({compiler.process(element.clauses, **kw)})"


@compiles(json_object_entries, "postgresql")
def _json_each_text(element: Any, compiler: Any, **kw: Any) -> str:
    return f"json_each_text({compiler.process(element.clauses, **kw)})"


def _has_content() -> Any:
    """P5 (``standing.is_written``) in SQL: the plan has a goal, an offering, a milestone, evidence
    of impact, or a free-text section of its template that is not blank (the norms do not count)."""
    rows = [exists().where(model.plan_id == Plan.id) for model in (PlanGoal, PlanOffering, PlanMilestone, PlanEvidence)]
    text = json_object_entries(Plan.texts).table_valued("key", "value").alias("plan_text")
    written = exists(select(text.c.key).select_from(text).join(TemplateSection, and_(
        TemplateSection.template_id == Plan.template_id, TemplateSection.key == text.c.key,
        TemplateSection.kind == SectionKind.FREE_TEXT)).where(func.trim(text.c.value) != ""))
    return or_(*rows, written)


def _is_out_of_date() -> Any:
    """P5 in SQL, each condition compared with the thresholds of ``_params`` (``P5Day``'s, as
    ``out_of_date`` compares them), the cheap ones first."""
    later = aliased(Plan, name="later_plan")
    has_next = exists().where(later.collaborative_id == Plan.collaborative_id, later.first_year > Plan.last_year)
    overdue = exists().where(PlanMilestone.plan_id == Plan.id, PlanMilestone.is_done.is_(False),
                             PlanMilestone.due_on < bindparam("today", type_=Date))
    covered = case({m: bindparam(f"covered_{m}", type_=Integer) for m in MONTHS}, value=Plan.start_month)
    ending_year = case({m: bindparam(f"ending_{m}", type_=Integer) for m in MONTHS}, value=Plan.start_month)
    return or_(
        and_(Plan.id.is_(None), Collaborative.status == CollaborativeStatus.ACTIVE),
        and_(Plan.id.is_not(None), or_(
            and_(Collaborative.status == CollaborativeStatus.ACTIVE, ~_has_content()),  # not_written
            Plan.last_revised_at < bindparam("stale_before", type_=UTCDateTime),  # stale
            Plan.first_year > covered, Plan.last_year < covered,  # not_covering
            and_(Plan.last_year == ending_year, ~has_next),  # ending
            overdue)))


def _filtered(ids: bool) -> Select:
    """Each collaborative in service (of the ``ids`` parameter, if ``ids``) with its current plan's
    columns and whether it is out of date (1 or 0)."""
    stmt = (network.in_service_query().order_by(None).with_only_columns(
        Collaborative.id.label("collaborative_id"), Collaborative.slug, Collaborative.name,
        Collaborative.status.label("collaborative_status"), Plan.id.label("plan_id"), Plan.title, Plan.status,
        Plan.first_year, Plan.last_year, Plan.start_month, Plan.last_revised_at, Plan.accepted_revision,
        _flag(_has_content()).label("has_content"), _flag(_is_out_of_date()).label("out_of_date"))
        .outerjoin(Plan, Plan.id == _current_plan_id()))
    if ids:
        stmt = stmt.where(Collaborative.id.in_(bindparam("ids", expanding=True)))
    return stmt


@lru_cache(maxsize=64)
def _standings_query(status: bool, standing: str | None, q: bool, ids: bool,
                     by_name: bool = False) -> tuple[Select, Select]:
    """The standings query for a shape of filters and its count, built once (values are parameters).
    ``by_name``: in the order of the collaboratives' names only (the database stops at the limit
    instead of judging every collaborative to sort them)."""
    sq = _filtered(ids).subquery("standing")
    stmt = select(sq)
    if status:
        stmt = stmt.where(sq.c.status == bindparam("status", type_=String))
    if standing == "out_of_date":
        stmt = stmt.where(sq.c.out_of_date == 1)
    elif standing == "up_to_date":
        stmt = stmt.where(sq.c.out_of_date == 0)
    elif standing == "no_plan":
        stmt = stmt.where(sq.c.plan_id.is_(None))
    if q:
        stmt = stmt.where(sq.c.name.ilike(bindparam("q", type_=String), escape="/"))
    if status or standing:
        count = select(func.count()).select_from(stmt.subquery())
    else:  # the count needs no plan: the collaboratives in service, by name
        count = network.in_service_query().order_by(None).with_only_columns(func.count())
        if q:
            count = count.where(Collaborative.name.ilike(bindparam("q", type_=String), escape="/"))
        if ids:
            count = count.where(Collaborative.id.in_(bindparam("ids", expanding=True)))
    if by_name:
        return stmt.order_by(sq.c.name), count
    ordered = stmt.order_by(sq.c.out_of_date.desc(), _flag(sq.c.status == PlanStatus.SUBMITTED).desc(), sq.c.name,
                            sq.c.collaborative_id)
    return ordered, count


def standings_query(day: P5Day, filters: Filters = Filters(), ids: Collection[int] | None = None, *,
                    by_name: bool = False) -> tuple[Select, Select, dict[str, Any]]:
    """P5: the query of the collaboratives in service (of ``ids``, when given) matching ``filters``,
    those out of date first, then those whose plan awaits the DPL's review (P4), then by name (or
    ``by_name`` only); the query of how many match; and their parameters."""
    params = _params(day)
    if filters.status:
        params["status"] = filters.status
    if filters.q:
        params["q"] = "%" + re.sub(r"([/%_])", r"/\1", filters.q) + "%"
    if ids is not None:
        params["ids"] = sorted(ids)
    stmt, count = _standings_query(bool(filters.status), filters.standing, bool(filters.q), ids is not None, by_name)
    return stmt, count, params


@lru_cache(maxsize=4)
def _details(by_query: Select | None) -> tuple[Select, Select]:
    """The plans of some collaboratives (to tell whether a next plan is drafted, and which) and the
    milestones of their current plans past due and not done: of the ``collab_ids`` and ``plan_ids``
    parameters, or of the rows of ``by_query``."""
    if by_query is None:
        collab_ids, plan_ids = bindparam("collab_ids", expanding=True), bindparam("plan_ids", expanding=True)
    else:
        rows = by_query.order_by(None).subquery()
        collab_ids, plan_ids = select(rows.c.collaborative_id), select(rows.c.plan_id)
    plans = (select(Plan.collaborative_id, Plan.id, Plan.first_year, Plan.last_year, Plan.start_month, Plan.status)
             .where(Plan.collaborative_id.in_(collab_ids)).order_by(Plan.collaborative_id, Plan.first_year))
    late = (select(PlanMilestone.plan_id, PlanMilestone.title, PlanMilestone.due_on)
            .where(PlanMilestone.plan_id.in_(plan_ids), PlanMilestone.is_done.is_(False),
                   PlanMilestone.due_on < bindparam("today", type_=Date))
            .order_by(PlanMilestone.plan_id, PlanMilestone.due_on, PlanMilestone.id))
    return plans, late


def _lines(db: Session, rows: list[Any], day: P5Day, params: dict[str, Any],
           by_query: Select | None = None) -> list[StandingLine]:
    """The standings of ``rows`` with their reasons (``out_of_date``) and next plans, judged from the
    facts of two more queries (``_details``: of the rows' ids, or of the rows of ``by_query``)."""
    plans_q, late_q = _details(by_query)
    if by_query is None:
        params = {**params, "collab_ids": [r.collaborative_id for r in rows],
                  "plan_ids": [r.plan_id for r in rows if r.plan_id is not None]}
    plans: dict[int, list[PlanRef]] = defaultdict(list)
    for collab_id, *ref in db.execute(plans_q, params):
        plans[collab_id].append(PlanRef(*ref))
    overdue: dict[int, list[MilestoneDue]] = defaultdict(list)
    for plan_id, title, due_on in db.execute(late_q, params):
        overdue[plan_id].append(MilestoneDue(title, due_on))
    lines = []
    for r in rows:
        collab = CollaborativeLine(r.collaborative_id, r.slug, r.name, r.collaborative_status)
        plan = next_plan = None
        if r.plan_id is not None:
            next_plan = next((p for p in plans[r.collaborative_id] if p.first_year > r.last_year), None)
            plan = PlanLine(r.first_year, r.last_year, r.start_month, r.last_revised_at, next_plan is not None,
                            tuple(overdue[r.plan_id]), bool(r.has_content), r.plan_id, r.title, r.status,
                            r.accepted_revision)
        lines.append(StandingLine(collab, plan, out_of_date(plan, collab, day.today, day.settings, day=day),
                                  next_plan))
    return lines


def page(db: Session, today: date, settings: Settings, filters: Filters, number: int,
         per_page: int = PER_PAGE) -> Page:
    """P5: one page of standings (``StandingLine``s), in four queries whatever the network's size."""
    day = P5Day(today, settings)
    stmt, count, params = standings_query(day, filters)
    total = db.scalar(count, params) or 0
    number = max(1, min(number, max(1, math.ceil(total / per_page))))
    paged = stmt.limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer))
    params = {**params, "limit": per_page, "offset": (number - 1) * per_page}
    rows = db.execute(paged, params).all()
    return Page(_lines(db, rows, day, params), number, per_page, total)


def of_collaboratives(db: Session, ids: Collection[int], today: date, settings: Settings) -> list[StandingLine]:
    """P5: the standings of a few collaboratives (one's own Cores), those out of date first."""
    day = P5Day(today, settings)
    stmt, _, params = standings_query(day, ids=ids)
    return _lines(db, db.execute(stmt, params).all(), day, params)


@dataclass
class Summary:
    """P5, P4: how many collaboratives' plans are out of date and how many await the DPL's review,
    and the first few out of date."""

    out_of_date: int
    awaiting_review: int
    first: list[StandingLine]


def summary(db: Session, today: date, settings: Settings, limit: int = 5) -> Summary:
    """P5, P4: the counts (one aggregate query) and the first ``limit`` standings out of date (by
    name), in four queries whatever the network's size."""
    day = P5Day(today, settings)
    stmt, _, params = standings_query(day)
    sq = stmt.order_by(None).subquery()
    late, waiting = db.execute(select(func.coalesce(func.sum(sq.c.out_of_date), 0),
                                      func.coalesce(func.sum(_flag(sq.c.status == PlanStatus.SUBMITTED)), 0)),
                               params).one()
    first_stmt, _, params = standings_query(day, Filters(standing="out_of_date"), by_name=True)
    rows = db.execute(first_stmt.limit(limit), params).all()
    return Summary(int(late), int(waiting), _lines(db, rows, day, params))


def every_out_of_date(db: Session, today: date, settings: Settings) -> list[StandingLine]:
    """P5 (for F4): every collaborative in service whose plan is out of date, with its reasons, in three
    queries whatever the network's size."""
    day = P5Day(today, settings)
    stmt, _, params = standings_query(day, Filters(standing="out_of_date"))
    return _lines(db, db.execute(stmt, params).all(), day, params, by_query=stmt)
