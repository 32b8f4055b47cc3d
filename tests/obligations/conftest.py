"""Scenario 4's network: ACS Amman, whose Layla Haddad serves on the Science Core and whose Sami Aziz
is a member of Science; Rania Nassar coordinates the school. A Dubai school with its own Core member
of Science and its own coordinator. The Spring Educators Conference (Bangkok, 26–29 March 2027)
features Science, whose Core meets face to face beside it on 25 March."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from nesa_collab.auth.models import Person, Role
from nesa_collab.cores.services import load_actor
from nesa_collab.db import Base
from nesa_collab.meetings import conferences, rsvps, services as meetings
from nesa_collab.meetings.models import Meeting
from nesa_collab.network.models import Collaborative, School
from nesa_collab.obligations.models import Obligation
from nesa_collab.permissions import SYSTEM

TODAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


@dataclass
class World:
    amman: School
    dubai: School
    science: Collaborative
    layla: Person
    sami: Person
    rania: Person
    omar: Person
    allison: Person
    dpl: Person
    staff: Person
    conference: object
    planning: Meeting


@pytest.fixture
def act(database):
    """``act(person, fn, *args, **kw)``: call a service as ``person`` (None: the system) in one committed
    transaction, with fresh copies of the rows passed."""

    def run(person, fn, *args, **kw):
        with database.transaction() as db:
            actor = load_actor(db, db.get(Person, person.id), TODAY) if person is not None else SYSTEM
            args = [db.get(type(a), a.id) if isinstance(a, Base) else a for a in args]
            result = fn(db, actor, *args, **kw)
            db.flush()
            return result

    return run


@pytest.fixture
def world(factory, database, act) -> World:
    amman = factory.school("ACS Amman", time_zone="Asia/Amman", city="Amman", country="Jordan", weekend="fri,sat")
    dubai = factory.school("American School of Dubai", time_zone="Asia/Dubai", city="Dubai", country="UAE")
    science = factory.collaborative("Science Collaborative")
    layla = factory.educator(amman, name="Layla Haddad")
    sami = factory.educator(amman, name="Sami Aziz")
    rania = factory.educator(amman, Role.MEMBER, Role.SCHOOL_COORDINATOR, name="Rania Nassar")
    omar = factory.educator(dubai, name="Omar Khalil")
    allison = factory.educator(dubai, Role.MEMBER, Role.SCHOOL_COORDINATOR, name="Allison Brennan")
    factory.member(layla, science)
    factory.member(sami, science)
    factory.core_member(layla, science, date(2026, 8, 1), date(2028, 7, 31))
    factory.core_member(omar, science, date(2025, 8, 1), date(2027, 7, 31))
    dpl = factory.dpl()
    staff = factory.person(Role.CENTER_STAFF, name="Eleni Papadopoulou", time_zone="Europe/Athens")
    with database.transaction() as db:
        conf = conferences.create_conference(db, SYSTEM, name="Spring Educators Conference",
                                             starts_on=date(2027, 3, 26), ends_on=date(2027, 3, 29),
                                             city="Bangkok", country="Thailand", time_zone="Asia/Bangkok",
                                             hotel="Grand Riverside Hotel", featured=[science.slug], slug="sec-2027")
        planning = meetings.create_meeting(db, SYSTEM, db.get(Collaborative, science.id),
                                           title="Science Core planning day", mode="face_to_face",
                                           time_zone="Asia/Bangkok", starts=datetime(2027, 3, 25, 9, 30),
                                           ends=datetime(2027, 3, 25, 15, 30),
                                           place="Grand Riverside Hotel, Lotus Room",
                                           conference="sec-2027")
        meetings.publish_meeting(db, SYSTEM, planning)
    return World(amman, dubai, science, layla, sami, rania, omar, allison, dpl, staff, conf, planning)


@pytest.fixture
def rows(database):
    """``rows(**filters)``: the obligations matching the filters (column=value), oldest first, read fresh."""

    def read(**filters):
        with database.session(write=False) as db:
            stmt = select(Obligation).filter_by(**filters).order_by(Obligation.id)
            found = list(db.scalars(stmt).unique())
            for o in found:  # load what the assertions read, before the session closes
                _ = (o.statement, o.meeting, o.decided_by)
            return found

    return read


def going(act, person, meeting, answer="going"):
    """``person`` answers ``meeting`` (on 1 December 2026)."""
    return act(person, lambda db, a, m: rsvps.answer(db, a, m, None, answer, now=NOW), meeting)


def live(found):
    return [o for o in found if o.withdrawn_at is None]
