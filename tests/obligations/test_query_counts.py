"""O3: the obligations pages answer in a number of queries that does not grow with what schools owe."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from nesa_collab.meetings import conferences, services as meetings
from nesa_collab.network.models import Collaborative
from nesa_collab.obligations import decisions
from nesa_collab.obligations.models import Obligation
from nesa_collab.permissions import SYSTEM

from ..test_query_counts import measure
from .conftest import going


def _grow(factory, database, act, world, n: int, day: int):
    """``n`` more collaboratives, each with an Amman Core member, a member going, a Dubai Core member,
    a conference featuring it and a planning meeting beside it; some answered, one withdrawn."""
    for i in range(n):
        collab = factory.collaborative()
        core = factory.educator(world.amman)
        member = factory.educator(world.amman)
        factory.member(member, collab)
        factory.core_member(core, collab, date(2026, 8, 1), date(2028, 7, 31))
        factory.core_member(factory.educator(world.dubai), collab, date(2026, 8, 1), date(2028, 7, 31))
        with database.transaction() as db:
            conf = conferences.create_conference(db, SYSTEM, name=f"Institute {day}-{i}", starts_on=date(2027, 5, day),
                                                 ends_on=date(2027, 5, day + 1), city="Amman", time_zone="Asia/Amman",
                                                 featured=[collab.slug])
            meeting = meetings.create_meeting(db, SYSTEM, db.get(Collaborative, collab.id), title=f"Planning {i}",
                                              mode="face_to_face", time_zone="Asia/Amman",
                                              starts=datetime(2027, 5, day - 1, 9, 0),
                                              ends=datetime(2027, 5, day - 1, 15, 0),
                                              place="Hotel", conference=conf.slug)
            meetings.publish_meeting(db, SYSTEM, meeting)
        going(act, member, meeting)
        with database.transaction() as db:
            rows = list(db.scalars(select(Obligation).where(Obligation.conference_id == conf.id,
                                                            Obligation.school_id == world.amman.id)
                                   .order_by(Obligation.id)))
        act(world.rania, decisions.confirm, rows[0])
        act(world.rania, decisions.decline, rows[1], "other", "Exams that week.")
        if i == 0:
            act(None, meetings.update_meeting, meeting, starts=datetime(2027, 5, day, 10, 0),
                ends=datetime(2027, 5, day, 16, 0))
            going(act, member, meeting, "not_going")


def test_o3_obligations_pages_do_not_grow_with_what_schools_owe(world, factory, database, act, as_, count_queries):
    rania, dpl, staff = as_(world.rania), as_(world.dpl), as_(world.staff)
    amman = world.amman.slug
    urls = [(rania, f"/schools/{amman}/obligations"), (rania, f"/schools/{amman}/obligations?status=confirmed"),
            (rania, "/"), (rania, f"/schools/{amman}"), (dpl, "/obligations"), (staff, "/obligations?status=pending"),
            (dpl, f"/obligations?school={amman}&conference=sec-2027"), (rania, f"/api/v1/schools/{amman}/obligations"),
            (dpl, "/api/v1/obligations"), (dpl, "/api/v1/obligations/counts"), (as_(world.layla), "/")]
    _grow(factory, database, act, world, 1, 3)
    small = [measure(count_queries, c, u) for c, u in urls]
    _grow(factory, database, act, world, 4, 10)
    with database.session(write=False) as db:  # the growth is real: answered, moved and withdrawn ones
        amman_rows = list(db.scalars(select(Obligation).where(Obligation.school_id == world.amman.id)))
    assert len(amman_rows) >= 17 and {o.status for o in amman_rows} == {"pending", "confirmed", "declined"}
    assert any(o.withdrawn_at for o in amman_rows) and any(o.sequence > 1 for o in amman_rows)
    large = [measure(count_queries, c, u) for c, u in urls]
    assert large == small, list(zip([u for _, u in urls], small, large))
