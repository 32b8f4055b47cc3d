"""A small network for the claims tests (S3): the Librarians' Core (Omar Khalil, Dubai) meeting to plan
beside the Spring Educators Conference in Bangkok (cap 145.00 USD), a Core member of another
collaborative, a member, Center staff and the DPL; receipts in a folder of the test's own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from nesa_collab.audit.models import AuditEntry
from nesa_collab.auth.models import Person, Role
from nesa_collab.cores.services import load_actor
from nesa_collab.db import Base
from nesa_collab.meetings import conferences
from nesa_collab.meetings import services as meetings
from nesa_collab.network.models import Collaborative
from nesa_collab.permissions import SYSTEM
from nesa_collab.support import claims
from nesa_collab.support.models import Claim
from nesa_collab.support.receipts import ReceiptStore
from nesa_collab.support.seed import sample_pdf, sample_png

TODAY = date(2026, 12, 1)
MEETING_DAY = date(2027, 3, 25)
#: Small enough that an oversized receipt is cheap to make.
MAX_BYTES = 20_000
PDF = sample_pdf("Grand Riverside Hotel", "One night: 24 March 2027", "Total: 139.50 USD")
PNG = sample_png()


@pytest.fixture
def settings(settings, tmp_path):
    """The suite's settings, with receipts in this test's folder and a small size limit."""
    return settings.with_(receipts_dir=str(tmp_path / "receipts"), receipt_max_bytes=MAX_BYTES)


@dataclass
class World:
    collab: Collaborative
    other: Collaborative
    core: Person
    second_core: Person
    other_core: Person
    member: Person
    staff: Person
    dpl: Person
    conference: object
    meeting: object
    store: ReceiptStore


def planning_meeting(db, collab, conference: str = "sec-2027", day: date = MEETING_DAY, publish: bool = True,
                     **kw):
    meeting = meetings.create_meeting(db, SYSTEM, db.get(Collaborative, collab.id), **{
        "title": f"{collab.name} Core planning day", "mode": "face_to_face", "time_zone": "Asia/Bangkok",
        "starts": datetime.combine(day, datetime.min.time()).replace(hour=9),
        "ends": datetime.combine(day, datetime.min.time()).replace(hour=16), "place": "Grand Riverside Hotel",
        "conference": conference, **kw})
    if publish:
        meetings.publish_meeting(db, SYSTEM, meeting)
    db.flush()
    return meeting


@pytest.fixture
def world(factory, database, settings) -> World:
    dubai = factory.school("American School of Dubai", time_zone="Asia/Dubai", city="Dubai", country="UAE")
    delhi = factory.school("AES New Delhi", time_zone="Asia/Kolkata")
    collab = factory.collaborative("Librarians")
    other = factory.collaborative("Mathematics")
    core = factory.educator(dubai, name="Omar Khalil")
    second_core = factory.educator(delhi, name="Priya Nair")
    other_core = factory.educator(delhi, name="Rahul Pillai")
    member = factory.educator(delhi, name="Nadia Rahman")
    factory.core_member(core, collab, date(2025, 8, 1), date(2027, 7, 31))
    factory.core_member(second_core, collab, date(2025, 8, 1), date(2027, 7, 31))
    factory.core_member(other_core, other, date(2025, 8, 1), date(2027, 7, 31))
    factory.member(member, collab)
    staff = factory.person(Role.CENTER_STAFF, name="Eleni Papadopoulou", time_zone="Europe/Athens")
    dpl = factory.dpl()
    with database.transaction() as db:
        conf = conferences.create_conference(db, SYSTEM, name="Spring Educators Conference",
                                             starts_on=date(2027, 3, 26), ends_on=date(2027, 3, 29),
                                             city="Bangkok", country="Thailand", time_zone="Asia/Bangkok",
                                             hotel="Grand Riverside Hotel", featured=[collab.slug, other.slug],
                                             slug="sec-2027", hotel_night_cap="145.00", hotel_cap_currency="USD")
        meeting = planning_meeting(db, collab)
    return World(collab, other, core, second_core, other_core, member, staff, dpl, conf, meeting,
                 ReceiptStore.of(settings))


@pytest.fixture
def act(database):
    """``act(person, fn, *args, **kw)``: call a service as ``person`` (None: the system) in one
    committed transaction, with fresh copies of the rows passed."""

    def run(person, fn, *args, **kw):
        with database.transaction() as db:
            actor = load_actor(db, db.get(Person, person.id), TODAY) if person is not None else SYSTEM
            args = [db.get(type(a), a.id) if isinstance(a, Base) else a for a in args]
            kw = {k: db.get(type(v), v.id) if isinstance(v, Base) else v for k, v in kw.items()}
            result = fn(db, actor, *args, **kw)
            db.flush()
            return result

    return run


@pytest.fixture
def claim_night(act, world):
    """``claim_night(person, **changes)``: submit a claim as ``person`` (a valid one unless changed)."""

    def submit(person, meeting=None, **changes):
        values = {"night_on": date(2027, 3, 24), "amount": "139.50", "currency": "USD", "receipt": PDF,
                  "receipt_name": "riverside.pdf", "store": world.store, **changes}
        return act(person, claims.submit_claim, meeting or world.meeting, **values)

    return submit


def count(database, model) -> int:
    with database.session(write=False) as db:
        return db.scalar(select(func.count()).select_from(model))


def stored_files(store: ReceiptStore) -> list[Path]:
    return sorted(store.directory.iterdir()) if store.directory.exists() else []


def written(database, store: ReceiptStore) -> tuple[int, int, int]:
    """What a refusal must leave as it was: claims, audit entries, receipt files."""
    return count(database, Claim), count(database, AuditEntry), len(stored_files(store))
