"""Load conferences, a year of meetings, meetings already held (with their minutes and attendance)
and the answers to meetings from ``seed_data/`` (S1, M1–M4). Idempotent: conferences by slug,
meetings by collaborative, title and start (a past meeting: collaborative and title), answers by
meeting and person are left alone when present. Each step is recorded on its day, by who did it:
a meeting's organizer when a Core member then, else the Director (``network.seed.told_on``)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..permissions import SYSTEM, Actor
from ..auth.models import Person
from ..cores.services import core_people_query, load_actor
from ..network.models import Collaborative
from ..network.seed import acting, load_day, read_yaml, the_director, told_on
from ..settings import Settings
from . import agendas, conferences, minutes, rsvps, services
from .models import Conference, Meeting, Rsvp


def _dt(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _d(value) -> date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


#: How long before the load day the year's meetings were scheduled (moves and cancellations came later).
SCHEDULED_DAYS_AGO, CHANGED_DAYS_AGO = 30, 5
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _organizer(db: Session, person: Person | None, collab: Collaborative, day: date, director: Actor) -> Actor:
    """M1: who scheduled a meeting on ``day``: its organizer when on the Core then, else the Director."""
    return acting(load_actor(db, person, day) if person else None, "meeting.edit", collab, director)


def load_meetings(db: Session, seed_dir: Path, settings: Settings) -> dict[str, int]:
    counts = {"conferences": 0, "meetings": 0}
    if not (seed_dir / "conferences.yaml").exists():
        return counts
    director = the_director(db)
    scheduled = load_day(settings) - timedelta(days=SCHEDULED_DAYS_AGO)
    changed = load_day(settings) - timedelta(days=CHANGED_DAYS_AGO)
    known = {c.slug: c for c in db.scalars(select(Conference))}
    for row in read_yaml(seed_dir / "conferences.yaml"):
        cap = {"hotel_night_cap": row.get("hotel_night_cap"), "hotel_cap_currency": row.get("hotel_cap_currency")}
        if row["slug"] in known:
            conf = known[row["slug"]]
            if conf.hotel_night_cap is None and cap["hotel_night_cap"] is not None:
                # S3: a network seeded before conferences had caps gets them (claims need one).
                conferences.update_conference(db, SYSTEM, conf, **cap)
            continue
        with told_on(scheduled - timedelta(days=60), settings):  # S1: the Director announces the year's
            conferences.create_conference(db, director, slug=row["slug"], name=row["name"],
                                          kind=row.get("kind", "conference"), starts_on=_d(row["starts_on"]),
                                          ends_on=_d(row["ends_on"]), city=row["city"],
                                          country=row.get("country", ""), time_zone=row["time_zone"],
                                          hotel=row.get("hotel", ""), hotel_address=row.get("hotel_address", ""),
                                          description=row.get("description", ""),
                                          featured=row.get("featured", []), **cap)
        counts["conferences"] += 1
    db.flush()
    collabs = {c.slug: c for c in db.scalars(select(Collaborative))}
    people = {p.email.lower(): p for p in db.scalars(select(Person))}
    existing = set(db.execute(select(Meeting.collaborative_id, Meeting.title, Meeting.local_start)).all())
    for row in read_yaml(seed_dir / "meetings.yaml") if (seed_dir / "meetings.yaml").exists() else []:
        collab = collabs.get(row["collaborative"])
        starts = _dt(row["starts"])
        if collab is None or (collab.id, row["title"], starts) in existing:
            continue
        organizer = people.get((row.get("organizer") or "").lower())
        by = _organizer(db, organizer, collab, scheduled, director)
        status = row.get("status", "published")
        with told_on(scheduled, settings):
            meeting = services.create_meeting(
                db, by, collab, organizer_id=organizer.id if organizer else None, title=row["title"],
                mode=row["mode"], time_zone=row["time_zone"], starts=starts, ends=_dt(row["ends"]),
                place=row.get("place", ""), join_url=row.get("join_url"), description=row.get("description", ""),
                conference=row.get("conference"), rrule=row.get("rrule"), repeat_until=_d(row.get("repeat_until")),
                agenda_final_by=_d(row.get("agenda_final_by")))
            for item in row.get("agenda", []):
                agendas.add_agenda_item(db, by, meeting, title=item["title"], minutes=item["minutes"],
                                        presenter=item.get("presenter", ""), notes=item.get("notes", ""))
            if status != "draft":
                services.publish_meeting(db, by, meeting)
        with told_on(changed, settings):
            for occ in row.get("occurrences", []):
                services.change_occurrence(db, by, meeting, _dt(occ["original_start"]), cancel=bool(occ.get("cancel")),
                                           starts=_dt(occ["starts"]) if occ.get("starts") else None,
                                           note=occ.get("note", ""))
            if status == "cancelled":
                services.cancel_meeting(db, by, meeting, row.get("cancel_reason", ""))
        counts["meetings"] += 1
    return counts


def _held_on(today: date, weeks_ago: int, weekday: str) -> date:
    """The ``weekday`` of the week ``weeks_ago`` weeks before ``today`` (weeks begin on Monday)."""
    monday = today - timedelta(days=today.weekday(), weeks=weeks_ago)
    return monday + timedelta(days=WEEKDAYS.index(weekday))


def load_past_meetings(db: Session, seed_dir: Path, settings: Settings) -> dict[str, int]:
    """M1–M4: the meetings of ``past_meetings.yaml``, held weeks before the load day: scheduled and
    published by their organizer, held, then their minutes and attendance recorded the day after
    (the Core of that day present unless named otherwise)."""
    counts = {"past meetings": 0}
    path = seed_dir / "past_meetings.yaml"
    if not path.exists():
        return counts
    director, today = the_director(db), load_day(settings)
    collabs = {c.slug: c for c in db.scalars(select(Collaborative))}
    people = {p.email.lower(): p for p in db.scalars(select(Person))}
    held = set(db.execute(select(Meeting.collaborative_id, Meeting.title)).all())
    for row in read_yaml(path):
        collab = collabs.get(row["collaborative"])
        if collab is None or (collab.id, row["title"]) in held:
            continue
        day = _held_on(today, row["weeks_ago"], row["weekday"])
        organizer = people[row["organizer"].lower()]
        scheduled = day - timedelta(days=row.get("scheduled_days_before", 14))
        by = _organizer(db, organizer, collab, scheduled, director)
        with told_on(scheduled, settings, 11):
            meeting = services.create_meeting(
                db, by, collab, organizer_id=organizer.id, title=row["title"], mode=row["mode"],
                time_zone=row["time_zone"], starts=datetime.combine(day, time.fromisoformat(row["start"])),
                ends=datetime.combine(day, time.fromisoformat(row["end"])), place=row.get("place", ""),
                join_url=row.get("join_url"), description=row.get("description", ""))
            for item in row.get("agenda", []):
                agendas.add_agenda_item(db, by, meeting, title=item["title"], minutes=item["minutes"],
                                        presenter=item.get("presenter", ""), notes=item.get("notes", ""))
            services.publish_meeting(db, by, meeting)
        after = day + timedelta(days=1)
        marks = row.get("attendance", {})
        named = {status: {people[e.lower()].id for e in marks.get(status, [])} for status in ("apologies", "absent")}
        attendance = {person_id: "present" for person_id in db.scalars(core_people_query(collab.id, day))}
        attendance |= {people[e.lower()].id: "present" for e in marks.get("members", [])}
        for status, ids in named.items():
            attendance |= dict.fromkeys(ids, status)
        recorder = _organizer(db, people[row["recorded_by"].lower()], collab, after, director)
        with told_on(after, settings, 10):
            minutes.record_minutes(db, recorder, meeting, row["minutes"], attendance,
                                   now=datetime.combine(after, time(10), settings.tz))
        counts["past meetings"] += 1
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
            with told_on(on, settings, 14):
                rsvps.answer(db, load_actor(db, person, on), meeting, None, row["answer"], row.get("note", ""),
                             now=datetime.combine(on, time(12), timezone.utc))
            counts["answers"] += 1
    return counts
