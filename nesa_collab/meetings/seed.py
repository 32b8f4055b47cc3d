"""Load conferences, a year of meetings and the answers to them from ``seed_data/`` (S1, M1–M4).
Idempotent: conferences by slug, meetings by collaborative, title and start, answers by meeting and
person are left alone when present."""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..permissions import SYSTEM
from ..auth.models import Person
from ..cores.services import load_actor
from ..network.models import Collaborative
from ..network.seed import read_yaml
from ..settings import Settings
from . import agendas, conferences, rsvps, services
from .models import Conference, Meeting, Rsvp


def _dt(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _d(value) -> date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def load_meetings(db: Session, seed_dir: Path, settings: Settings) -> dict[str, int]:
    counts = {"conferences": 0, "meetings": 0}
    if not (seed_dir / "conferences.yaml").exists():
        return counts
    known = {c.slug: c for c in db.scalars(select(Conference))}
    for row in read_yaml(seed_dir / "conferences.yaml"):
        cap = {"hotel_night_cap": row.get("hotel_night_cap"), "hotel_cap_currency": row.get("hotel_cap_currency")}
        if row["slug"] in known:
            conf = known[row["slug"]]
            if conf.hotel_night_cap is None and cap["hotel_night_cap"] is not None:
                # S3: a network seeded before conferences had caps gets them (claims need one).
                conferences.update_conference(db, SYSTEM, conf, **cap)
            continue
        conferences.create_conference(db, SYSTEM, slug=row["slug"], name=row["name"],
                                      kind=row.get("kind", "conference"), starts_on=_d(row["starts_on"]),
                                      ends_on=_d(row["ends_on"]), city=row["city"],
                                      country=row.get("country", ""), time_zone=row["time_zone"],
                                      hotel=row.get("hotel", ""), hotel_address=row.get("hotel_address", ""),
                                      description=row.get("description", ""), featured=row.get("featured", []),
                                      **cap)
        counts["conferences"] += 1
    db.flush()
    collabs = {c.slug: c for c in db.scalars(select(Collaborative))}
    people = {p.email.lower(): p.id for p in db.scalars(select(Person))}
    existing = set(db.execute(select(Meeting.collaborative_id, Meeting.title, Meeting.local_start)).all())
    for row in read_yaml(seed_dir / "meetings.yaml") if (seed_dir / "meetings.yaml").exists() else []:
        collab = collabs.get(row["collaborative"])
        starts = _dt(row["starts"])
        if collab is None or (collab.id, row["title"], starts) in existing:
            continue
        organizer = people.get((row.get("organizer") or "").lower())
        meeting = services.create_meeting(
            db, SYSTEM, collab, organizer_id=organizer, title=row["title"], mode=row["mode"],
            time_zone=row["time_zone"], starts=starts, ends=_dt(row["ends"]), place=row.get("place", ""),
            join_url=row.get("join_url"), description=row.get("description", ""), conference=row.get("conference"),
            rrule=row.get("rrule"), repeat_until=_d(row.get("repeat_until")),
            agenda_final_by=_d(row.get("agenda_final_by")))
        for item in row.get("agenda", []):
            agendas.add_agenda_item(db, SYSTEM, meeting, title=item["title"], minutes=item["minutes"],
                                    presenter=item.get("presenter", ""), notes=item.get("notes", ""))
        status = row.get("status", "published")
        if status != "draft":
            services.publish_meeting(db, SYSTEM, meeting)
        for occ in row.get("occurrences", []):
            services.change_occurrence(db, SYSTEM, meeting, _dt(occ["original_start"]), cancel=bool(occ.get("cancel")),
                                       starts=_dt(occ["starts"]) if occ.get("starts") else None,
                                       note=occ.get("note", ""))
        if status == "cancelled":
            services.cancel_meeting(db, SYSTEM, meeting, row.get("cancel_reason", ""))
        counts["meetings"] += 1
    return counts


def load_rsvps(db: Session, seed_dir: Path, settings: Settings) -> dict[str, int]:
    """M4/S2: the answers in ``rsvps.yaml``, each given through the service on the day it names (O2:
    a member going to a meeting beside a conference featuring the collaborative is owed support)."""
    counts = {"answers": 0}
    path = seed_dir / "rsvps.yaml"
    if not path.exists():
        return counts
    collabs = {c.slug: c.id for c in db.scalars(select(Collaborative))}
    people = {p.email.lower(): p for p in db.scalars(select(Person))}
    answered = set(db.execute(select(Rsvp.meeting_id, Rsvp.person_id)).all())
    for block in read_yaml(path):
        meeting = db.scalar(select(Meeting).where(Meeting.collaborative_id == collabs.get(block["collaborative"]),
                                                  Meeting.title == block["title"]))
        if meeting is None:
            continue
        for row in block["answers"]:
            person = people[row["person"].lower()]
            if (meeting.id, person.id) in answered:
                continue
            on = _d(row["answered_on"])
            rsvps.answer(db, load_actor(db, person, on), meeting, None, row["answer"], row.get("note", ""),
                         now=datetime.combine(on, time(12), timezone.utc))
            counts["answers"] += 1
    return counts
