"""A network where every flag rule holds on some day, built once per test session through the services
and copied for each test; the tests sweep it with a fixed "today" on either side of each rule's
boundary day.

- Literacy (active): five Core members; Lena Haddad's term ends on 10 April 2027 without a successor
  (F1 from 10 January 2027); the others serve until 31 July 2027. Its plan (2025–26 to 2026–27) was
  last revised on 20 January 2026 (F4, stale from 20 January 2027). Its virtual Core call on
  25 January 2027, 16:00 Amman, is published with an empty agenda (F5 from 11 January 2027).
- Mathematics (active): five Core members; Mona Saleh's term ends on 28 February 2027 (F2 and F3
  from 1 March 2027). Its planning day on 9 February 2027 beside the Winter Institute in Dubai
  (10–12 February, featuring Mathematics): the schools owe release and attendance (F7 from 10 and
  11 January 2027); Omar Khalil claimed the hotel night on 15 February 2027 (F6 from 18 March 2027).
- Science (active): five Core members, one from QSI Dushanbe, whose membership lapsed on 1 October
  2026 during his term (F8 until 31 July 2027).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from nesa_collab import clock
from nesa_collab.auth.models import Person, Role
from nesa_collab.cores.services import load_actor
from nesa_collab.db import Base, Database
from nesa_collab.flags.models import Flag
from nesa_collab.flags.sweep import SweepResult, sweep
from nesa_collab.meetings import conferences
from nesa_collab.meetings import services as meetings
from nesa_collab.network import services as network
from nesa_collab.network.models import Collaborative, School
from nesa_collab.permissions import SYSTEM
from nesa_collab.plans import services as plans
from nesa_collab.plans import template
from nesa_collab.settings import Settings
from nesa_collab.support import claims
from nesa_collab.support.receipts import ReceiptStore
from nesa_collab.support.seed import sample_pdf

from .. import databases
from ..conftest import PASSWORD, _settings
from ..factories import Factory

ATHENS = ZoneInfo("Europe/Athens")
#: The day most tests judge.
TODAY = date(2027, 1, 11)


@dataclass(frozen=True)
class World:
    """Ids of the world's people and things (rows are read in each test's own sessions)."""

    dpl: int
    staff: int
    rania: int  # coordinator of ACS Amman
    allison: int  # coordinator of the American School of Dubai
    lena: int  # Literacy Core, term ends 10 April 2027
    lina: int  # Literacy Core until 31 July 2027
    mona: int  # Mathematics Core, term ends 28 February 2027
    omar: int  # Mathematics Core (Dubai), claims the hotel night
    sami: int  # Science Core, of the lapsed QSI Dushanbe
    member: int  # a member of Literacy, on no Core
    literacy: int
    mathematics: int
    science: int
    amman: int
    dubai: int
    lena_term: int
    sami_term: int
    plan: int
    call: int  # Literacy's Core call, 25 January 2027
    planning: int  # Mathematics' planning day, 9 February 2027
    claim: int


def _build(f: Factory, database: Database, settings: Settings) -> World:
    amman = f.school("ACS Amman", time_zone="Asia/Amman", city="Amman", country="Jordan", weekend="fri,sat")
    dubai = f.school("American School of Dubai", time_zone="Asia/Dubai", city="Dubai", country="UAE")
    dushanbe = f.school("QSI Dushanbe", time_zone="Asia/Dushanbe", city="Dushanbe", country="Tajikistan")
    literacy = f.collaborative("Literacy")
    mathematics = f.collaborative("Mathematics")
    science = f.collaborative("Science")
    dpl = f.dpl()
    staff = f.person(Role.CENTER_STAFF, name="Eleni Papadopoulou", time_zone="Europe/Athens")
    rania = f.educator(amman, Role.MEMBER, Role.SCHOOL_COORDINATOR, name="Rania Nassar")
    allison = f.educator(dubai, Role.MEMBER, Role.SCHOOL_COORDINATOR, name="Allison Brennan")
    member = f.educator(amman, name="Nadia Rahman")
    f.member(member, literacy)

    lena = f.educator(amman, name="Lena Haddad")
    lena_term = f.core_member(lena, literacy, date(2025, 4, 11), date(2027, 4, 10))
    literacy_core = [f.educator(amman, name=f"Literacy {i}") for i in range(4)]
    for p in literacy_core:
        f.core_member(p, literacy, date(2025, 8, 1), date(2027, 7, 31))
    mona = f.educator(amman, name="Mona Saleh")
    f.core_member(mona, mathematics, date(2025, 3, 1), date(2027, 2, 28))
    omar = f.educator(dubai, name="Omar Khalil")
    f.core_member(omar, mathematics, date(2025, 8, 1), date(2027, 7, 31))
    for i in range(3):
        f.core_member(f.educator(dubai, name=f"Mathematics {i}"), mathematics, date(2025, 8, 1), date(2027, 7, 31))
    sami = f.educator(dushanbe, name="Sami Aziz")
    sami_term = f.core_member(sami, science, date(2025, 8, 1), date(2027, 7, 31))
    for i in range(4):
        f.core_member(f.educator(dubai, name=f"Science {i}"), science, date(2025, 8, 1), date(2027, 7, 31))

    with database.transaction() as db:
        network.lapse_school(db, SYSTEM, db.get(School, dushanbe.id), date(2026, 10, 1))
        template.save_template(db, SYSTEM, [{"key": k, "title": k.capitalize(), "kind": kind} for k, kind in (
            ("purpose", "free_text"), ("goals", "goals"), ("offerings", "offerings"), ("milestones", "milestones"),
            ("impact", "evidence"), ("norms", "norms"))])
        plan = plans.create_plan(db, SYSTEM, db.get(Collaborative, literacy.id), title="Literacy plan", first_year=2025,
                                 last_year=2026, settings=settings,
                                 at=datetime(2026, 1, 20, 10, 0, tzinfo=ATHENS))
        call = meetings.create_meeting(db, SYSTEM, db.get(Collaborative, literacy.id), title="Literacy Core call",
                                       mode="virtual", time_zone="Asia/Amman", starts=datetime(2027, 1, 25, 16, 0),
                                       ends=datetime(2027, 1, 25, 17, 0), join_url="https://meet.example.org/lit")
        meetings.publish_meeting(db, SYSTEM, call)
        conferences.create_conference(db, SYSTEM, name="Winter Institute", starts_on=date(2027, 2, 10),
                                      ends_on=date(2027, 2, 12), city="Dubai", country="UAE", time_zone="Asia/Dubai",
                                      hotel="Creek Hotel", featured=[mathematics.slug], slug="winter-2027",
                                      hotel_night_cap="150.00", hotel_cap_currency="USD")
        planning = meetings.create_meeting(db, SYSTEM, db.get(Collaborative, mathematics.id),
                                           title="Mathematics planning day", mode="face_to_face",
                                           time_zone="Asia/Dubai", starts=datetime(2027, 2, 9, 9, 0),
                                           ends=datetime(2027, 2, 9, 15, 0), place="Creek Hotel",
                                           conference="winter-2027")
        meetings.publish_meeting(db, SYSTEM, planning)
        db.flush()
        ids = {"plan": plan.id, "call": call.id, "planning": planning.id}
    clock.freeze(datetime(2027, 2, 15, 10, 0, tzinfo=ATHENS))
    try:
        with database.transaction() as db:
            claim = claims.submit_claim(db, SYSTEM, db.get(type(planning), planning.id), night_on=date(2027, 2, 8),
                                        amount="120.00", currency="USD", receipt=sample_pdf("Creek Hotel"),
                                        receipt_name="creek.pdf", store=ReceiptStore.of(settings),
                                        claimant=db.get(Person, omar.id))
            db.flush()
            ids["claim"] = claim.id
    finally:
        clock.freeze(None)
    return World(dpl=dpl.id, staff=staff.id, rania=rania.id, allison=allison.id, lena=lena.id,
                 lina=literacy_core[0].id, mona=mona.id, omar=omar.id, sami=sami.id, member=member.id,
                 literacy=literacy.id, mathematics=mathematics.id, science=science.id, amman=amman.id,
                 dubai=dubai.id, lena_term=lena_term.id, sami_term=sami_term.id, **ids)


@pytest.fixture(scope="session")
def flags_template(tmp_path_factory, template_db):
    """The world, built once (its receipts in a folder every copy shares)."""
    folder = tmp_path_factory.mktemp("flags-world")
    url = databases.clone(template_db, folder, "flags")
    settings = _settings(url, folder / "receipts")
    database = Database(url)
    try:
        world = _build(Factory(database, settings, PASSWORD), database, settings)
    finally:
        database.dispose()
    yield url, folder / "receipts", world
    databases.drop(url)


@pytest.fixture
def world(flags_template) -> World:
    return flags_template[2]


@pytest.fixture
def settings(flags_template, tmp_path):
    """The suite's settings, on a copy of the flags world."""
    url, receipts, _ = flags_template
    copy = databases.clone(url, tmp_path, "flags")
    yield _settings(copy, receipts)
    databases.drop(copy)


@pytest.fixture
def swept(database, settings):
    """``swept(day)``: sweep the network judging ``day`` (committed); the result."""

    def run(day: date) -> SweepResult:
        with database.transaction() as db:
            return sweep(db, day, settings)

    return run


@pytest.fixture
def open_flags(database):
    """``open_flags()``: the open flags' keys."""

    def read() -> set[str]:
        with database.transaction() as db:
            return set(db.scalars(select(Flag.key).where(Flag.cleared_at.is_(None))))

    return read


@pytest.fixture
def act(database):
    """``act(person_id, fn, *args, **kw)``: call a service as the person (None: the system) judging
    ``TODAY``, in one committed transaction, with fresh copies of the rows passed."""

    def run(person_id, fn, *args, today: date = TODAY, **kw):
        with database.transaction() as db:
            actor = load_actor(db, db.get(Person, person_id), today) if person_id is not None else SYSTEM
            args = [db.get(type(a), a.id) if isinstance(a, Base) else a for a in args]
            result = fn(db, actor, *args, **kw)
            db.flush()
            return result

    return run


def flag_of(db, key: str) -> Flag:
    return db.scalar(select(Flag).where(Flag.key == key).order_by(Flag.id.desc()).limit(1))
