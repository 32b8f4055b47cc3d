"""Who sees and acts on which flag: the policies (``flag.view``, ``flag.acknowledge``) and their SQL
(``visible_flags``, ``acting_on``) agree; "waiting for you" lists what each person must act on, each
with the page where it is fixed, in a fixed number of queries."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from nesa_collab.auth.models import Person
from nesa_collab.cores.services import load_actor
from nesa_collab.flags import services
from nesa_collab.flags.models import Flag, FlagRule
from nesa_collab.permissions import SYSTEM, can

from .conftest import TODAY

#: A later day, on which F2, F3 (Mathematics is short) and F6 (the claim is 31 days old) hold too.
LATER = date(2027, 3, 18)


def _actors(db, world, today=TODAY):
    return {name: load_actor(db, db.get(Person, getattr(world, name)), today)
            for name in ("dpl", "staff", "rania", "allison", "lina", "omar", "member", "sami")}


def test_the_sql_of_who_sees_and_acts_agrees_with_the_policies(world, swept, database):
    swept(TODAY)
    swept(LATER)  # the flags of both days: those of the first cleared, the others open
    with database.transaction() as db:
        flags = db.scalars(select(Flag)).all()
        assert {f.rule for f in flags} == set(FlagRule)
        for name, actor in _actors(db, world, LATER).items():
            seen = set(db.scalars(select(Flag.id).where(services.visible_flags(actor))))
            acting = set(db.scalars(select(Flag.id).where(services.acting_on(actor))))
            assert seen == {f.id for f in flags if can(actor, "flag.view", f)}, name
            if actor.is_dpl:
                assert acting == {f.id for f in flags if f.rule != FlagRule.F5}
            else:
                assert acting == {f.id for f in flags if can(actor, "flag.acknowledge", f)}, name
            assert acting <= seen


def test_waiting_for_you_lists_what_each_person_must_act_on_with_where_to_fix_it(world, swept, database):
    swept(LATER)
    with database.transaction() as db:
        actors = _actors(db, world, LATER)

        def waiting(name):
            return [(i.flag.rule, i.link.route if i.link else None)
                    for i in services.open_flags_for(db, actors[name], limit=50)]

        assert {rule for rule, _ in waiting("dpl")} == {"F1", "F2", "F3", "F4", "F6", "F8"}
        assert ("F6", "claim") in waiting("staff") and {r for r, _ in waiting("staff")} == {"F6"}
        assert set(waiting("lina")) == {("F4", "plan")}  # their Core's plan (F5: the call is past)
        assert set(waiting("omar")) == {("F4", "new_plan")}  # Mathematics has no plan: start one
        assert waiting("member") == [] and services.open_flags_for(db, None) == []
        dpl = services.open_flags_for(db, actors["dpl"], limit=50)
        routes = {(i.flag.rule, i.flag.condition): (i.link.route, i.link.params) for i in dpl}
        assert routes[("F1", "ending")] == ("core", {"slug": "literacy"})
        assert routes[("F2", "vacancy")] == ("core", {"slug": "mathematics"})
        assert routes[("F8", "school")] == ("core", {"slug": "science"})
        assert routes[("F6", "decision")] == ("claim", {"claim_id": world.claim})
        # Most urgent first: the soonest dated fact, then the undated ones.
        dated = [i.flag.about_on for i in dpl if i.flag.about_on is not None]
        assert dated == sorted(dated) and dpl[-1].flag.about_on is None
        assert services.count_open_flags_for(db, actors["dpl"]) == len(dpl)
        assert len(services.open_flags_for(db, actors["dpl"], limit=3)) == 3


def test_a_coordinator_is_waited_for_by_the_schools_pending_obligations(world, swept, database):
    swept(TODAY)
    with database.transaction() as db:
        items = services.open_flags_for(db, _actors(db, world)["allison"], limit=50)
        assert {(i.flag.rule, i.link.route, i.link.params["school"]) for i in items} == {
            ("F7", "school_obligations", "american-school-of-dubai")}
        assert all("American School of Dubai has not yet answered" in i.flag.message for i in items)


def test_waiting_for_you_takes_three_queries_whatever_the_number_of_flags(world, swept, database, count_queries):
    swept(LATER)
    with database.transaction() as db:
        actors = _actors(db, world, LATER)
        for actor in actors.values():
            with count_queries() as counter:
                services.open_flags_for(db, actor, limit=50)
            assert counter.count <= 3


def test_the_system_acts_on_every_flag(world, swept, database):
    swept(TODAY)
    with database.transaction() as db:
        total = len(db.scalars(select(Flag.id)).all())
        assert len(services.open_flags_for(db, SYSTEM, limit=500)) == total
