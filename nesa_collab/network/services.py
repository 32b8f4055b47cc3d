"""Schools, collaboratives, interests, norms and memberships: the rules N1–N2 and K1–K4."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Iterable

from collections.abc import Callable

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from ..audit.services import record, snapshot
from ..auth.models import Person, Role
from ..permissions import OVERSEERS, Actor, can, require
from ..auth.services import check_time_zone
from ..clock import now_utc
from ..dates import earliest_two_year_end
from ..db import get_or_not_found
from ..errors import DomainError, FieldError, NotFound
from ..slugs import check_slug, slugify
from .models import (WEEKDAYS, Collaborative, CollaborativeKind, CollaborativeStatus, Interest,
                     InterestStatus, InterestSupporter, Membership, NormsRevision, School,
                     SchoolStatus)

# --- schools (N1, N2) ---------------------------------------------------------------------------

SCHOOL_FIELDS = ["slug", "name", "city", "country", "time_zone", "weekend", "status", "lapsed_on"]


def _check_weekend(days: list[str] | tuple[str, ...] | str) -> str:
    if isinstance(days, str):
        days = [d.strip() for d in days.split(",")]
    days = [d.lower()[:3] for d in days if d]
    if not days or any(d not in WEEKDAYS for d in days) or len(set(days)) != len(days) or len(days) > 3:
        raise DomainError("N1", "the weekend is one to three days, e.g. fri,sat or sat,sun", field="weekend")
    return ",".join(sorted(days, key=WEEKDAYS.index))


def create_school(db: Session, actor: Actor, *, name: str, city: str, country: str,
                  time_zone: str, weekend: Any = "sat,sun", slug: str | None = None) -> School:
    """N1: add a member school with its city, country, IANA zone and weekend days (the DPL)."""
    require(actor, "school.manage")
    missing = [FieldError(key, f"a school needs {what}", "N1") for key, value, what in (
        ("name", name, "a name"), ("city", city, "a city"), ("country", country, "a country"),
        ("time_zone", time_zone, "its IANA time zone")) if not (value or "").strip()]
    if missing:
        raise DomainError("N1", missing[0].message, field=missing[0].field, errors=missing)
    check_time_zone(time_zone)
    slug = check_slug(slug or slugify(name), rule="N1")
    if db.scalar(select(School.id).where(School.slug == slug)) is not None:
        raise DomainError("N1", f"another school already uses the slug {slug!r}", field="slug")
    school = School(slug=slug, name=name.strip(), city=city.strip(), country=country.strip(),
                    time_zone=time_zone, weekend=_check_weekend(weekend))
    db.add(school)
    record(db, actor, "school.create", school, f"Added school {school.name}",
           after=snapshot(school, SCHOOL_FIELDS))
    return school


def update_school(db: Session, actor: Actor, school: School, **changes: Any) -> School:
    """N1: change a school's name, city, country, zone or weekend (the DPL)."""
    require(actor, "school.manage")
    before = snapshot(school, SCHOOL_FIELDS)
    for key in ("name", "city", "country"):
        if key in changes and changes[key] is not None:
            if not changes[key].strip():
                raise DomainError("N1", f"a school needs a {key}", field=key)
            setattr(school, key, changes[key].strip())
    if changes.get("time_zone"):
        school.time_zone = check_time_zone(changes["time_zone"])
    if changes.get("weekend"):
        school.weekend = _check_weekend(changes["weekend"])
    after = snapshot(school, SCHOOL_FIELDS)
    if after != before:
        record(db, actor, "school.update", school, f"Changed school {school.name}", before=before, after=after)
    return school


#: What higher domains do when a school's membership lapses or is reinstated, in the same transaction:
#: each is called as ``listener(db, school)``. ``create_app`` installs them (N2/O1: a lapsed school owes
#: nothing from the day it lapsed).
SCHOOL_STATUS_LISTENERS: list[Callable[[Session, School], None]] = []


