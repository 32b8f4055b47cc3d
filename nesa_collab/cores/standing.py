"""C6, C9, C10, F1–F3, F8: every Core's standing on a day, set-based — the one definition of the
conditions the Core dashboard, the Director's home page and the daily sweep (``flags.rules``) read.

Strength today and on the first of each of the next 12 months, terms ending without a successor,
seats left vacant, members whose school changed or lapsed, open seats and candidates are counted in
SQL, grouped by collaborative, whatever the network's size; only the Cores a page shows have their
terms loaded (``cores.services.summarize``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Date, Select, and_, case, false, func, literal, not_, or_, select, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.functions import FunctionElement

from ..auth.models import Person
from ..network.models import Collaborative, CollaborativeStatus, School, SchoolStatus
from .models import MAX_CORE, MIN_CORE, Appointment, Candidacy, CandidacyStatus

#: How far ahead a term's end counts as "ending soon" (F1) and how far the look-ahead reaches.
ENDING_SOON_DAYS = 90
LOOK_AHEAD_DAYS = 365
#: F3: a forming collaborative is flagged under strength once it has formed this long (C6).
FORMING_DAYS = 182
#: A successor starts between a month before and six months after the term it follows ends.
SUCCESSOR_BEFORE, SUCCESSOR_AFTER = 30, 183
#: The flag columns of a Core's standing, in the order the dashboard counts them.
FLAG_COLUMNS = ("f3_under", "f3_over", "f3_forming", "f1_outlook", "f1_ending", "f2_vacant", "f8_school")


def month_starts(today: date, months: int = 12) -> list[date]:
    """The first day of each of the ``months`` coming months."""
    out, y, m = [], today.year, today.month
    for _ in range(months):
        m += 1
        if m > 12:
            y, m = y + 1, 1
        out.append(date(y, m, 1))
    return out


def last_day(a=Appointment):
    """SQL: a term's actual last day (C5: an early end is its last day)."""
    return func.coalesce(a.ended_on, a.ends_on)


class days_after(FunctionElement):
    """SQL: the date ``days`` days after a date expression (``days_after(col, -30)``: a month before)."""

    type = Date()
    inherit_cache = True

    def __init__(self, expr, days: int):
        self.days = days
        super().__init__(expr)


@compiles(days_after)
def _days_after(element, compiler, **kw):
    return f"({compiler.process(element.clauses, **kw)} + {int(element.days)})"


@compiles(days_after, "sqlite")
def _days_after_sqlite(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)}, '{int(element.days):+d} days')"


def _ids(collab_ids):
    """Ids as a list, or an expanding bind parameter as it is (a statement built once, run for many)."""
    return collab_ids if isinstance(collab_ids, BindParameter) else list(collab_ids)


def _continued_ids() -> Select:
    return select(Appointment.previous_id).where(Appointment.previous_id.is_not(None))


def term_facts(today: date, collab_ids=None) -> Select:
    """F1, F2, C9: the terms whose seat may need filling around ``today`` — those that ended within
    the past year or end within the coming one — with whether a successor is appointed.

    A term's successor is its continuation (C7), else a new appointment (not a continuation) on the
    same Core starting between a month before and six months after the term's last day. New
    appointments are shared out one seat each: the terms of a Core whose windows overlap are taken
    in the order they end (then by id), and the k-th of them has a successor when at least k new
    appointments start between the first one's window and its own window's end."""
    t, u, s = aliased(Appointment), aliased(Appointment), aliased(Appointment)
    t_last, u_last = last_day(t), last_day(u)
    continued = _continued_ids()
    competing = and_(u.collaborative_id == t.collaborative_id, u.id.not_in(continued),
                     u_last >= days_after(t_last, -(SUCCESSOR_BEFORE + SUCCESSOR_AFTER)),
                     or_(u_last < t_last, and_(u_last == t_last, u.id <= t.id)))
    rank = select(func.count(u.id)).where(competing).correlate(t).scalar_subquery()
    first_end = select(func.min(u_last)).where(competing).correlate(t).scalar_subquery()
    fresh = (select(func.count(s.id)).where(
        s.collaborative_id == t.collaborative_id, s.previous_id.is_(None), s.id != t.id, s.starts_on > t.starts_on,
        s.starts_on >= days_after(first_end, -SUCCESSOR_BEFORE),
        s.starts_on <= days_after(t_last, SUCCESSOR_AFTER)).correlate(t).scalar_subquery())
    succeeded = or_(t.id.in_(continued), fresh >= rank)
    stmt = (select(t.id.label("term_id"), t.collaborative_id.label("collaborative_id"), t.person_id.label("person_id"),
                   t.starts_on.label("starts_on"), t_last.label("last_day"),
                   case((succeeded, true()), else_=false()).label("succeeded"))
            .where(t_last >= today - timedelta(days=LOOK_AHEAD_DAYS), t_last <= today + timedelta(days=LOOK_AHEAD_DAYS)))
    if collab_ids is not None:
        stmt = stmt.where(t.collaborative_id.in_(_ids(collab_ids)))
    return stmt


