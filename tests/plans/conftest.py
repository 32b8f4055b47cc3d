"""A collaborative with a Core, a member who is not on it, the DPL, and the plan template."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

import pytest

from nesa_collab.permissions import SYSTEM
from nesa_collab import clock
from nesa_collab.auth.models import Person, Role
from nesa_collab.cores.services import load_actor
from nesa_collab.network.models import Collaborative
from nesa_collab.plans import services, template
from nesa_collab.plans.content import EvidenceInput, GoalInput, MilestoneInput, OfferingInput, PlanContent

TODAY = date(2026, 11, 27)

SECTIONS = [
    {"key": "purpose", "title": "Purpose", "kind": "free_text", "guidance": "Why this plan"},
    {"key": "goals", "title": "Goals", "kind": "goals"},
    {"key": "offerings", "title": "Offerings", "kind": "offerings"},
    {"key": "milestones", "title": "Milestones", "kind": "milestones"},
    {"key": "impact", "title": "Impact", "kind": "evidence"},
    {"key": "norms", "title": "Norms", "kind": "norms"},
]


ROWS = {"goals": GoalInput, "offerings": OfferingInput, "milestones": MilestoneInput, "evidence": EvidenceInput}


def typed(content: dict | None = None, **parts) -> PlanContent:
    """The typed input of ``save_plan`` from plain values, as the tests write them (rows as dicts)."""
    given = {**(content or {}), **parts}
    return PlanContent(**{k: [ROWS[k](**r) for r in v] if k in ROWS and v is not None else v
                          for k, v in given.items()})


@dataclass
class World:
    collab: Collaborative
    dpl: Person
    core: Person
    core2: Person
    member: Person
    director: Person
    database: object
    settings: object

    def actor(self, db, person, on: date = TODAY):
        return load_actor(db, db.get(Person, person.id), on)

    def new_plan(self, first_year: int = 2026, last_year: int = 2027, by=None):
        with self.database.transaction() as db:
            collab = db.get(Collaborative, self.collab.id)
            return services.create_plan(db, self.actor(db, by or self.core), collab, title="Literacy plan",
                                        first_year=first_year, last_year=last_year, settings=self.settings).id


@pytest.fixture
def world(factory, database, settings) -> World:
    clock.freeze(datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc))
    school = factory.school()
    collab = factory.collaborative("Literacy")
    core, core2 = factory.educator(school, name="Omar Khalil"), factory.educator(school, name="Layla Haddad")
    member = factory.educator(school)
    factory.member(member, collab)
    for p in (core, core2):
        factory.core_member(p, collab, date(2025, 8, 1), date(2027, 7, 31), today=date(2025, 7, 1))
    dpl = factory.dpl()
    director = factory.person(Role.EXECUTIVE_DIRECTOR)
    with database.transaction() as db:
        template.save_template(db, SYSTEM, SECTIONS, "first")
    return World(collab, dpl, core, core2, member, director, database, settings)
