"""Reading the obligations (O3): a school's, for its coordinators (and the DPL, and Center staff who
read them); what the coordinator's home page leads with; the person concerned's own; across the
network, for the DPL and Center staff, with counts by school and by conference. Lists are SQL
queries the pages paginate; counts are aggregates."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from ..auth.models import Person
from ..cores.models import Appointment
from ..cores.services import term_overlaps
from ..errors import DomainError
from ..meetings.models import Conference
from ..network.models import Collaborative, School
from ..permissions import Actor, Role, require
from ..web import Page, paginate
from .models import (DeclineReason, Obligation, ObligationKind, ObligationStatus, collaborative_title,
                     statement)

#: The filters a list offers: a live obligation's answer, or withdrawn.
STATUS_FILTERS = ("pending", "confirmed", "declined", "withdrawn")


def _with_status(stmt: Select, status: str | None) -> Select:
    if not status:
        return stmt
    if status == "withdrawn":
        return stmt.where(Obligation.withdrawn_at.is_not(None))
    if status not in set(ObligationStatus):
        raise DomainError("O3", "status is pending, confirmed, declined or withdrawn", field="status")
    return stmt.where(Obligation.withdrawn_at.is_(None), Obligation.status == status)


def _school_order(today: date) -> tuple:
    """Pending first, then upcoming confirmed, then upcoming declined, each soonest first; then the
    past ones, latest first; then the withdrawn ones."""
    bucket = case((Obligation.withdrawn_at.is_not(None), 4), (Obligation.last_day < today, 3),
                  (Obligation.status == ObligationStatus.PENDING, 0),
                  (Obligation.status == ObligationStatus.CONFIRMED, 1), else_=2)
    upcoming_day = case((or_(Obligation.withdrawn_at.is_not(None), Obligation.last_day < today), None),
                        else_=Obligation.first_day)
    return bucket, upcoming_day, Obligation.first_day.desc(), Obligation.id


def school_obligations_query(actor: Actor | None, school: School, today: date, status: str | None = None) -> Select:
    """O3: every obligation of ``school`` (past and withdrawn too), pending first, then upcoming
    confirmed; filtered by ``status``. Its coordinators, the DPL and Center staff; another school's
    coordinator is refused."""
    require(actor, "obligation.view", school)
    stmt = select(Obligation).where(Obligation.school_id == school.id).order_by(*_school_order(today))
    return _with_status(stmt, status)


@dataclass
class SchoolCounts:
    """O3: how much of what a school owes is waiting for its answer, answered, past or withdrawn."""

    pending: int = 0
    confirmed: int = 0
    declined: int = 0
    past: int = 0
    withdrawn: int = 0

    @property
    def total(self) -> int:
        return self.pending + self.confirmed + self.declined + self.past + self.withdrawn


def school_counts(db: Session, actor: Actor | None, school: School, today: date) -> SchoolCounts:
    """O3: one aggregate query: the school's upcoming obligations by answer, its past and withdrawn ones."""
    require(actor, "obligation.view", school)
    bucket = case((Obligation.withdrawn_at.is_not(None), "withdrawn"), (Obligation.last_day < today, "past"),
                  else_=Obligation.status)
    counts = SchoolCounts()
    for name, n in db.execute(select(bucket, func.count()).where(Obligation.school_id == school.id)
                              .group_by(bucket)):
        setattr(counts, str(name), n)
    return counts


@dataclass
class SchoolDues:
    """What a coordinator's home page leads with: the school's pending obligations and its upcoming
    confirmed ones, with counts."""

    school: School
    counts: SchoolCounts
    pending: list[Obligation]
    confirmed: list[Obligation]


def what_the_school_owes(db: Session, actor: Actor, today: date, limit: int = 6) -> SchoolDues | None:
    """O3: for a school coordinator, their school's pending obligations, then its upcoming confirmed
    ones (soonest first, ``limit`` of each), and the counts; None for anyone else."""
    school = actor.person.school if actor.person is not None else None
    if school is None or not actor.has(Role.SCHOOL_COORDINATOR):
        return None
    require(actor, "obligation.view", school)
    upcoming = (select(Obligation).where(Obligation.school_id == school.id, Obligation.withdrawn_at.is_(None),
                                         Obligation.last_day >= today)
                .order_by(Obligation.first_day, Obligation.id).limit(limit))
    return SchoolDues(
        school, school_counts(db, actor, school, today),
        list(db.scalars(upcoming.where(Obligation.status == ObligationStatus.PENDING)).unique()),
        list(db.scalars(upcoming.where(Obligation.status == ObligationStatus.CONFIRMED)).unique()))