def school_changed(a=Appointment, person=Person, school=School):
    """SQL, C10: the member's school changed, or lapsed on or after the term's first day (flagged,
    never ended automatically). Needs ``person`` and ``school`` (outer) joined to ``a``."""
    moved = and_(a.school_id_at_appointment.is_not(None),
                 or_(person.school_id.is_(None), person.school_id != a.school_id_at_appointment))
    lapsed = and_(school.id.is_not(None), school.status != SchoolStatus.ACTIVE, school.lapsed_on.is_not(None),
                  school.lapsed_on >= a.starts_on)
    return or_(moved, lapsed)


def school_change_terms(today: date, collab_ids=None) -> Select:
    """F8/C10: the terms running on ``today`` or later whose member's school changed or lapsed."""
    stmt = (select(Appointment.id.label("term_id"), Appointment.collaborative_id.label("collaborative_id"))
            .join(Person, Person.id == Appointment.person_id).outerjoin(School, School.id == Person.school_id)
            .where(last_day() >= today, school_changed()))
    if collab_ids is not None:
        stmt = stmt.where(Appointment.collaborative_id.in_(_ids(collab_ids)))
    return stmt


def school_change_rows(today: date, collab_ids=None) -> Select:
    """F8/C10: ``school_change_terms`` with what ``describe_school_change`` words them from."""
    new_school = aliased(School)
    stmt = (select(Appointment.id.label("term_id"), Appointment.collaborative_id.label("collaborative_id"),
                   Person.name.label("person_name"),
                   case((and_(Appointment.school_id_at_appointment.is_not(None),
                              or_(Person.school_id.is_(None), Person.school_id != Appointment.school_id_at_appointment)),
                         true()), else_=false()).label("moved"),
                   new_school.name.label("school_name"), new_school.lapsed_on.label("lapsed_on"))
            .join(Person, Person.id == Appointment.person_id).outerjoin(new_school, new_school.id == Person.school_id)
            .where(last_day() >= today, school_changed(Appointment, Person, new_school)))
    if collab_ids is not None:
        stmt = stmt.where(Appointment.collaborative_id.in_(list(collab_ids)))
    return stmt


def describe_school_change(person_name: str, moved: bool, school_name: str | None, lapsed_on: date | None) -> str:
    """C10: what changed of a flagged member's school, in words (the condition is ``school_changed``)."""
    if moved:
        return f"{person_name} moved to {school_name or 'no member school'}"
    if lapsed_on is not None:
        return f"{school_name}'s membership lapsed on {lapsed_on.day} {lapsed_on:%B %Y}"
    return f"{person_name}'s school changed"


def _count(cond):
    return func.sum(case((cond, 1), else_=0))


