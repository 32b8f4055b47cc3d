"""C6, C9, C10, F1–F3, F8: the Cores' stored standings (``cores.standing_store``) agree with
``standings_query`` computed live after every kind of change the services make — an appointment, an
early end, a reappointment, a candidacy, a school move, a school's lapse, a collaborative retired, the
date moving past a term's end — and two sessions refreshing at once both succeed."""

from __future__ import annotations

import threading
from datetime import date, timedelta

from sqlalchemy import select

from nesa_collab.auth.services import update_person
from nesa_collab.cores import services as cores
from nesa_collab.cores.models import Appointment
from nesa_collab.cores.standing import standings_query
from nesa_collab.cores.standing_store import STANDING_COLUMNS, CoreStanding, ensure_fresh, stored_query
from nesa_collab.network import services as network
from nesa_collab.network.models import Collaborative, School
from nesa_collab.auth.models import Person
from nesa_collab.permissions import SYSTEM

DAY = date(2026, 11, 27)


def _agree(database, day: date = DAY) -> dict[int, dict]:
    """The stored standings (refreshed as a page refreshes them) equal the live ones, Core by Core."""
    with database.session(write=False) as db:
        ensure_fresh(db, day)
        stored = {r.collaborative_id: dict(r._mapping) for r in db.execute(stored_query(day))}
        live = {r.collaborative_id: {k: r._mapping[k] for k in ("collaborative_id", *STANDING_COLUMNS)}
                for r in db.execute(standings_query(day))}
    assert stored == live
    return stored


def _consulted(day: date) -> list[cores.ConsultationInput]:
    return [cores.ConsultationInput("executive_director", day - timedelta(days=20), "email"),
            cores.ConsultationInput("pdac", day - timedelta(days=10), "meeting")]


def test_c6_f1_f8_the_stored_standings_agree_with_the_live_ones_after_every_kind_of_change(factory, database):
    dpl = factory.dpl()
    school, other = factory.school("ACS Amman"), factory.school("AES New Delhi")
    literacy, maths = factory.collaborative("Literacy"), factory.collaborative("Mathematics")
    lit = [factory.educator(school) for _ in range(5)]
    terms = [factory.core_member(p, literacy, date(2025, 8, 1), date(2027, 7, 31)) for p in lit]
    for p in [factory.educator(other) for _ in range(4)]:
        factory.core_member(p, maths, date(2025, 8, 1), date(2028, 7, 31))
    newcomer, candidate = factory.educator(other), factory.educator(other)

    before = _agree(database)
    assert before[maths.id]["f3_under"] == 1 and before[literacy.id]["s0"] == 5

    with database.transaction() as db:  # an appointment: Mathematics back to strength
        cores.appoint(db, SYSTEM, db.get(Collaborative, maths.id), db.get(Person, newcomer.id), starts_on=DAY,
                      ends_on=date(2028, 11, 26), consultations=_consulted(DAY), today=DAY)
    assert _agree(database)[maths.id]["f3_under"] == 0

    with database.transaction() as db:  # an early end: Literacy falls under strength
        cores.end_early(db, SYSTEM, db.get(Appointment, terms[0].id), ended_on=DAY - timedelta(days=1),
                        reason="resignation")
    after_end = _agree(database)
    assert after_end[literacy.id]["s0"] == 4 and after_end[literacy.id]["f3_under"] == 1

    with database.transaction() as db:  # a reappointment: one term of Literacy continues
        cores.reappoint(db, SYSTEM, db.get(Appointment, terms[1].id), ends_on=date(2029, 7, 31),
                        consultations=_consulted(DAY), today=DAY)
    assert _agree(database)[literacy.id]["ending_year"] == after_end[literacy.id]["ending_year"] - 1

    with database.transaction() as db:  # a candidacy, then its withdrawal
        actor = cores.load_actor(db, db.get(Person, dpl.id), DAY)
        candidacy = cores.nominate(db, actor, db.get(Collaborative, literacy.id), db.get(Person, candidate.id),
                                   "Ten years of reading workshops.", DAY)
    assert _agree(database)[literacy.id]["candidates"] == 1
    with database.transaction() as db:
        cores.withdraw(db, SYSTEM, db.get(type(candidacy), candidacy.id))
    assert _agree(database)[literacy.id]["candidates"] == 0

    with database.transaction() as db:  # C10: a Literacy member moves school
        update_person(db, SYSTEM, db.get(Person, lit[2].id), today=DAY, school_id=other.id)
    assert _agree(database)[literacy.id]["school_changes"] == 1

    with database.transaction() as db:  # C10: a Mathematics member's school lapses
        network.lapse_school(db, SYSTEM, db.get(School, other.id), DAY)
    lapsed = _agree(database)
    assert lapsed[maths.id]["f8_school"] == 1 and lapsed[literacy.id]["school_changes"] == 1

    with database.transaction() as db:  # K1: a retired collaborative has no standing
        network.set_collaborative_status(db, SYSTEM, db.get(Collaborative, maths.id), "retire", DAY)
    assert maths.id not in _agree(database)

    later = _agree(database, date(2027, 8, 1))  # the date moves past Literacy's terms' end
    assert later[literacy.id]["s0"] == 1 and later[literacy.id]["f2_vacant"] == 1
    with database.session(write=False) as db:
        # every Core in service was judged again for the new day (a retired one's last row, if kept,
        # is never read)
        assert set(db.scalars(select(CoreStanding.collaborative_id)
                              .where(CoreStanding.as_of != date(2027, 8, 1)))) <= {maths.id}


def test_f1_f3_two_sessions_refreshing_the_stored_standings_at_once_both_succeed(factory, database):
    school = factory.school()
    collabs = [factory.collaborative() for _ in range(3)]
    for c in collabs:
        for p in [factory.educator(school) for _ in range(2)]:
            factory.core_member(p, c, date(2025, 8, 1), date(2027, 7, 31))
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def refresh(write: bool) -> None:
        try:
            with database.session(write=write) as db:
                if not write:  # a page has read before it asks (its snapshot is open); an action waits
                    db.execute(select(School.id)).all()  # for the write lock at its first statement
                start.wait(10)
                ensure_fresh(db, DAY)
                db.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=refresh, args=(write,)) for write in (False, False, True, True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    stored = _agree(database)
    assert set(stored) == {c.id for c in collabs} and all(s["f3_under"] == 1 for s in stored.values())
