"""Load the network (schools, people, collaboratives, memberships, interests) from ``seed_data/``.
Idempotent: rows already present (by slug, email or date) are left alone.

The demo's history is told on its own days (``told_on``): what happened before the network was set
up in nesa-collab (``setup_day``) is recorded on that day by "System", the import; what happened
after it on its day, by whoever did it. The norms are loaded after the Cores (``cores.seed``)."""

from __future__ import annotations

import csv
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Iterator
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import clock
from ..permissions import SYSTEM, Actor, can
from ..auth import services as auth_services
from ..auth.models import Person, PersonRole, Role
from ..settings import Settings
from . import services
from .models import Collaborative, Interest, InterestSupporter, Membership, School


def read_yaml(path: Path):
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh) or []


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


#: How long before the load day the network's records were brought into nesa-collab (the plan
#: template dates from then too): earlier history is recorded on that day, by the import.
SETUP_DAYS_AGO = 900


def load_day(settings: Settings) -> date:
    """A1: the day the seed runs; the demo's relative dates count back from it."""
    return clock.today(settings.tz)


def setup_day(settings: Settings) -> date:
    """A1: the day the network's records were imported (``SETUP_DAYS_AGO`` before the load day)."""
    return load_day(settings) - timedelta(days=SETUP_DAYS_AGO)


@contextmanager
def told_on(day: date, settings: Settings, hour: int = 10, minute: int = 0) -> Iterator[None]:
    """A1: run a step of the demo's history on its own day: while the services run, the clock reads
    ``hour:minute`` on ``day`` in the network's zone, so the audit log and every stamp carry it."""
    with clock.frozen_at(datetime.combine(day, time(hour, minute), settings.tz)):
        yield


def acting(actor: Actor | None, permission: str, target=None, fallback: Actor = SYSTEM) -> Actor:
    """A1: who the history names for a step: ``actor`` when the rules let them do it that day, else
    ``fallback`` if they let it, else the installation (the demo's relative days can fall outside
    someone's fixed term)."""
    for who in (actor, fallback):
        if who is not None and can(who, permission, target):
            return who
    return SYSTEM


def the_director(db: Session) -> Actor:
    """A1: the DPL (the first by id), who did what the story gives no one else; SYSTEM when there is none."""
    dpl = db.scalar(select(Person).join(PersonRole, PersonRole.person_id == Person.id)
                    .where(PersonRole.role == Role.DPL).order_by(Person.id).limit(1))
    return _person_actor(dpl) if dpl is not None else SYSTEM


def _person_actor(person: Person) -> Actor:
    """The actor of a person acting on their own account (the network's rules need no Core facts)."""
    return auth_services.actor_for(person, core_of=frozenset(), member_of=frozenset())


