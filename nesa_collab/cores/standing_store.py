"""C6, C9, C10, F1–F3, F8 at any size: each Core's standing (``cores.standing``) stored for the day it
was computed for, so the dashboard, its API and the Director's home page page and count a table of one
row per Core instead of judging every Core on every request.

A row is valid for its ``as_of`` day and the collaborative's status it was computed with. The services
that change what a standing depends on — terms (appoint, reappoint, an early end, an appointment from
a proposal), candidacies, a person's school, a school's membership — ``forget`` the rows of the
collaboratives concerned in their own transaction; a collaborative's status change and a new
collaborative are seen by comparing its status (no row, or another status); the date moving makes every
row stale at once. ``ensure_fresh`` recomputes only what is missing or stale, with ``standings_query``
(the one definition), in one ``INSERT … SELECT … ON CONFLICT DO UPDATE``: two requests refreshing at
once both succeed (the write lock on SQLite, the row locks on PostgreSQL). The daily sweep refreshes
every row, so a page rarely pays for a new day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Iterable

from sqlalchemy import Date, ForeignKey, Index, Integer, Select, String, bindparam, delete, func, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..auth.models import Person
from ..db import Base
from ..network.models import Collaborative, CollaborativeStatus, School
from .models import Appointment
from .standing import FLAG_COLUMNS, counts_query, school_change_terms, standings_query, term_facts

#: The strength columns: today (``s0``) and the first of each of the next 12 months.
STRENGTH_COLUMNS = tuple(f"s{i}" for i in range(13))
#: The columns of ``standings_query`` a row keeps (``standing.standing_of`` reads a row as it reads those).
STANDING_COLUMNS = (*STRENGTH_COLUMNS, "ending_soon", "ending_year", "vacancies", "open_seats", "candidates",
                    "school_changes", *FLAG_COLUMNS, "attention")
#: How many Cores the dashboard's "short now" and "short within a year" lines name at most.
SHORT_LIST = 12
#: Past this many stale rows, all rows are recomputed in one scan (cheaper than a long list of ids).
WHOLE_NETWORK = 200


class CoreStanding(Base):
    """One Core's standing on ``as_of`` (``standings_query``'s row), with what makes it stale."""

    __tablename__ = "core_standings"
    __table_args__ = (Index("ix_core_standings_order", "as_of", "attention", "short_now", "f1_outlook", "s0"),)

    collaborative_id: Mapped[int] = mapped_column(ForeignKey("collaboratives.id", ondelete="CASCADE"),
                                                  primary_key=True, autoincrement=False)
    #: The day the standing was computed for: valid on that day only.
    as_of: Mapped[date] = mapped_column(Date)
    #: The collaborative's status it was computed with (a status change makes it stale).
    status: Mapped[str] = mapped_column(String(16))
    s0: Mapped[int] = mapped_column(Integer)
    s1: Mapped[int] = mapped_column(Integer)
    s2: Mapped[int] = mapped_column(Integer)
    s3: Mapped[int] = mapped_column(Integer)
    s4: Mapped[int] = mapped_column(Integer)
    s5: Mapped[int] = mapped_column(Integer)
    s6: Mapped[int] = mapped_column(Integer)
    s7: Mapped[int] = mapped_column(Integer)
    s8: Mapped[int] = mapped_column(Integer)
    s9: Mapped[int] = mapped_column(Integer)
    s10: Mapped[int] = mapped_column(Integer)
    s11: Mapped[int] = mapped_column(Integer)
    s12: Mapped[int] = mapped_column(Integer)
    ending_soon: Mapped[int] = mapped_column(Integer)
    ending_year: Mapped[int] = mapped_column(Integer)
    vacancies: Mapped[int] = mapped_column(Integer)
    open_seats: Mapped[int] = mapped_column(Integer)
    candidates: Mapped[int] = mapped_column(Integer)
    school_changes: Mapped[int] = mapped_column(Integer)
    f3_under: Mapped[int] = mapped_column(Integer)
    f3_over: Mapped[int] = mapped_column(Integer)
    f3_forming: Mapped[int] = mapped_column(Integer)
    f1_outlook: Mapped[int] = mapped_column(Integer)
    f1_ending: Mapped[int] = mapped_column(Integer)
    f2_vacant: Mapped[int] = mapped_column(Integer)
    f8_school: Mapped[int] = mapped_column(Integer)
    attention: Mapped[int] = mapped_column(Integer)
    #: F3: short (or over strength) now, the dashboard's second sort key.
    short_now: Mapped[int] = mapped_column(Integer)


_TABLE = CoreStanding.__table__


# --- forgetting (in the transaction of the change) -----------------------------------------------------

def forget(db: Session, collab_ids: Iterable[int] | Select) -> None:
    """The standings of ``collab_ids`` (ids or a one-column SELECT of them) no longer hold: a term, a
    candidacy, a member's school changed. In the caller's transaction, one statement."""
    if not isinstance(collab_ids, Select):
        collab_ids = sorted({i for i in collab_ids if i is not None})
        if not collab_ids:
            return
    db.execute(delete(CoreStanding).where(CoreStanding.collaborative_id.in_(collab_ids)),
               execution_options={"synchronize_session": False})


def school_of_person_changed(db: Session, person: Person) -> None:
    """C10/F8: a person's school changed: the Cores they hold a term on are judged again."""
    forget(db, select(Appointment.collaborative_id).where(Appointment.person_id == person.id))