def lapse_school(db: Session, actor: Actor, school: School, on: date) -> School:
    """N2: the school's membership lapses on ``on``; its people can no longer be appointed (the DPL)."""
    require(actor, "school.manage")
    if not school.is_active:
        raise DomainError("N2", f"{school.name} has already lapsed", field="status")
    before = snapshot(school, SCHOOL_FIELDS)
    school.status, school.lapsed_on = SchoolStatus.LAPSED, on
    record(db, actor, "school.lapse", school, f"Membership of {school.name} lapsed on {on:%d %b %Y}",
           before=before, after=snapshot(school, SCHOOL_FIELDS))
    for listener in SCHOOL_STATUS_LISTENERS:
        listener(db, school)
    return school


def reinstate_school(db: Session, actor: Actor, school: School) -> School:
    require(actor, "school.manage")
    if school.is_active:
        raise DomainError("N2", f"{school.name} is already an active member", field="status")
    before = snapshot(school, SCHOOL_FIELDS)
    school.status, school.lapsed_on = SchoolStatus.ACTIVE, None
    record(db, actor, "school.reinstate", school, f"{school.name} is a member again",
           before=before, after=snapshot(school, SCHOOL_FIELDS))
    for listener in SCHOOL_STATUS_LISTENERS:
        listener(db, school)
    return school


def schools_query(actor: Actor | None, search: str | None = None, status: str | None = None,
                  country: str | None = None) -> Select:
    """N1: member schools by name (signed-in people), searched by name, city or country, filtered in
    SQL by membership status (N2) and country."""
    require(actor, "school.view")
    stmt = select(School).order_by(School.name, School.id)
    if search and search.strip():
        like = f"%{search.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(School.name).like(like), func.lower(School.city).like(like),
                              func.lower(School.country).like(like), School.slug.like(like)))
    if status:
        stmt = stmt.where(School.status == status)
    if country and country.strip():
        stmt = stmt.where(func.lower(School.country) == country.strip().lower())
    return stmt


# --- collaboratives (K1, K2) ------------------------------------------------------------------

COLLAB_FIELDS = ["slug", "name", "kind", "description", "status", "network_url",
                 "forming_since", "activated_on", "retired_on"]


def _check_url(url: str | None) -> str | None:
    if not url:
        return None
    url = url.strip()
    if not re.match(r"^https?://[^\s/$.?#].[^\s]*$", url):
        raise DomainError("K1", "the communication network link must be an http(s) URL", field="network_url")
    return url


def create_collaborative(db: Session, actor: Actor, *, name: str, kind: str, today: date, description: str = "",
                         network_url: str | None = None, slug: str | None = None) -> Collaborative:
    """K1/K2: only the DPL creates a collaborative; it starts out ``forming`` (since ``today``)."""
    require(actor, "collaborative.manage")
    name = (name or "").strip()
    if not name:
        raise DomainError("K1", "a collaborative needs a name", field="name")
    if kind not in set(CollaborativeKind):
        raise DomainError("K1", "kind is either discipline or responsibility", field="kind")
    slug = check_slug(slug or slugify(name))
    if db.scalar(select(Collaborative.id).where(Collaborative.slug == slug)) is not None:
        raise DomainError("K1", f"the slug {slug!r} is taken by another collaborative", field="slug")
    if db.scalar(select(Collaborative.id).where(func.lower(Collaborative.name) == name.lower())) is not None:
        raise DomainError("K1", f"there is already a collaborative called {name}", field="name")
    collab = Collaborative(name=name, slug=slug, kind=kind, description=(description or "").strip(),
                           network_url=_check_url(network_url), status=CollaborativeStatus.FORMING,
                           forming_since=today)
    db.add(collab)
    db.flush()
    record(db, actor, "collaborative.create", collab, f"Created collaborative {name} (forming)",
           after=snapshot(collab, COLLAB_FIELDS), collaborative_id=collab.id)
    return collab


