"""Who sees and acts on which flag: the policies (``flag.view``, ``flag.acknowledge``) and their SQL
(``visible_flags``, ``acting_on``) agree; "waiting for you" lists what each person must act on, each
with the page where it is fixed, in a fixed number of queries."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from nesa_collab.auth.models import Person
from nesa_collab.cores.services import load_actor
from nesa_collab.flags import digest as flags_digest
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
        # Home: each flag of a rule with few, one line for a rule with more (the flags page lists them).
        per_rule = {}
        for i in dpl:
            per_rule[i.flag.rule] = per_rule.get(i.flag.rule, 0) + 1
        home = services.waiting_for(db, actors["dpl"], per_rule=1)
        assert any(n > 1 for n in per_rule.values())
        assert {(g.rule, g.count) for g in home if isinstance(g, services.RuleGroup)} == {
            (rule, n) for rule, n in per_rule.items() if n > 1}
        assert sorted(i.flag.id for i in home if isinstance(i, services.FlagItem)) == sorted(
            i.flag.id for i in dpl if per_rule[i.flag.rule] == 1)
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


def test_the_digest_tells_each_person_the_flags_they_must_act_on(world, swept, database):
    swept(TODAY)
    swept(LATER)
    with database.transaction() as db:
        everyone = flags_digest.flags_to_act_on(db, LATER, None)
        for name, actor in _actors(db, world, LATER).items():
            acting = services.open_flags_for(db, actor, limit=500)
            expected = sorted((i.flag.sentence, i.link.path if i.link else "/flags") for i in acting)
            assert sorted((d.title, d.path) for d in everyone.get(actor.id, [])) == expected, name
        assert everyone[world.dpl] and world.member not in everyone
        # One person's digest (the /digest page) reads only theirs, and the same.
        assert flags_digest.flags_to_act_on(db, LATER, [world.staff]) == {world.staff: everyone[world.staff]}
        assert flags_digest.flags_to_act_on(db, LATER, [world.member]) == {}


def test_a_rule_with_many_flags_is_summed_up_in_the_digest(world, swept, database, monkeypatch):
    swept(LATER)
    monkeypatch.setattr(flags_digest, "PER_RULE", 1)
    with database.transaction() as db:
        items = flags_digest.flags_to_act_on(db, LATER, [world.dpl])[world.dpl]
        rules = [i.flag.rule for i in services.open_flags_for(db, _actors(db, world, LATER)["dpl"], limit=500)]
    many = sorted({r for r in rules if rules.count(r) > 1})
    assert many, rules
    more = [i for i in items if i.title.startswith("and ")]
    assert sorted((i.title, i.path) for i in more) == [(f"and {rules.count(r) - 1} more {r} flags", f"/flags?rule={r}")
                                                 for r in many]


def test_the_paths_flags_link_to_are_the_apps(settings):
    from nesa_collab.app import create_app

    app = create_app(settings.with_(scheduler="off"))
    params = {"plan_id": 7, "slug": "literacy", "meeting_id": 8, "claim_id": 9, "school": "acs-amman"}
    for route, path in services.PATHS.items():
        needed = {k: v for k, v in params.items() if "{" + k + "}" in path}
        assert app.url_path_for(route, **needed) == path.format(**needed), route