def standings_query(today: date, collab_ids=None) -> Select:
    """Every Core in service (or those of ``collab_ids``) on ``today``: strength today (``s0``) and on
    the first of each coming month (``s1``..``s12``), the counts behind F1, F2 and F8, open seats (C9)
    and candidates, and the flags (``FLAG_COLUMNS``) — four grouped scans, whatever the size."""
    horizon = today + timedelta(days=LOOK_AHEAD_DAYS)
    days = [today] + month_starts(today)
    live = (select(Appointment.collaborative_id.label("cid"),
                   *[_count(and_(Appointment.starts_on <= d, last_day() >= d)).label(f"s{i}") for i, d in enumerate(days)],
                   _count(and_(last_day() > horizon, Appointment.starts_on <= horizon)).label("committed"))
            .where(last_day() >= today).group_by(Appointment.collaborative_id))
    facts = term_facts(today, collab_ids).subquery()
    ending = (select(facts.c.collaborative_id.label("cid"),
                     _count(and_(facts.c.last_day >= today, facts.c.starts_on <= today,
                                 facts.c.last_day <= today + timedelta(days=ENDING_SOON_DAYS))).label("ending_soon"),
                     _count(and_(facts.c.last_day >= today, facts.c.starts_on <= today)).label("ending_year"),
                     _count(facts.c.last_day < today).label("ended"))
              .where(not_(facts.c.succeeded)).group_by(facts.c.collaborative_id))
    changes = school_change_terms(today, collab_ids).subquery()
    schools = select(changes.c.collaborative_id.label("cid"), func.count().label("n")).group_by(changes.c.collaborative_id)
    candidates = (select(Candidacy.collaborative_id.label("cid"), func.count().label("n"))
                  .where(Candidacy.status == CandidacyStatus.OPEN).group_by(Candidacy.collaborative_id))
    if collab_ids is not None:
        live = live.where(Appointment.collaborative_id.in_(list(collab_ids)))
        candidates = candidates.where(Candidacy.collaborative_id.in_(list(collab_ids)))
    live, ending, schools, candidates = (q.subquery() for q in (live, ending, schools, candidates))
    c = Collaborative
    strength = [func.coalesce(live.c[f"s{i}"], 0) for i in range(len(days))]
    s0 = strength[0]
    active = c.status == CollaborativeStatus.ACTIVE
    in_range = and_(s0 >= MIN_CORE, s0 <= MAX_CORE)
    vacancies = case((func.coalesce(ending.c.ended, 0) < MAX_CORE - s0, func.coalesce(ending.c.ended, 0)),
                     else_=MAX_CORE - s0)
    vacancies = case((vacancies > 0, vacancies), else_=0)
    committed = func.coalesce(live.c.committed, 0)
    flags = {
        "f3_under": and_(active, s0 < MIN_CORE),
        "f3_over": and_(active, s0 > MAX_CORE),
        "f3_forming": and_(c.status == CollaborativeStatus.FORMING, c.forming_since.is_not(None),
                           c.forming_since < today - timedelta(days=FORMING_DAYS), s0 < MIN_CORE),
        "f1_outlook": and_(active, in_range, or_(*[n < MIN_CORE for n in strength[1:]])),
        "f1_ending": func.coalesce(ending.c.ending_soon, 0) > 0,
        "f2_vacant": vacancies > 0,
        "f8_school": func.coalesce(schools.c.n, 0) > 0,
    }
    flag_cols = [case((cond, 1), else_=0).label(name) for name, cond in flags.items()]
    attention = case((or_(*flags.values()), 1), else_=0)
    stmt = (select(c.id.label("collaborative_id"), *[n.label(f"s{i}") for i, n in enumerate(strength)],
                   func.coalesce(ending.c.ending_soon, 0).label("ending_soon"),
                   func.coalesce(ending.c.ending_year, 0).label("ending_year"),
                   vacancies.label("vacancies"),
                   case((committed < MAX_CORE, MAX_CORE - committed), else_=0).label("open_seats"),
                   func.coalesce(candidates.c.n, 0).label("candidates"),
                   func.coalesce(schools.c.n, 0).label("school_changes"),
                   *flag_cols, attention.label("attention"))
            .select_from(c)
            .outerjoin(live, live.c.cid == c.id).outerjoin(ending, ending.c.cid == c.id)
            .outerjoin(schools, schools.c.cid == c.id).outerjoin(candidates, candidates.c.cid == c.id)
            .where(c.status != CollaborativeStatus.RETIRED))
    if collab_ids is not None:
        stmt = stmt.where(c.id.in_(list(collab_ids)))
    return stmt


@dataclass(frozen=True)
class Standing:
    """One Core's standing on a day, as ``standings_query`` counts it."""

    collaborative_id: int
    strength: int
    #: (first day of each coming month, strength that day) for the next 12 months.
    outlook: list[tuple[date, int]]
    ending_soon: int
    ending_within_year: int
    vacancies: int
    open_seats: int
    candidates: int
    school_changes: int
    flags: frozenset[str]

    @property
    def lowest(self) -> int:
        return min([self.strength] + [n for _, n in self.outlook])

    @property
    def needs_attention(self) -> bool:
        return bool(self.flags)

    @property
    def falls_below_on(self) -> date | None:
        """F1: the first coming month on which the Core has fewer than 5 members."""
        return next((d for d, n in self.outlook if n < MIN_CORE), None)


def standing_of(row, today: date) -> Standing:
    """A ``standings_query`` row (a mapping) as a ``Standing``."""
    days = month_starts(today)
    return Standing(row["collaborative_id"], row["s0"], [(d, row[f"s{i + 1}"]) for i, d in enumerate(days)],
                    row["ending_soon"], row["ending_year"], row["vacancies"], row["open_seats"], row["candidates"],
                    row["school_changes"], frozenset(name for name in FLAG_COLUMNS if row[name]))


def counts_query(today: date, source: Select | None = None) -> Select:
    """How many Cores in service, how many need attention, and how many hold each flag — of the
    standings computed live, or of ``source`` (the stored ones, ``standing_store.stored_query``)."""
    sub = (standings_query(today) if source is None else source).subquery()
    return select(func.count().label("cores"), func.coalesce(func.sum(sub.c.attention), 0).label("attention"),
                  *[func.coalesce(func.sum(sub.c[name]), 0).label(name) for name in FLAG_COLUMNS],
                  literal(0).label("_"))