def update_collaborative(db: Session, actor: Actor, collab: Collaborative, *, name: str | None = None,
                         description: str | None = None, network_url: str | None = None,
                         kind: str | None = None) -> Collaborative:
    """K1: the DPL changes a collaborative's name, kind, description or link."""
    require(actor, "collaborative.manage")
    before = snapshot(collab, COLLAB_FIELDS)
    if name is not None:
        name = name.strip()
        if not name:
            raise DomainError("K1", "a collaborative needs a name", field="name")
        clash = db.scalar(select(Collaborative.id).where(func.lower(Collaborative.name) == name.lower(),
                                                         Collaborative.id != collab.id))
        if clash is not None:
            raise DomainError("K1", f"there is already a collaborative called {name}", field="name")
        collab.name = name
    if description is not None:
        collab.description = description.strip()
    if network_url is not None:
        collab.network_url = _check_url(network_url)
    if kind is not None:
        if kind not in set(CollaborativeKind):
            raise DomainError("K1", "kind is either discipline or responsibility", field="kind")
        collab.kind = kind
    after = snapshot(collab, COLLAB_FIELDS)
    if after != before:
        record(db, actor, "collaborative.update", collab, f"Changed collaborative {collab.name}",
               before=before, after=after, collaborative_id=collab.id)
    return collab


_TRANSITIONS = {
    "activate": (CollaborativeStatus.FORMING, CollaborativeStatus.ACTIVE),
    "retire": (None, CollaborativeStatus.RETIRED),
}


def set_collaborative_status(db: Session, actor: Actor, collab: Collaborative, action: str,
                             on: date) -> Collaborative:
    """K1/K2: ``forming`` → ``active`` → ``retired``; only the DPL moves a collaborative."""
    require(actor, "collaborative.manage")
    before = snapshot(collab, COLLAB_FIELDS)
    if action == "activate":
        if collab.status != CollaborativeStatus.FORMING:
            raise DomainError("K1", f"only a forming collaborative can be activated; {collab.name} is "
                              f"{collab.status}", field="status")
        collab.status, collab.activated_on = CollaborativeStatus.ACTIVE, on
    elif action == "retire":
        if collab.status == CollaborativeStatus.RETIRED:
            raise DomainError("K1", f"{collab.name} is already retired", field="status")
        collab.status, collab.retired_on = CollaborativeStatus.RETIRED, on
    else:
        raise DomainError("K1", f"unknown status change {action!r}", field="status")
    record(db, actor, f"collaborative.{action}", collab,
           f"{'Activated' if action == 'activate' else 'Retired'} {collab.name}",
           before=before, after=snapshot(collab, COLLAB_FIELDS), collaborative_id=collab.id)
    return collab


def get_collaborative(db: Session, actor: Actor | None, slug: str) -> Collaborative:
    """The collaborative with ``slug``, if ``actor`` may see it (K1: an active one is public; a
    forming or retired one is for signed-in people): else NotFound."""
    collab = db.scalar(select(Collaborative).where(Collaborative.slug == slug))
    if collab is None or not can(actor, "collaborative.view", collab):
        raise NotFound()
    return collab


def in_service_query() -> Select:
    """The collaboratives that are not retired (forming or active), by name: those whose Cores,
    plans and meetings the dashboards and forms list."""
    return (select(Collaborative).where(Collaborative.status != CollaborativeStatus.RETIRED)
            .order_by(Collaborative.name, Collaborative.id))


def collaboratives_in_service(db: Session, ids: Iterable[int] | None = None) -> list[Collaborative]:
    """``in_service_query()`` as a list (only those of ``ids``, when given)."""
    stmt = in_service_query()
    if ids is not None:
        stmt = stmt.where(Collaborative.id.in_(sorted(ids)))
    return list(db.scalars(stmt))


@dataclass
class DirectoryEntry:
    """One collaborative as the directory shows it."""

    collaborative: Collaborative
    member_count: int = 0
    schools: list[SchoolTakingPart] = field(default_factory=list)


@dataclass(frozen=True)
class SchoolTakingPart:
    """A school some of whose people are current members (read as columns, not as a School)."""

    slug: str
    name: str
    city: str
    country: str


def directory_status(actor: Actor | None, asked: str | None) -> str:
    """K1: the directory lists active collaboratives; the DPL may also list forming, retired or all."""
    if asked in (CollaborativeStatus.FORMING, CollaborativeStatus.RETIRED, "all") and \
            can(actor, "collaborative.manage"):
        return asked
    return CollaborativeStatus.ACTIVE