def answers_for_me(db: Session, actor: Actor, today: date, limit: int = 8) -> list[Obligation]:
    """O3: what one's school owes oneself, with its answer (withdrawn ones marked), soonest first."""
    require(actor, "signed_in")
    return list(db.scalars(select(Obligation).where(Obligation.person_id == actor.id, Obligation.last_day >= today)
                           .order_by(Obligation.first_day, Obligation.withdrawn_at.is_not(None), Obligation.id)
                           .limit(limit)).unique())


# --- across the network (the DPL, Center staff) ----------------------------------------------------------

def network_query(actor: Actor | None, today: date, *, school: str | None = None,
                  conference: str | None = None, status: str | None = None) -> Select:
    """O3: every school's obligations, filtered by school and conference (slugs) and status, in the
    order a school sees its own, then by school."""
    require(actor, "obligation.oversee")
    stmt = select(Obligation)
    if school:
        stmt = stmt.where(Obligation.school_id == select(School.id).where(School.slug == school).scalar_subquery())
    if conference:
        stmt = stmt.where(Obligation.conference_id == select(Conference.id).where(Conference.slug == conference)
                          .scalar_subquery())
    return _with_status(stmt, status).order_by(*_school_order(today))


@dataclass
class Tally:
    """Live obligations of one school or conference by answer."""

    pending: int = 0
    confirmed: int = 0
    declined: int = 0

    @property
    def total(self) -> int:
        return self.pending + self.confirmed + self.declined


@dataclass(frozen=True)
class Named:
    """A school or conference as a list names it: its slug and name (read as columns)."""

    id: int
    slug: str
    name: str


@dataclass
class NetworkCounts:
    by_school: list[tuple[Named, Tally]] = field(default_factory=list)
    by_conference: list[tuple[Named, Tally]] = field(default_factory=list)
    #: Every live obligation of the network, by answer (not only those of the schools listed).
    total: Tally = field(default_factory=Tally)


def _tallies(db: Session, column, ids: list[int]) -> dict[int, Tally]:
    tallies: dict[int, Tally] = defaultdict(Tally)
    if ids:
        for ident, status, n in db.execute(select(column, Obligation.status, func.count())
                                           .where(Obligation.withdrawn_at.is_(None), column.in_(ids))
                                           .group_by(column, Obligation.status)):
            setattr(tallies[ident], str(status), n)
    return tallies


def network_counts(db: Session, actor: Actor | None, today: date | None = None, limit: int | None = None
                   ) -> NetworkCounts:
    """O3: the live obligations pending, confirmed and declined, in total and by school and by
    conference, counted in SQL. With ``limit``: only the ``limit`` schools with the most pending and
    the first ``limit`` conferences not yet over on ``today`` (what the network's page shows; the
    list below it filters to any school), in a fixed number of queries whatever the network's size."""
    require(actor, "obligation.oversee")
    live = Obligation.withdrawn_at.is_(None)
    out = NetworkCounts()
    for status, n in db.execute(select(Obligation.status, func.count()).where(live).group_by(Obligation.status)):
        setattr(out.total, str(status), n)
    # Counted by school id first, then the few schools named (grouping the joined rows costs more).
    by_school = (select(Obligation.school_id.label("id"),
                        func.sum(case((Obligation.status == ObligationStatus.PENDING, 1), else_=0)).label("pending"))
                 .where(live).group_by(Obligation.school_id).subquery())
    schools = select(School.id, School.slug, School.name).join(by_school, by_school.c.id == School.id)
    schools = schools.order_by(by_school.c.pending.desc(), School.name).limit(limit) if limit \
        else schools.order_by(School.name)
    confs = (select(Conference.id, Conference.slug, Conference.name)
             .where(Conference.id.in_(select(Obligation.conference_id).where(live))).order_by(Conference.starts_on))
    if limit:
        confs = confs.where(Conference.ends_on >= today).limit(limit)
    for stmt, column, target in ((schools, Obligation.school_id, out.by_school),
                                 (confs, Obligation.conference_id, out.by_conference)):
        named = [Named(*row) for row in db.execute(stmt)]
        tallies = _tallies(db, column, [n.id for n in named])
        target.extend((n, tallies[n.id]) for n in named)
    return out


