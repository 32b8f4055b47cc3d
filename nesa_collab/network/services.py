"""Schools, collaboratives, interests, norms and memberships: the rules N1–N2 and K1–K4."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from ..audit.services import record, snapshot
from ..auth.models import Person
from ..auth.permissions import Actor, require
from ..auth.services import check_time_zone
from ..clock import now_utc
from ..dates import earliest_two_year_end
from ..errors import DomainError, NotFound
from .models import (WEEKDAYS, Collaborative, CollaborativeKind, CollaborativeStatus, Interest,
                     InterestStatus, InterestSupporter, Membership, NormsRevision, School,
                     SchoolStatus)

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80]


def _check_slug(slug: str, field: str = "slug") -> str:
    slug = slug.strip()
    if not SLUG_RE.match(slug):
        raise DomainError("K1", "a slug is lowercase letters, digits and single hyphens "
                          "(e.g. world-languages)", field=field)
    return slug


# --- schools (N1, N2) ---------------------------------------------------------------------------

SCHOOL_FIELDS = ["slug", "name", "city", "country", "time_zone", "weekend", "status", "lapsed_on"]


def _check_weekend(days: list[str] | tuple[str, ...] | str) -> str:
    if isinstance(days, str):
        days = [d.strip() for d in days.split(",")]
    days = [d.lower()[:3] for d in days if d]
    if not days or any(d not in WEEKDAYS for d in days) or len(set(days)) != len(days) or len(days) > 3:
        raise DomainError("N1", "the weekend is one to three days, e.g. fri,sat or sat,sun", field="weekend")
    return ",".join(sorted(days, key=WEEKDAYS.index))


def create_school(db: Session, actor: Actor | None, *, name: str, city: str, country: str,
                  time_zone: str, weekend: Any = "sat,sun", slug: str | None = None) -> School:
    """N1: add a member school with its city, country, IANA zone and weekend days."""
    for key, value in (("name", name), ("city", city), ("country", country)):
        if not value or not value.strip():
            raise DomainError("N1", f"a school needs a {key}", field=key)
    if not time_zone:
        raise DomainError("N1", "a school needs its IANA time zone", field="time_zone")
    check_time_zone(time_zone)
    slug = _check_slug(slug or slugify(name))
    if db.scalar(select(School.id).where(School.slug == slug)) is not None:
        raise DomainError("N1", f"another school already uses the slug {slug!r}", field="slug")
    school = School(slug=slug, name=name.strip(), city=city.strip(), country=country.strip(),
                    time_zone=time_zone, weekend=_check_weekend(weekend))
    db.add(school)
    record(db, actor, "school.create", school, f"Added school {school.name}",
           after=snapshot(school, SCHOOL_FIELDS))
    return school


def update_school(db: Session, actor: Actor | None, school: School, **changes: Any) -> School:
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


def lapse_school(db: Session, actor: Actor | None, school: School, on: date) -> School:
    """N2: the school's membership lapses on ``on``; its people can no longer be appointed."""
    if not school.is_active:
        raise DomainError("N2", f"{school.name} has already lapsed", field="status")
    before = snapshot(school, SCHOOL_FIELDS)
    school.status, school.lapsed_on = SchoolStatus.LAPSED, on
    record(db, actor, "school.lapse", school, f"Membership of {school.name} lapsed on {on:%d %b %Y}",
           before=before, after=snapshot(school, SCHOOL_FIELDS))
    return school


def reinstate_school(db: Session, actor: Actor | None, school: School) -> School:
    if school.is_active:
        raise DomainError("N2", f"{school.name} is already an active member", field="status")
    before = snapshot(school, SCHOOL_FIELDS)
    school.status, school.lapsed_on = SchoolStatus.ACTIVE, None
    record(db, actor, "school.reinstate", school, f"{school.name} is a member again",
           before=before, after=snapshot(school, SCHOOL_FIELDS))
    return school


def schools_query(search: str | None = None, status: str | None = None) -> Select:
    stmt = select(School).order_by(School.name)
    if search:
        like = f"%{search.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(School.name).like(like), func.lower(School.city).like(like),
                              func.lower(School.country).like(like)))
    if status:
        stmt = stmt.where(School.status == status)
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