def directory_query(actor: Actor | None, *, status: str | None = CollaborativeStatus.ACTIVE,
                    search: str | None = None, kind: str | None = None, school: str | None = None,
                    country: str | None = None) -> Select:
    """K1: the directory's collaboratives by name, filtered in SQL: ``status`` as asked (see
    ``directory_status``: visitors see active ones only), ``kind``, a search of the name and
    description, and ``school`` (a slug) or ``country``: those with current members from that school
    or from a school in that country."""
    status = directory_status(actor, status)
    stmt = select(Collaborative).order_by(Collaborative.name, Collaborative.id)
    if status != "all":
        stmt = stmt.where(Collaborative.status == status)
    if kind:
        stmt = stmt.where(Collaborative.kind == kind)
    if search and search.strip():
        like = f"%{search.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(Collaborative.name).like(like),
                              func.lower(Collaborative.description).like(like)))
    if (school and school.strip()) or (country and country.strip()):
        # One IN (subquery) whatever the number of members: the membership rows are never loaded.
        members = (select(Membership.collaborative_id).join(Person, Person.id == Membership.person_id)
                   .join(School, School.id == Person.school_id).where(Membership.left_on.is_(None)))
        if school and school.strip():
            members = members.where(School.slug == school.strip())
        if country and country.strip():
            members = members.where(func.lower(School.country) == country.strip().lower())
        stmt = stmt.where(Collaborative.id.in_(members))
    return stmt


def directory(db: Session, actor: Actor | None, **filters: Any) -> list[DirectoryEntry]:
    """K1: every collaborative ``directory_query`` finds, as entries. Unpaged: for short lists only
    (pages and the API page ``directory_query`` in SQL and call ``directory_entries``)."""
    return directory_entries(db, list(db.scalars(directory_query(actor, **filters))))


def directory_entry(db: Session, actor: Actor | None, collab: Collaborative) -> DirectoryEntry:
    """One collaborative as the directory shows it (member count, schools taking part)."""
    require(actor, "collaborative.view", collab)
    return directory_entries(db, [collab])[0]


def countries(db: Session) -> list[str]:
    """The countries of the member schools (one aggregate: as many rows as countries)."""
    return list(db.scalars(select(School.country).group_by(School.country).order_by(School.country)))


def directory_entries(db: Session, collabs: list[Collaborative]) -> list[DirectoryEntry]:
    """K1: ``collabs`` (one page of the directory) as entries, in their order, with member counts and
    the schools taking part read for those ids only: two aggregate queries whatever the size of the
    network."""
    entries = {c.id: DirectoryEntry(c) for c in collabs}
    if not entries:
        return []
    current = (Membership.left_on.is_(None), Membership.collaborative_id.in_(list(entries)))
    for cid, count in db.execute(select(Membership.collaborative_id, func.count())
                                 .where(*current).group_by(Membership.collaborative_id)):
        entries[cid].member_count = count
    rows = db.execute(
        select(Membership.collaborative_id, School.slug, School.name, School.city, School.country).distinct()
        .join(Person, Person.id == Membership.person_id).join(School, School.id == Person.school_id)
        .where(*current).order_by(School.name, School.slug)
    )
    for cid, *school in rows:
        entries[cid].schools.append(SchoolTakingPart(*school))
    return list(entries.values())


# --- interests (K2) ---------------------------------------------------------------------------

def register_interest(db: Session, actor: Actor, *, name: str, kind: str, description: str = "") -> Interest:
    """K2: an educator of a member school registers interest in a new collaborative."""
    require(actor, "interest.register")
    name = (name or "").strip()
    if not name:
        raise DomainError("K2", "name the collaborative you would like to see", field="name")
    if kind not in set(CollaborativeKind):
        raise DomainError("K1", "kind is either discipline or responsibility", field="kind")
    if not (description or "").strip():
        raise DomainError("K2", "say in a sentence or two what it would do", field="description")
    interest = Interest(name=name, kind=kind, description=description.strip(), proposed_by_id=actor.id)
    db.add(interest)
    record(db, actor, "interest.register", interest, f"Registered interest in {name}",
           after=snapshot(interest, ["name", "kind", "description"]))
    return interest


