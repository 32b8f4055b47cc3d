"""A small network for the meetings tests: an active collaborative with a Core member (Dubai), members
across the region's zones, a conference in Bangkok, and a helper that runs a service in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pytest

from nesa_collab.permissions import SYSTEM
from nesa_collab.auth.models import Person, Role
from nesa_collab.cores.services import load_actor
from nesa_collab.db import Base
from nesa_collab.meetings import conferences
from nesa_collab.network.models import Collaborative

TODAY = date(2026, 12, 1)


@dataclass
class World:
    collab: Collaborative
    other: Collaborative
    core: Person
    other_core: Person
    member: Person
    dpl: Person
    staff: Person
    coordinator: Person
    conference: object


@pytest.fixture
def world(factory, database) -> World:
    dubai = factory.school("American School of Dubai", time_zone="Asia/Dubai", city="Dubai", country="UAE")
    cairo = factory.school("Cairo American College", time_zone="Africa/Cairo", weekend="fri,sat", city="Cairo",
                           country="Egypt")
    delhi = factory.school("AES New Delhi", time_zone="Asia/Kolkata")
    ktm = factory.school("Lincoln School", time_zone="Asia/Kathmandu", city="Kathmandu", country="Nepal")
    dhaka = factory.school("AIS Dhaka", time_zone="Asia/Dhaka", weekend="fri,sat", city="Dhaka", country="Bangladesh")
    collab = factory.collaborative("Librarians")
    other = factory.collaborative("Mathematics")
    core = factory.educator(dubai, name="Omar Khalil")
    other_core = factory.educator(delhi, name="Priya Nair")
    member = factory.educator(delhi, name="Nadia Rahman")
    coordinator = factory.educator(dubai, Role.MEMBER, Role.SCHOOL_COORDINATOR, name="Rania Nassar")
    factory.core_member(core, collab, date(2025, 8, 1), date(2027, 7, 31))
    factory.core_member(other_core, other, date(2025, 8, 1), date(2027, 7, 31))
    factory.member(member, collab)
    for school in (cairo, ktm, dhaka):
        factory.member(factory.educator(school, password=False), collab)
    dpl = factory.dpl()
    staff = factory.person(Role.CENTER_STAFF, name="Eleni Papadopoulou", time_zone="Europe/Athens")
    with database.transaction() as db:
        conf = conferences.create_conference(db, SYSTEM, name="Spring Educators Conference",
                                             starts_on=date(2027, 3, 26), ends_on=date(2027, 3, 29),
                                             city="Bangkok", country="Thailand",
                                             time_zone="Asia/Bangkok", hotel="Grand Riverside Hotel",
                                             featured=[collab.slug], slug="sec-2027")
    return World(collab, other, core, other_core, member, dpl, staff, coordinator, conf)


@pytest.fixture
def act(database):
    """``act(person, fn, *args, **kw)``: call a service as ``person`` in one committed transaction."""

    def run(person, fn, *args, **kw):
        with database.transaction() as db:
            actor = load_actor(db, db.get(Person, person.id), TODAY) if person is not None else None
            # Fresh rows, not merges: merging a stale detached copy would write its old values back.
            args = [db.get(type(a), a.id) if isinstance(a, Base) else a for a in args]
            result = fn(db, actor, *args, **kw)
            db.flush()
            return result

    return run


def virtual(**kw) -> dict:
    values = dict(title="Monthly meeting", mode="virtual", time_zone="Africa/Cairo",
                  starts=datetime(2027, 1, 12, 16, 0), ends=datetime(2027, 1, 12, 17, 0),
                  join_url="https://meet.example.org/librarians")
    values.update(kw)
    return values