def school_status_changed(db: Session, school: School) -> None:
    """C10/F8: a school lapsed or was reinstated: the Cores its people hold terms on are judged again."""
    forget(db, select(Appointment.collaborative_id).join(Person, Person.id == Appointment.person_id)
           .where(Person.school_id == school.id))


# --- refreshing and reading -----------------------------------------------------------------------------

def stale_query(today: date, ids: Iterable[int] | None = None) -> Select:
    """The collaboratives in service whose stored standing is missing, of another day, or computed
    with another status of the collaborative."""
    s, c = CoreStanding, Collaborative
    stmt = (select(c.id).outerjoin(s, s.collaborative_id == c.id)
            .where(c.status != CollaborativeStatus.RETIRED,
                   or_(s.collaborative_id.is_(None), s.as_of != today, s.status != c.status)))
    if ids is not None:
        stmt = stmt.where(c.id.in_(list(ids)))
    return stmt


def _upsert(db: Session):
    return (postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert)(_TABLE)


def refresh(db: Session, today: date, ids: Iterable[int] | None = None) -> int:
    """Recompute (``standings_query``) and store the missing or stale standings of ``ids`` (default:
    every Core in service) in the caller's transaction; how many were stale."""
    stale = list(db.scalars(stale_query(today, ids)))
    if stale:
        _store(db, today, None if len(stale) > WHOLE_NETWORK else stale)
    return len(stale)


def refresh_all(db: Session, today: date) -> None:
    """Recompute every Core's standing on ``today`` (the daily sweep), in the caller's transaction."""
    _store(db, today, None)


def _store(db: Session, today: date, ids: list[int] | None) -> None:
    sub = standings_query(today, ids).subquery()
    c = Collaborative
    source = (select(*[sub.c[n] for n in ("collaborative_id", *STANDING_COLUMNS)],
                     (sub.c.f3_under + sub.c.f3_over + sub.c.f3_forming).label("short_now"),
                     literal(today, Date).label("as_of"), c.status)
              .join(c, c.id == sub.c.collaborative_id)
              # A WHERE keeps SQLite from reading the upsert's ON as the join's.
              .where(sub.c.collaborative_id.is_not(None)))
    names = ["collaborative_id", *STANDING_COLUMNS, "short_now", "as_of", "status"]
    stmt = _upsert(db).from_select(names, source)
    db.execute(stmt.on_conflict_do_update(index_elements=["collaborative_id"],
                                          set_={n: stmt.excluded[n] for n in names[1:]}))