def support_interest(db: Session, actor: Actor, interest: Interest) -> InterestSupporter:
    """K2: add one's name to an open interest (once)."""
    require(actor, "interest.register")
    if interest.status != InterestStatus.OPEN:
        raise DomainError("K2", "this interest has already been decided", field="status")
    if interest.proposed_by_id == actor.id or db.scalar(
            select(InterestSupporter.id).where(InterestSupporter.interest_id == interest.id,
                                               InterestSupporter.person_id == actor.id)):
        raise DomainError("K2", "you already support this interest", field="interest")
    row = InterestSupporter(interest_id=interest.id, person_id=actor.id)
    db.add(row)
    record(db, actor, "interest.support", interest, f"Supported interest in {interest.name}")
    return row


def convert_interest(db: Session, actor: Actor, interest: Interest, *, today: date, name: str | None = None,
                     slug: str | None = None, description: str | None = None,
                     network_url: str | None = None) -> Collaborative:
    """K2: the DPL turns an interest into a ``forming`` collaborative."""
    require(actor, "interest.convert")
    if interest.status != InterestStatus.OPEN:
        raise DomainError("K2", "this interest has already been decided", field="status")
    collab = create_collaborative(db, actor, name=name or interest.name, kind=interest.kind,
                                  description=description if description is not None else interest.description,
                                  network_url=network_url, slug=slug, today=today)
    interest.status, interest.collaborative_id, interest.decided_at = InterestStatus.ACCEPTED, collab.id, now_utc()
    record(db, actor, "interest.convert", interest, f"Turned interest into forming collaborative {collab.name}",
           before={"status": InterestStatus.OPEN.value, "collaborative_id": None},
           after={"status": interest.status, "collaborative_id": collab.id}, collaborative_id=collab.id)
    return collab


def decline_interest(db: Session, actor: Actor, interest: Interest, note: str) -> Interest:
    """K2: the DPL declines an interest, saying why."""
    require(actor, "interest.convert")
    if interest.status != InterestStatus.OPEN:
        raise DomainError("K2", "this interest has already been decided", field="status")
    if not (note or "").strip():
        raise DomainError("K2", "say why, for the people who registered it", field="note")
    interest.status, interest.decision_note, interest.decided_at = InterestStatus.DECLINED, note.strip(), now_utc()
    record(db, actor, "interest.decline", interest, f"Declined interest in {interest.name}",
           before={"status": InterestStatus.OPEN.value},
           after={"status": interest.status, "decision_note": interest.decision_note})
    return interest


def get_interest(db: Session, actor: Actor | None, interest_id: int) -> Interest:
    require(actor, "interest.view")
    interest = get_or_not_found(db, Interest, interest_id)
    return interest


def interests_query(actor: Actor | None, status: str | None = InterestStatus.OPEN, kind: str | None = None
                    ) -> Select:
    """K2: interests in new collaboratives, newest first (signed-in people); of one status and one
    kind (discipline or professional responsibility) if given."""
    require(actor, "interest.view")
    stmt = select(Interest).order_by(Interest.created_at.desc(), Interest.id.desc())
    if kind:
        stmt = stmt.where(Interest.kind == kind)
    return stmt.where(Interest.status == status) if status else stmt


@dataclass(frozen=True)
class Ref:
    """A school or collaborative as a list names it (slug, name; a school's city and country)."""

    slug: str
    name: str
    city: str = ""
    country: str = ""


@dataclass(frozen=True)
class Proposer:
    id: int
    name: str
    school: Ref | None


@dataclass(frozen=True)
class InterestLine:
    """K2: an interest as the list shows it, read as columns with who registered it (no objects)."""

    id: int
    name: str
    kind: CollaborativeKind
    description: str
    status: InterestStatus
    created_at: datetime
    decision_note: str | None
    collaborative_id: int | None
    proposed_by_id: int
    proposed_by: Proposer
    collaborative: Ref | None