def create_collaborative(db: Session, actor: Actor | None, *, name: str, kind: str, description: str = "",
                         network_url: str | None = None, slug: str | None = None,
                         today: date | None = None) -> Collaborative:
    """K1/K2: only the DPL creates a collaborative; it starts out ``forming``."""
    if actor is not None:
        require(actor, "collaborative.manage")
    name = (name or "").strip()
    if not name:
        raise DomainError("K1", "a collaborative needs a name", field="name")
    if kind not in set(CollaborativeKind):
        raise DomainError("K1", "kind is either discipline or responsibility", field="kind")
    slug = _check_slug(slug or slugify(name))
    if db.scalar(select(Collaborative.id).where(Collaborative.slug == slug)) is not None:
        raise DomainError("K1", f"the slug {slug!r} is taken by another collaborative", field="slug")
    if db.scalar(select(Collaborative.id).where(func.lower(Collaborative.name) == name.lower())) is not None:
        raise DomainError("K1", f"there is already a collaborative called {name}", field="name")
    collab = Collaborative(name=name, slug=slug, kind=kind, description=(description or "").strip(),
                           network_url=_check_url(network_url), status=CollaborativeStatus.FORMING,
                           forming_since=today or now_utc().date())
    db.add(collab)
    db.flush()
    record(db, actor, "collaborative.create", collab, f"Created collaborative {name} (forming)",
           after=snapshot(collab, COLLAB_FIELDS), collaborative_id=collab.id)
    return collab


def update_collaborative(db: Session, actor: Actor | None, collab: Collaborative, *, name: str | None = None,
                         description: str | None = None, network_url: str | None = None,
                         kind: str | None = None) -> Collaborative:
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


def set_collaborative_status(db: Session, actor: Actor | None, collab: Collaborative, action: str,
                             on: date | None = None) -> Collaborative:
    """K1/K2: ``forming`` → ``active`` → ``retired``; only the DPL moves a collaborative."""
    on = on or now_utc().date()
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


def collaborative_by_slug(db: Session, slug: str) -> Collaborative:
    collab = db.scalar(select(Collaborative).where(Collaborative.slug == slug))
    if collab is None:
        raise NotFound()
    return collab


@dataclass
class DirectoryEntry:
    """One collaborative as the directory shows it."""

    collaborative: Collaborative
    member_count: int = 0
    schools: list[School] = field(default_factory=list)


def directory(db: Session, *, status: str | None = CollaborativeStatus.ACTIVE, search: str | None = None,
              kind: str | None = None, only_id: int | None = None) -> list[DirectoryEntry]:
    """The directory: collaboratives with member counts and the schools taking part.

    Three queries, whatever the size of the network.
    """
    stmt = select(Collaborative).order_by(Collaborative.name)
    if status:
        stmt = stmt.where(Collaborative.status == status)
    if kind:
        stmt = stmt.where(Collaborative.kind == kind)
    if only_id is not None:
        stmt = stmt.where(Collaborative.id == only_id)
    if search:
        like = f"%{search.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(Collaborative.name).like(like),
                              func.lower(Collaborative.description).like(like)))
    entries = {c.id: DirectoryEntry(c) for c in db.scalars(stmt)}
    if not entries:
        return []
    current = (Membership.left_on.is_(None), Membership.collaborative_id.in_(entries))
    for cid, count in db.execute(select(Membership.collaborative_id, func.count())
                                 .where(*current).group_by(Membership.collaborative_id)):
        entries[cid].member_count = count
    rows = db.execute(
        select(Membership.collaborative_id, School).distinct()
        .join(Person, Person.id == Membership.person_id).join(School, School.id == Person.school_id)
        .where(*current).order_by(School.name)
    )
    for cid, school in rows:
        entries[cid].schools.append(school)
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


def convert_interest(db: Session, actor: Actor | None, interest: Interest, *, name: str | None = None,
                     slug: str | None = None, description: str | None = None,
                     network_url: str | None = None) -> Collaborative:
    """K2: the DPL turns an interest into a ``forming`` collaborative."""
    if actor is not None:
        require(actor, "interest.convert")
    if interest.status != InterestStatus.OPEN:
        raise DomainError("K2", "this interest has already been decided", field="status")
    collab = create_collaborative(db, actor, name=name or interest.name, kind=interest.kind,
                                  description=description if description is not None else interest.description,
                                  network_url=network_url, slug=slug)
    interest.status, interest.collaborative_id, interest.decided_at = InterestStatus.ACCEPTED, collab.id, now_utc()
    record(db, actor, "interest.convert", interest, f"Turned interest into forming collaborative {collab.name}",
           before={"status": InterestStatus.OPEN.value, "collaborative_id": None},
           after={"status": interest.status, "collaborative_id": collab.id}, collaborative_id=collab.id)
    return collab


def decline_interest(db: Session, actor: Actor | None, interest: Interest, note: str) -> Interest:
    if actor is not None:
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


def interests_query(status: str | None = InterestStatus.OPEN) -> Select:
    stmt = select(Interest).order_by(Interest.created_at.desc())
    return stmt.where(Interest.status == status) if status else stmt


