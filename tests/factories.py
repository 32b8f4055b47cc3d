"""Builds a network through the services (so the rules apply), one committed step per call."""

from __future__ import annotations

import itertools
from datetime import date

from nesa_collab.permissions import SYSTEM
from nesa_collab.auth.models import Person, Role
from nesa_collab.auth.services import create_person
from nesa_collab.db import Database
from nesa_collab.network import services as network
from nesa_collab.network.models import Collaborative, School
from nesa_collab.settings import Settings

_seq = itertools.count(1)


class Factory:
    def __init__(self, database: Database, settings: Settings, password: str):
        self.database = database
        self.settings = settings
        self.password = password

    def school(self, name: str | None = None, *, time_zone: str = "Asia/Kolkata", weekend="sat,sun",
               city: str = "New Delhi", country: str = "India") -> School:
        n = next(_seq)
        with self.database.transaction() as db:
            return network.create_school(db, SYSTEM, name=name or f"School {n}", city=city, country=country,
                                         time_zone=time_zone, weekend=weekend)

    def person(self, *roles: Role | str, school: School | None = None, name: str | None = None,
               email: str | None = None, time_zone: str | None = None, password: bool = True) -> Person:
        n = next(_seq)
        with self.database.transaction() as db:
            p = create_person(db, SYSTEM, name=name or f"Person {n}", email=email or f"person{n}@example.org",
                              school_id=school.id if school else None,
                              roles={Role(r) for r in (roles or (Role.MEMBER,))}, time_zone=time_zone,
                              password=self.password if password else None, settings=self.settings)
            db.flush()
            db.refresh(p)
            return p

    def dpl(self, **kw) -> Person:
        return self.person(Role.DPL, name=kw.pop("name", "Maya Haddad"), **kw)

    def educator(self, school: School | None = None, *roles: Role | str, **kw) -> Person:
        return self.person(*(roles or (Role.MEMBER,)), school=school or self.school(), **kw)

    def collaborative(self, name: str | None = None, *, status: str = "active", kind: str = "discipline",
                      activated_on: date = date(2020, 8, 1)) -> Collaborative:
        n = next(_seq)
        with self.database.transaction() as db:
            c = network.create_collaborative(db, SYSTEM, name=name or f"Collaborative {n}", kind=kind,
                                             description="A professional community.",
                                             network_url="https://groups.example.org/x", today=activated_on)
            if status in ("active", "retired"):
                network.set_collaborative_status(db, SYSTEM, c, "activate", activated_on)
            if status == "retired":
                network.set_collaborative_status(db, SYSTEM, c, "retire", activated_on)
            return c

    def token(self, person: Person) -> str:
        """An API bearer token for ``person``."""
        from nesa_collab.auth.services import create_token

        with self.database.transaction() as db:
            return create_token(db, SYSTEM, db.get(Person, person.id), "test")[1]

    def core_member(self, person: Person, collab: Collaborative, starts_on: date = date(2025, 8, 1),
                    ends_on: date | None = None, today: date | None = None):
        """Appoint ``person`` to ``collab``'s Core (with the C1 consultations recorded); returns the term."""
        from nesa_collab.cores.services import ConsultationInput, appoint
        from nesa_collab.dates import earliest_two_year_end

        from datetime import timedelta

        today = today or starts_on
        with self.database.transaction() as db:
            return appoint(db, SYSTEM, db.get(Collaborative, collab.id), db.get(Person, person.id),
                           starts_on=starts_on, ends_on=ends_on or earliest_two_year_end(starts_on),
                           consultations=[ConsultationInput("executive_director", today - timedelta(days=20), "email"),
                                          ConsultationInput("pdac", today - timedelta(days=10), "meeting")],
                           today=today)

    def member(self, person: Person, collab: Collaborative, joined_on: date = date(2024, 9, 1)):
        with self.database.transaction() as db:
            p = db.get(Person, person.id)
            c = db.get(Collaborative, collab.id)
            return network.join(db, SYSTEM, p, c, joined_on)