def interest_lines(stmt: Select) -> Select:
    """K2: a query of interests (``interests_query``) as the lines a list shows, same filters and order."""
    return (stmt.with_only_columns(
        Interest.id, Interest.name, Interest.kind, Interest.description, Interest.status, Interest.created_at,
        Interest.decision_note, Interest.collaborative_id, Interest.proposed_by_id, Person.name, School.slug,
        School.name, School.city, School.country, Collaborative.slug, Collaborative.name, maintain_column_froms=False)
        .select_from(Interest).join(Person, Person.id == Interest.proposed_by_id)
        .outerjoin(School, School.id == Person.school_id)
        .outerjoin(Collaborative, Collaborative.id == Interest.collaborative_id))


def as_interest_lines(rows) -> list[InterestLine]:
    """The rows of ``interest_lines`` as ``InterestLine``s."""
    return [InterestLine(*row[:9], Proposer(row.proposed_by_id, row[9], Ref(*row[10:14]) if row[10] else None),
                         Ref(*row[14:16]) if row[14] else None) for row in rows]


def supported_by(db: Session, actor: Actor, interest_ids: list[int]) -> set[int]:
    """Which of ``interest_ids`` ``actor`` supports."""
    if not interest_ids or actor.id is None:
        return set()
    return set(db.scalars(select(InterestSupporter.interest_id).where(
        InterestSupporter.person_id == actor.id, InterestSupporter.interest_id.in_(interest_ids))))


def interests_waiting(db: Session, actor: Actor) -> tuple[int, datetime | None]:
    """K2: how many interests wait for the DPL's decision, and since when the oldest has."""
    require(actor, "interest.convert")
    return tuple(db.execute(select(func.count(), func.min(Interest.created_at))
                            .where(Interest.status == InterestStatus.OPEN)).one())


def supporter_counts(db: Session, interest_ids: list[int]) -> dict[int, int]:
    if not interest_ids:
        return {}
    return dict(db.execute(select(InterestSupporter.interest_id, func.count())
                           .where(InterestSupporter.interest_id.in_(interest_ids))
                           .group_by(InterestSupporter.interest_id)).all())


# --- norms (K3) ---------------------------------------------------------------------------------

def current_norms(db: Session, actor: Actor | None, collab: Collaborative) -> NormsRevision | None:
    """K3: the collaborative's norms as they stand (for signed-in people)."""
    require(actor, "signed_in")
    return db.scalar(select(NormsRevision).where(NormsRevision.collaborative_id == collab.id)
                     .order_by(NormsRevision.created_at.desc(), NormsRevision.id.desc()).limit(1))


def norms_history(db: Session, actor: Actor | None, collab: Collaborative) -> list[NormsRevision]:
    """K3: every version of the norms, newest first: who changed what and when (signed-in people)."""
    require(actor, "signed_in")
    return list(db.scalars(select(NormsRevision).where(NormsRevision.collaborative_id == collab.id)
                           .order_by(NormsRevision.created_at.desc(), NormsRevision.id.desc())))


def norms_for_editing(db: Session, actor: Actor, collab: Collaborative) -> NormsRevision | None:
    """K3: the norms to start an edit from, for those who may change them."""
    require(actor, "norms.edit", collab)
    return current_norms(db, actor, collab)


def update_norms(db: Session, actor: Actor, collab: Collaborative, text: str,
                 summary: str = "") -> NormsRevision:
    """K3: record a new version of the norms (Core members of this collaborative and the DPL)."""
    require(actor, "norms.edit", collab)
    text = (text or "").strip()
    if not text:
        raise DomainError("K3", "the norms cannot be empty", field="text")
    previous = current_norms(db, actor, collab)
    if previous is not None and previous.text == text:
        raise DomainError("K3", "nothing changed", field="text")
    rev = NormsRevision(collaborative_id=collab.id, text=text, summary=(summary or "").strip()[:300],
                        author_id=actor.id)
    db.add(rev)
    record(db, actor, "norms.update", collab, f"Updated the norms of {collab.name}",
           before={"text": previous.text} if previous else None, after={"text": text},
           collaborative_id=collab.id)
    return rev