@dataclass(frozen=True)
class ObligationLine:
    """O3: one obligation as a list shows it, read as columns with the names around it (no school,
    person, collaborative or conference loaded as objects)."""

    id: int
    kind: ObligationKind
    status: ObligationStatus
    first_day: date
    last_day: date
    support: str
    why: str
    decline_reason: DeclineReason | None
    decision_note: str
    decided_at: datetime | None
    withdrawn_at: datetime | None
    withdrawn_reason: str | None
    created_at: datetime
    updated_at: datetime
    meeting_id: int | None
    school_slug: str
    school_name: str
    person_id: int
    person_name: str
    collaborative_slug: str
    collaborative_name: str
    conference_slug: str
    conference_name: str
    decided_by_name: str | None

    is_live = Obligation.is_live
    rule = Obligation.rule
    kind_label = Obligation.kind_label
    status_label = Obligation.status_label
    decline_label = Obligation.decline_label

    @property
    def statement(self) -> str:
        return statement(self.kind, self.person_name, collaborative_title(self.collaborative_name),
                         self.conference_name, self.first_day, self.last_day)


def lines(stmt: Select) -> Select:
    """O3: a query of obligations (``network_query``, ``school_obligations_query``) as the lines a list
    shows, with its filters and order: one row per obligation, read as columns."""
    decider = aliased(Person)
    return (stmt.with_only_columns(
        Obligation.id, Obligation.kind, Obligation.status, Obligation.first_day, Obligation.last_day,
        Obligation.support, Obligation.why, Obligation.decline_reason, Obligation.decision_note,
        Obligation.decided_at, Obligation.withdrawn_at, Obligation.withdrawn_reason, Obligation.created_at,
        Obligation.updated_at, Obligation.meeting_id, School.slug, School.name, Person.id, Person.name,
        Collaborative.slug, Collaborative.name, Conference.slug, Conference.name, decider.name,
        maintain_column_froms=False)
        .select_from(Obligation).join(School, School.id == Obligation.school_id)
        .join(Person, Person.id == Obligation.person_id)
        .join(Collaborative, Collaborative.id == Obligation.collaborative_id)
        .join(Conference, Conference.id == Obligation.conference_id)
        .outerjoin(decider, decider.id == Obligation.decided_by_id))


def as_lines(rows) -> list[ObligationLine]:
    """The rows of ``lines`` as ``ObligationLine``s."""
    return [ObligationLine(*row) for row in rows]


def page_of_lines(db: Session, stmt: Select, number: int, per_page: int) -> Page:
    """O3: one page of ``stmt`` (obligations in their order) as lines: the page's ids are found in
    the order first, without the joins, and only those rows are read with their names."""
    page = paginate(db, stmt.with_only_columns(Obligation.id), number, per_page, count=stmt)
    found = {line.id: line for line in as_lines(db.execute(lines(stmt.where(Obligation.id.in_(page.items))
                                                                  .order_by(None))))}
    page.items = [found[i] for i in page.items]
    return page


# --- who of a school serves on which Core (the school's page) -------------------------------------------

@dataclass
class Service:
    """C7/O1: one person's continuous service on one Core (a reappointment continues it)."""

    person: Person
    collaborative: Collaborative
    since: date
    until: date

    def current(self, today: date) -> bool:
        return self.since <= today


def school_core_service(db: Session, actor: Actor | None, school: School, today: date) -> list[Service]:
    """O1: who of ``school`` serves on which Core, from when until when (terms not yet ended), by name.
    Signed-in people see it with the school."""
    require(actor, "school.view")
    terms = db.scalars(select(Appointment).join(Person, Person.id == Appointment.person_id)
                       .where(Person.school_id == school.id, term_overlaps(today, date.max))
                       .order_by(Person.name, Appointment.collaborative_id, Appointment.starts_on)).unique()
    out: list[Service] = []
    for t in terms:
        last = out[-1] if out else None
        if last is not None and (last.person.id, last.collaborative.id) == (t.person_id, t.collaborative_id) \
                and t.starts_on <= last.until + date.resolution:
            last.until = max(last.until, t.last_day)
            continue
        out.append(Service(t.person, t.collaborative, t.starts_on, t.last_day))
    return out
