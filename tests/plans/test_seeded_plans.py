"""The demo plans (seed_data/plans.yaml) are in the states the file promises, on a fixed day."""

from __future__ import annotations

from datetime import date, datetime, timezone

from nesa_collab import clock
from nesa_collab.permissions import SYSTEM
from nesa_collab.plans import services, standings as plan_standings
from nesa_collab.db import Database

SEED_TODAY = date(2026, 11, 27)


def test_p5_seeded_plans_are_current_overdue_stale_and_missing_as_promised(seeded):
    world, settings = seeded  # loaded on 27 November 2026
    clock.freeze(datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc))
    database = Database(world.url)
    with database.session(write=False) as db:
        shown = services.overview(db, SYSTEM, SEED_TODAY, settings, plan_standings.Filters(), per_page=100)
        standings = {s.collaborative.slug: s for s in shown.items}

        def conditions(slug):
            return [r.condition for r in standings[slug].reasons]

        # literacy: the current plan, accepted at its latest revision, up to date
        literacy = standings["literacy"]
        assert literacy.plan is not None and literacy.plan.status == "accepted"
        assert literacy.plan.accepted_revision == services.latest_number(
            db, SYSTEM, services.get_plan(db, SYSTEM, literacy.plan.id))
        assert conditions("literacy") == []
        # math: accepted, two milestones overdue and nothing else
        assert standings["math"].plan.status == "accepted"
        assert conditions("math") == ["overdue"]
        assert standings["math"].reasons[0].message.startswith("2 milestones are overdue and not done")
        # science: accepted but not revised for 13 months
        assert standings["science"].plan.status == "accepted"
        assert conditions("science") == ["stale"]
        # scenario 6: early childhood is stale and has two overdue milestones
        assert conditions("early-childhood") == ["stale", "overdue"]
        assert "2 milestones are overdue" in str(standings["early-childhood"].reasons[1])
        # counselors: an active collaborative with no plan
        assert standings["counselors"].collaborative.status == "active"
        assert standings["counselors"].plan is None and conditions("counselors") == ["no_plan"]
        # and the review states the other demo plans stand for
        assert standings["world-languages"].plan.status == "submitted"
        assert standings["middle-school-principals"].plan.status == "returned"
        assert standings["coaches"].next_plan is not None