# --- memberships (K4) -----------------------------------------------------------------------------

def current_membership(db: Session, person_id: int | None, collab_id: int) -> Membership | None:
    """K4: ``person_id``'s open membership of the collaborative, if any."""
    if person_id is None:
        return None
    return db.scalar(select(Membership).where(Membership.person_id == person_id,
                                              Membership.collaborative_id == collab_id,
                                              Membership.left_on.is_(None)))


def join(db: Session, actor: Actor, person: Person, collab: Collaborative, on: date,
         *, via: str = "joined") -> Membership:
    """K4: a person of an active member school joins with a commitment to serve two years. People
    join themselves; the DPL makes a member of someone appointed to the Core (C4, ``via="core"``)."""
    if actor.id == person.id:
        require(actor, "membership.join")
    else:
        require(actor, "core.manage")
    if collab.status == CollaborativeStatus.RETIRED:
        raise DomainError("K1", f"{collab.name} is retired and takes no new members", field="collaborative")
    if person.school is None or not person.school.is_active:
        raise DomainError("N2", "members come from active member schools", field="person")
    if current_membership(db, person.id, collab.id) is not None:
        raise DomainError("K4", f"{person.name} is already a member of {collab.name}", field="collaborative")
    m = Membership(person_id=person.id, collaborative_id=collab.id, joined_on=on)
    db.add(m)
    record(db, actor, "membership.join", m, f"{person.name} joined {collab.name}"
           + (" (Core appointment)" if via == "core" else ""),
           after=snapshot(m, ["person_id", "collaborative_id", "joined_on"]), collaborative_id=collab.id)
    for listener in MEMBERSHIP_LISTENERS:
        listener(db, m)
    return m


#: Checks that higher domains make before a membership ends; each raises a DomainError to refuse.
#: ``nesa_collab.app.install_domain_rules`` adds them (C4, from the cores package: a Core member stays
#: a member of the collaborative while serving). Each is called as ``check(db, membership, on)``.
MEMBERSHIP_END_CHECKS: list[Callable[[Session, Membership, date], None]] = []
#: What higher domains do when someone joins or leaves (O2: the obligations follow), called as
#: ``listener(db, membership)`` once the change is made; installed by ``install_domain_rules``.
MEMBERSHIP_LISTENERS: list[Callable[[Session, Membership], None]] = []


def membership_for_leaving(db: Session, actor: Actor, collab: Collaborative) -> Membership:
    """K4: the actor's own open membership of ``collab`` (NotFound when there is none)."""
    membership = current_membership(db, actor.id, collab.id)
    if membership is None:
        raise NotFound()
    require(actor, "membership.leave", membership)
    return membership


def leave(db: Session, actor: Actor, membership: Membership, on: date, reason: str | None = None) -> Membership:
    """K4: leave a collaborative. Leaving before two years is allowed with a reason, which is kept."""
    require(actor, "membership.leave", membership)
    if membership.left_on is not None:
        raise DomainError("K4", "this membership has already ended", field="membership")
    if on < membership.joined_on:
        raise DomainError("K4", "one cannot leave before joining", field="left_on")
    for check in MEMBERSHIP_END_CHECKS:
        check(db, membership, on)
    reason = (reason or "").strip()
    commitment_end = earliest_two_year_end(membership.joined_on)
    if on < commitment_end and not reason:
        raise DomainError("K4", f"members commit to two years (until {commitment_end:%d %B %Y}); "
                          "leaving earlier needs a reason", field="reason")
    before = snapshot(membership, ["left_on", "leave_reason"])
    membership.left_on, membership.leave_reason = on, reason or None
    record(db, actor, "membership.leave", membership,
           f"{membership.person.name} left {membership.collaborative.name}"
           + (" early" if on < commitment_end else ""),
           before=before, after=snapshot(membership, ["left_on", "leave_reason"]),
           collaborative_id=membership.collaborative_id)
    for listener in MEMBERSHIP_LISTENERS:
        listener(db, membership)
    return membership


