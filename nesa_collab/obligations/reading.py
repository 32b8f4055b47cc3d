"""Reading the obligations (O3): a school's, for its coordinators (and the DPL, and Center staff who
read them); what the coordinator's home page leads with; the person concerned's own; across the
network, for the DPL and Center staff, with counts by school and by conference. Lists are SQL
queries the pages paginate; counts are aggregates."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session

from ..auth.models import Person
from ..cores.models import Appointment
from ..cores.services import term_overlaps
from ..errors import DomainError
from ..meetings.models import Conference
from ..network.models import Collaborative, School
from ..permissions import Actor, Role, require
from .models import Obligation, ObligationStatus

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


@dataclass
class NetworkCounts:
    by_school: list[tuple[School, Tally]] = field(default_factory=list)
    by_conference: list[tuple[Conference, Tally]] = field(default_factory=list)

    @property
    def total(self) -> Tally:
        out = Tally()
        for _, t in self.by_school:
            out.pending, out.confirmed, out.declined = (out.pending + t.pending, out.confirmed + t.confirmed,
                                                        out.declined + t.declined)
        return out


def network_counts(db: Session, actor: Actor | None) -> NetworkCounts:
    """O3: the live obligations pending, confirmed and declined, by school and by conference: two
    aggregate queries and the schools and conferences they name."""
    require(actor, "obligation.oversee")
    live = Obligation.withdrawn_at.is_(None)
    out = NetworkCounts()
    for column, model, target in ((Obligation.school_id, School, out.by_school),
                                  (Obligation.conference_id, Conference, out.by_conference)):
        tallies: dict[int, Tally] = defaultdict(Tally)
        for ident, status, n in db.execute(select(column, Obligation.status, func.count()).where(live)
                                           .group_by(column, Obligation.status)):
            setattr(tallies[ident], str(status), n)
        if tallies:
            order = model.name if model is School else model.starts_on
            for row in db.scalars(select(model).where(model.id.in_(sorted(tallies))).order_by(order)):
                target.append((row, tallies[row.id]))
    return out


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
