"""The demo data: loads through the services, is idempotent, and shows the states the issues ask for."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from nesa_collab.cores.services import summarize
from nesa_collab.network.models import Collaborative, Membership, School
from nesa_collab.auth.models import Person
from nesa_collab.db import Database
from nesa_collab.seed import load

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