def members_query(actor: Actor | None, collab: Collaborative, search: str | None = None) -> Select:
    """K4: a collaborative's current members by name (for signed-in people)."""
    require(actor, "signed_in")
    stmt = (select(Membership).join(Person, Person.id == Membership.person_id)
            .where(Membership.collaborative_id == collab.id, Membership.left_on.is_(None))
            .order_by(Person.name))
    if search:
        stmt = stmt.where(func.lower(Person.name).like(f"%{search.strip().lower()}%"))
    return stmt


def school_collaboratives(db: Session, actor: Actor | None, school: School) -> list[tuple[Collaborative, int]]:
    """The collaboratives a school's people belong to, with how many of them."""
    require(actor, "school.view")
    return list(db.execute(
        select(Collaborative, func.count(Membership.id))
        .join(Membership, Membership.collaborative_id == Collaborative.id)
        .join(Person, Person.id == Membership.person_id)
        .where(Person.school_id == school.id, Membership.left_on.is_(None))
        .group_by(Collaborative.id).order_by(Collaborative.name)).all())


def memberships_of(db: Session, actor: Actor, person: Person) -> list[Membership]:
    """A person's memberships, current first (their own, or for staff who see people)."""
    if actor.id != person.id:
        require(actor, "person.view")
    return list(db.scalars(select(Membership).where(Membership.person_id == person.id)
                           .order_by(Membership.left_on.is_not(None), Membership.joined_on.desc())))


def get_school(db: Session, actor: Actor | None, slug: str) -> School:
    require(actor, "school.view")
    school = db.scalar(select(School).where(School.slug == slug))
    if school is None:
        raise NotFound()
    return school


def school_people_query(actor: Actor | None, school: School) -> Select:
    """The people of a school, by name (signed-in people see who belongs to a member school)."""
    require(actor, "school.view")
    return select(Person).where(Person.school_id == school.id).order_by(Person.name, Person.id)


# --- what the home page shows of the network --------------------------------------------------------

@dataclass
class NetworkOverview:
    """What a signed-in person's home page shows of the network: counts for those who oversee it,
    their school's collaboratives for a coordinator, collaboratives they might join."""

    memberships: list[Membership]
    suggested: list[Collaborative]
    collab_counts: dict[str, int] | None = None
    school_counts: dict[str, int] | None = None
    people_count: int | None = None
    open_interests: list[Interest] = field(default_factory=list)
    school: School | None = None
    school_collabs: list[tuple[Collaborative, int]] = field(default_factory=list)
    school_people: int | None = None
    #: More collaboratives could be joined than ``suggested`` names.
    more_suggested: bool = False

#: How many collaboratives one could join the home page names (the directory has the rest).
SUGGESTED = 6


def overview(db: Session, actor: Actor) -> NetworkOverview:
    """The home page's view of the network, in a fixed number of aggregate queries."""
    require(actor, "signed_in")
    person = actor.person
    memberships = memberships_of(db, actor, person)
    joined = [m.collaborative_id for m in memberships if m.left_on is None]
    suggested = list(db.scalars(
        select(Collaborative).where(Collaborative.status == CollaborativeStatus.ACTIVE,
                                    Collaborative.id.not_in(joined))
        .order_by(Collaborative.name).limit(SUGGESTED + 1)))
    out = NetworkOverview(memberships=memberships, suggested=suggested[:SUGGESTED],
                          more_suggested=len(suggested) > SUGGESTED)
    if actor.has(*OVERSEERS):
        out.collab_counts = dict(db.execute(select(Collaborative.status, func.count())
                                            .group_by(Collaborative.status)).all())
        out.school_counts = dict(db.execute(select(School.status, func.count()).group_by(School.status)).all())
        out.people_count = db.scalar(select(func.count()).select_from(Person))
        out.open_interests = list(db.scalars(select(Interest).where(Interest.status == InterestStatus.OPEN)
                                             .order_by(Interest.created_at).limit(5)))
    if actor.has(Role.SCHOOL_COORDINATOR) and person.school is not None:
        out.school = person.school
        out.school_collabs = school_collaboratives(db, actor, person.school)
        out.school_people = db.scalar(select(func.count()).select_from(Person)
                                      .where(Person.school_id == person.school_id))
    return out
