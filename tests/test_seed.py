"""The demo data: loads through the services, is idempotent, and shows the states the issues ask for."""

from __future__ import annotations

from datetime import date, datetime, time

from starlette.testclient import TestClient
from sqlalchemy import func, select

from nesa_collab.app import create_app
from nesa_collab.audit.models import AuditEntry
from nesa_collab.cores.services import summarize
from nesa_collab.meetings.models import Attendance, Meeting, MeetingMinutes
from nesa_collab.network.models import NormsRevision
from nesa_collab.network.models import Collaborative, Membership, School
from nesa_collab.auth.models import Person
from nesa_collab.db import Database
from nesa_collab.seed import load

from .conftest import sign_in

SEED_TODAY = date(2026, 11, 27)  # the day the demo data describes


def test_seed_is_idempotent_and_realistic(seeded):
    world, settings = seeded
    first = world.counts
    assert first["schools"] >= 40 and first["people"] >= 200 and 10 <= first["collaboratives"] <= 14
    database = Database(world.url)
    again = load(database, settings)
    assert not any(again.values()), again
    with database.session(write=False) as db:
        assert db.scalar(select(func.count()).select_from(School).where(School.status == "lapsed")) == 1
        statuses = dict(db.execute(select(Collaborative.status, func.count()).group_by(Collaborative.status)).all())
        assert statuses["forming"] == 1 and statuses["retired"] == 1
        assert db.scalar(select(func.count()).select_from(Membership)) > 200
        assert db.scalar(select(func.count()).select_from(Person).where(Person.password_hash.is_not(None))) == 7
    database.dispose()


def test_seeded_cores_show_what_the_director_must_see(seeded):
    database = Database(seeded[0].url)
    with database.session(write=False) as db:
        collabs = db.scalars(select(Collaborative).where(Collaborative.status != "retired")).all()
        by_slug = {s.collaborative.slug: s for s in summarize(db, list(collabs), SEED_TODAY)}
    active = [s for s in by_slug.values() if s.collaborative.status == "active"]
    assert all(4 <= s.strength <= 8 for s in active)
    assert by_slug["literacy"].strength == 6 and by_slug["literacy"].lowest == 4  # falls below 5 within a year
    assert len(by_slug["literacy"].candidates) == 4 and by_slug["literacy"].open_seats > 0
    assert by_slug["math"].strength == 8  # full: a ninth is refused
    assert by_slug["early-childhood"].under_strength  # short now
    assert any(t.person.name == "Nurlan Omarov" for t in by_slug["world-languages"].ending_soon)
    assert by_slug["world-languages"].school_changes and by_slug["science"].school_changes  # C10
    assert any(f.startswith("F2") for f in by_slug["early-childhood"].flags)
    database.dispose()


def _people(db) -> dict[int, str]:
    return dict(db.execute(select(Person.id, Person.name)).all())


def test_a1_the_seeded_history_is_dated_on_its_own_days_before_the_load_day_by_who_acted(seeded):
    world, settings = seeded  # loaded at 09:00 UTC on 27 November 2026
    database = Database(world.url)
    load_day_starts = datetime.combine(SEED_TODAY, time(0), settings.tz)
    with database.session(write=False) as db:
        names = _people(db)
        entries = db.execute(select(AuditEntry.at, AuditEntry.actor_id, AuditEntry.action)).all()
    database.dispose()
    assert entries and all(at < load_day_starts for at, _, _ in entries)
    assert len({at.astimezone(settings.tz).date() for at, _, _ in entries}) > 60  # told over many days
    by = {}
    for _, actor_id, action in entries:
        by.setdefault(action, set()).add(names.get(actor_id, "System"))
    assert by["core.appoint"] == {"Maya Haddad"}  # the Director appointed the Cores (C1)
    assert "System" not in by["plan.revise"] and "Nicole Reynolds" in by["plan.revise"]  # Core members wrote
    assert by["plan.accept"] == by["plan.return"] == {"Maya Haddad"}  # the Director reviewed (P4)
    assert "Omar Khalil" in by["norms.update"] and "Omar Khalil" in by["meeting.create"]
    assert "Omar Khalil" in by["meeting.minutes"]


def test_k3_seeded_norms_have_a_history_on_past_days_revised_by_a_core_member(seeded):
    world, settings = seeded
    database = Database(world.url)
    with database.session(write=False) as db:
        math = db.scalar(select(Collaborative).where(Collaborative.slug == "math"))
        history = list(db.scalars(select(NormsRevision).where(NormsRevision.collaborative_id == math.id)
                                  .order_by(NormsRevision.created_at)))
        authors = [r.author.name if r.author else "System" for r in history]
        days = [r.created_at.astimezone(settings.tz).date() for r in history]
        every_day = set(db.scalars(select(NormsRevision.created_at)))
    database.dispose()
    assert len(history) == 2 and authors[-1] == "Omar Khalil"
    assert days[0] < days[1] < SEED_TODAY
    assert len({at.date() for at in every_day}) > 3 and max(every_day) < datetime.combine(SEED_TODAY, time(0),
                                                                                          settings.tz)


def test_m4_the_demo_has_past_meetings_whose_page_shows_their_minutes_and_attendance(seeded):
    world, settings = seeded
    database = Database(world.url)
    with database.session(write=False) as db:
        past = db.execute(select(Meeting.id, Meeting.title, Meeting.mode, MeetingMinutes.text)
                          .join(MeetingMinutes, MeetingMinutes.meeting_id == Meeting.id)).all()
        present = set(db.scalars(select(Attendance.meeting_id).where(Attendance.status == "present")))
    database.dispose()
    assert {mode for _, _, mode, _ in past} >= {"virtual", "face_to_face"}
    assert all(meeting_id in present for meeting_id, _, _, _ in past)
    app = create_app(settings)
    with TestClient(app) as client:
        sign_in(client, "omar.khalil@asd-dubai.example", "demo-password")
        listed = client.get("/meetings?when=past")
        assert listed.status_code == 200
        for meeting_id, title, _, text in past:
            assert title in listed.text
            page = client.get(f"/meetings/{meeting_id}")
            assert page.status_code == 200
            first_words = text.split()[1:4]
            assert " ".join(first_words) in page.text
            assert "— present" in page.text and "— apologies" in page.text