def supporter_counts(db: Session, interest_ids: list[int]) -> dict[int, int]:
    if not interest_ids:
        return {}
    return dict(db.execute(select(InterestSupporter.interest_id, func.count())
                           .where(InterestSupporter.interest_id.in_(interest_ids))
                           .group_by(InterestSupporter.interest_id)).all())


# --- norms (K3) ---------------------------------------------------------------------------------

def current_norms(db: Session, collab: Collaborative) -> NormsRevision | None:
    return db.scalar(select(NormsRevision).where(NormsRevision.collaborative_id == collab.id)
                     .order_by(NormsRevision.created_at.desc(), NormsRevision.id.desc()).limit(1))


def norms_history(db: Session, collab: Collaborative) -> list[NormsRevision]:
    return list(db.scalars(select(NormsRevision).where(NormsRevision.collaborative_id == collab.id)
                           .order_by(NormsRevision.created_at.desc(), NormsRevision.id.desc())))


def update_norms(db: Session, actor: Actor | None, collab: Collaborative, text: str,
                 summary: str = "") -> NormsRevision:
    """K3: record a new version of the norms (Core members of this collaborative and the DPL)."""
    if actor is not None:
        require(actor, "norms.edit", collab)
    text = (text or "").strip()
    if not text:
        raise DomainError("K3", "the norms cannot be empty", field="text")
    previous = current_norms(db, collab)
    if previous is not None and previous.text == text:
        raise DomainError("K3", "nothing changed", field="text")
    rev = NormsRevision(collaborative_id=collab.id, text=text, summary=(summary or "").strip()[:300],
                        author_id=actor.id if actor else None)
    db.add(rev)
    record(db, actor, "norms.update", collab, f"Updated the norms of {collab.name}",
           before={"text": previous.text} if previous else None, after={"text": text},
           collaborative_id=collab.id)
    return rev


# --- memberships (K4) -----------------------------------------------------------------------------

def current_membership(db: Session, person_id: int, collab_id: int) -> Membership | None:
    return db.scalar(select(Membership).where(Membership.person_id == person_id,
                                              Membership.collaborative_id == collab_id,
                                              Membership.left_on.is_(None)))


def join(db: Session, actor: Actor | None, person: Person, collab: Collaborative, on: date | None = None,
         *, via: str = "joined") -> Membership:
    """K4: a person of an active member school joins with a commitment to serve two years."""
    on = on or now_utc().date()
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
    return m


def leave(db: Session, actor: Actor | None, membership: Membership, on: date | None = None,
          reason: str | None = None) -> Membership:
    """K4: leave a collaborative. Leaving before two years is allowed with a reason, which is kept."""
    if actor is not None:
        require(actor, "membership.leave", membership.person_id)
    on = on or now_utc().date()
    if membership.left_on is not None:
        raise DomainError("K4", "this membership has already ended", field="membership")
    if on < membership.joined_on:
        raise DomainError("K4", "one cannot leave before joining", field="left_on")
    from ..cores.models import Appointment

    serving = db.scalars(select(Appointment).where(
        Appointment.person_id == membership.person_id, Appointment.collaborative_id == membership.collaborative_id))
    term = next((t for t in serving if t.last_day >= on), None)
    if term is not None:
        raise DomainError("C4", f"{membership.person.name} serves on the {membership.collaborative.name} Core until "
                          f"{term.last_day:%d %B %Y}; a Core member stays a member — the Director ends the term "
                          "first", field="membership")
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
    return membership


def members_query(collab: Collaborative, search: str | None = None) -> Select:
    stmt = (select(Membership).join(Person, Person.id == Membership.person_id)
            .where(Membership.collaborative_id == collab.id, Membership.left_on.is_(None))
            .order_by(Person.name))
    if search:
        stmt = stmt.where(func.lower(Person.name).like(f"%{search.strip().lower()}%"))
    return stmt


def school_collaboratives(db: Session, school: School) -> list[tuple[Collaborative, int]]:
    """The collaboratives a school's people belong to, with how many of them."""
    return list(db.execute(
        select(Collaborative, func.count(Membership.id))
        .join(Membership, Membership.collaborative_id == Collaborative.id)
        .join(Person, Person.id == Membership.person_id)
        .where(Person.school_id == school.id, Membership.left_on.is_(None))
        .group_by(Collaborative.id).order_by(Collaborative.name)).all())


def memberships_of(db: Session, person: Person) -> list[Membership]:
    return list(db.scalars(select(Membership).where(Membership.person_id == person.id)
                           .order_by(Membership.left_on.is_not(None), Membership.joined_on.desc())))