def _as_date(value) -> date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def load_network(db: Session, seed_dir: Path, settings: Settings) -> dict[str, int]:
    """N1, K1, K4: schools, people and collaboratives imported on the setup day; memberships, and the
    changes of status after it, on their own days."""
    counts = dict.fromkeys(["schools", "people", "collaboratives", "memberships", "interests"], 0)
    setup = setup_day(settings)
    schools = {s.slug: s for s in db.scalars(select(School))}
    with told_on(setup, settings, 9):
        for row in read_yaml(seed_dir / "schools.yaml"):
            school = schools.get(row["slug"])
            if school is None:
                school = services.create_school(db, SYSTEM, slug=row["slug"], name=row["name"], city=row["city"],
                                                country=row["country"], time_zone=row["time_zone"],
                                                weekend=row.get("weekend", ["sat", "sun"]))
                schools[school.slug] = school
                counts["schools"] += 1
        db.flush()

        people = {p.email.lower(): p for p in db.scalars(select(Person))}
        for row in read_csv(seed_dir / "people.csv"):
            if row["email"].lower() in people:
                continue
            roles = {Role(r) for r in row["roles"].split(";") if r}
            person = auth_services.create_person(
                db, SYSTEM, name=row["name"], email=row["email"],
                school_id=schools[row["school"]].id if row["school"] else None,
                roles=roles, time_zone=row.get("time_zone") or None)
            people[person.email.lower()] = person
            counts["people"] += 1

    # The demo accounts' password is published in the README: never in production.
    demo = read_yaml(seed_dir / "demo_accounts.yaml")
    if demo and not settings.is_production:
        for account in demo["accounts"]:
            person = people[account["email"].lower()]
            if not person.password_hash:
                person.password_hash = auth_services.hash_password(demo["password"], settings)
    director = the_director(db)

    def by_director(day: date) -> Actor:
        return SYSTEM if day <= setup else director

    collabs = {c.slug: c for c in db.scalars(select(Collaborative))}
    retirements: list[tuple[Collaborative, date]] = []
    for row in read_yaml(seed_dir / "collaboratives.yaml"):
        collab = collabs.get(row["slug"])
        if collab is None:
            since = _as_date(row.get("forming_since") or row.get("activated_on"))
            with told_on(max(since, setup), settings, 9, 30):
                collab = services.create_collaborative(
                    db, by_director(since), slug=row["slug"], name=row["name"], kind=row["kind"],
                    description=row.get("description", ""), network_url=row.get("network_url"), today=since)
            if row["status"] in ("active", "retired"):
                on = _as_date(row["activated_on"])
                with told_on(max(on, setup), settings, 9, 30):
                    services.set_collaborative_status(db, by_director(on), collab, "activate", on)
            collabs[collab.slug] = collab
            counts["collaboratives"] += 1
        if row["status"] == "retired" and collab.status != "retired":
            retirements.append((collab, _as_date(row["retired_on"])))

    existing = {(m.person_id, m.collaborative_id, m.joined_on) for m in db.scalars(select(Membership))}
    for row in read_csv(seed_dir / "memberships.csv"):
        person, collab = people[row["email"].lower()], collabs[row["collaborative"]]
        joined = _as_date(row["joined_on"])
        if (person.id, collab.id, joined) in existing:
            continue
        with told_on(max(joined, setup), settings, 11):
            m = services.join(db, SYSTEM if joined <= setup else acting(_person_actor(person), "membership.join"),
                              person, collab, joined)
            db.flush()
        if row.get("left_on"):
            left = _as_date(row["left_on"])
            with told_on(max(left, setup), settings, 11):
                services.leave(db, SYSTEM if left <= setup else acting(_person_actor(person), "membership.leave", m),
                               m, left, row.get("leave_reason") or None)
        counts["memberships"] += 1

    interests = {i.name for i in db.scalars(select(Interest))}
    tz = ZoneInfo(settings.network_time_zone)
    for row in read_yaml(seed_dir / "interests.yaml"):
        if row["name"] in interests:
            continue
        proposer = people[row["proposed_by"].lower()]
        interest = Interest(name=row["name"], kind=row["kind"], description=row["description"].strip(),
                            proposed_by_id=proposer.id,
                            created_at=datetime.combine(_as_date(row["created_on"]), time(9), tz))
        interest.supporters = [InterestSupporter(person_id=people[e.lower()].id) for e in row.get("supporters", [])]
        db.add(interest)
        counts["interests"] += 1

    for collab, on in retirements:
        with told_on(max(on, setup), settings, 16):
            services.set_collaborative_status(db, by_director(on), collab, "retire", on)
    db.flush()
    return counts


def lapse_schools(db: Session, seed_dir: Path, settings: Settings) -> dict[str, int]:
    """Lapse the schools the seed marks lapsed, after Cores are loaded (people of a lapsed school
    cannot be appointed, N2, so their terms must exist first)."""
    lapsed = 0
    setup = setup_day(settings)
    schools = {s.slug: s for s in db.scalars(select(School))}
    for row in read_yaml(seed_dir / "schools.yaml"):
        school = schools[row["slug"]]
        if row.get("status") == "lapsed" and school.is_active:
            on = _as_date(row["lapsed_on"])
            with told_on(max(on, setup), settings, 12):
                services.lapse_school(db, SYSTEM if on <= setup else the_director(db), school, on)
            lapsed += 1
    return {"lapsed schools": lapsed}
