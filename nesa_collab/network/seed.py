"""Load the network (schools, people, collaboratives, memberships, norms, interests) from
``seed_data/``. Idempotent: rows already present (by slug, email or date) are left alone."""

from __future__ import annotations

import csv
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..permissions import SYSTEM
from ..auth import services as auth_services
from ..auth.models import Person, Role
from ..settings import Settings
from . import services
from .models import Collaborative, Interest, InterestSupporter, Membership, School


def read_yaml(path: Path):
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh) or []


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _as_date(value) -> date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def load_network(db: Session, seed_dir: Path, settings: Settings) -> dict[str, int]:
    counts = dict.fromkeys(["schools", "people", "collaboratives", "memberships", "interests"], 0)
    schools = {s.slug: s for s in db.scalars(select(School))}
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

    collabs = {c.slug: c for c in db.scalars(select(Collaborative))}
    retirements: list[tuple[Collaborative, date]] = []
    for row in read_yaml(seed_dir / "collaboratives.yaml"):
        collab = collabs.get(row["slug"])
        if collab is None:
            collab = services.create_collaborative(
                db, SYSTEM, slug=row["slug"], name=row["name"], kind=row["kind"],
                description=row.get("description", ""), network_url=row.get("network_url"),
                today=_as_date(row.get("forming_since") or row.get("activated_on")))
            if row["status"] in ("active", "retired"):
                services.set_collaborative_status(db, SYSTEM, collab, "activate", _as_date(row["activated_on"]))
            if row.get("norms"):
                services.update_norms(db, SYSTEM, collab, row["norms"], "Norms agreed when the group formed")
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
        m = services.join(db, SYSTEM, person, collab, joined)
        db.flush()
        if row.get("left_on"):
            services.leave(db, SYSTEM, m, _as_date(row["left_on"]), row.get("leave_reason") or None)
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
        services.set_collaborative_status(db, SYSTEM, collab, "retire", on)
    db.flush()
    return counts


def lapse_schools(db: Session, seed_dir: Path, settings: Settings) -> dict[str, int]:
    """Lapse the schools the seed marks lapsed, after Cores are loaded (people of a lapsed school
    cannot be appointed, N2, so their terms must exist first)."""
    lapsed = 0
    schools = {s.slug: s for s in db.scalars(select(School))}
    for row in read_yaml(seed_dir / "schools.yaml"):
        school = schools[row["slug"]]
        if row.get("status") == "lapsed" and school.is_active:
            services.lapse_school(db, SYSTEM, school, _as_date(row["lapsed_on"]))
            lapsed += 1
    return {"lapsed schools": lapsed}