def _reads_only(db: Session) -> bool:
    """A SQLite session that began its transaction to read (a page's): a write in it would have to
    upgrade its lock, which fails outright when another connection wrote since it began to read."""
    bind = db.get_bind()
    return (bind.dialect.name == "sqlite" and bind.get_execution_options().get("sqlite_begin") != "IMMEDIATE"
            and not (db.new or db.dirty or db.deleted))


def ensure_fresh(db: Session, today: date, ids: Iterable[int] | None = None) -> None:
    """C6, F1–F3, F8: the stored standings of the Cores in service (or of ``ids``) hold for ``today``
    — one statement when they do. Otherwise only the missing or stale ones are computed: in the
    caller's transaction when it writes (or on PostgreSQL); for a page reading SQLite, in a short
    writing transaction of its own (the page's read transaction ends first, so it reads the result)."""
    ids = None if ids is None else list(ids)
    if not db.execute(stale_query(today, ids).limit(1)).first():
        return
    if not _reads_only(db):
        refresh(db, today, ids)
        return
    db.commit()  # a page's session holds nothing to write; its next read sees the refreshed rows
    with Session(db.get_bind().execution_options(sqlite_begin="IMMEDIATE")) as writer:
        refresh(writer, today, ids)  # judged again under the write lock: another request may have done it
        writer.commit()


def stored_query(today: date) -> Select:
    """The stored standings on ``today`` of the Cores in service, with ``standings_query``'s columns
    (call ``ensure_fresh`` first)."""
    s, c = CoreStanding, Collaborative
    return (select(*[_TABLE.c[n] for n in ("collaborative_id", *STANDING_COLUMNS)])
            .join(c, c.id == s.collaborative_id)
            .where(s.as_of == today, c.status != CollaborativeStatus.RETIRED))


# --- the statements a page runs, built once a day (building them costs more than running them) ----------

@dataclass(frozen=True)
class BoardStatements:
    """The dashboard's and the home panel's statements over the stored standings of one day."""

    counts: Select
    short: Select
    #: The page in the dashboard's order, by (attention only, searching): ``:like`` is the search.
    pages: dict[tuple[bool, bool], Select]
    #: C9/F1: the page's terms ending within a year without a successor (``:ids`` the page's Cores).
    waiting: Select
    #: C10/F8: the page's terms whose member's school changed or lapsed (``:ids``).
    changed: Select


@lru_cache(maxsize=4)
def board_statements(today: date) -> BoardStatements:
    """The statements of ``today`` (cached: a day's statements are the same for every request)."""
    s, c = CoreStanding, Collaborative
    stored = stored_query(today)
    counts = counts_query(today, stored)
    row = select(*[_TABLE.c[n] for n in ("collaborative_id", *STANDING_COLUMNS)], c).join(
        c, c.id == s.collaborative_id).where(s.as_of == today, c.status != CollaborativeStatus.RETIRED)
    short = (row.where(or_(s.f3_under == 1, s.f1_outlook == 1))
             .order_by(s.f3_under.desc(), s.s0, c.name, c.id).limit(2 * SHORT_LIST))
    ordered = row.order_by(s.attention.desc(), s.short_now.desc(), s.f1_outlook.desc(), s.s0, c.name, c.id)
    searched = func.lower(c.name).like(bindparam("like", type_=String))
    pages = {(False, False): ordered, (True, False): ordered.where(s.attention == 1),
             (False, True): ordered.where(searched).add_columns(func.count().over().label("_total")),
             (True, True): ordered.where(s.attention == 1, searched).add_columns(func.count().over().label("_total"))}
    ids = bindparam("ids", expanding=True)
    facts = term_facts(today, ids).subquery()
    waiting = select(facts.c.term_id).where(~facts.c.succeeded, facts.c.starts_on <= today, facts.c.last_day >= today)
    return BoardStatements(counts, short, pages, waiting, school_change_terms(today, ids))
