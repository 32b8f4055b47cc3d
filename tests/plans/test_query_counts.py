"""Queries for the plan pages and the DPL's dashboard panel must not grow with the data (no N+1)."""

from __future__ import annotations

from datetime import date

from nesa_collab.permissions import SYSTEM
from nesa_collab.network.models import Collaborative
from nesa_collab.plans import posts as plan_posts, services
from nesa_collab.plans.models import Plan

from ..test_query_counts import measure
from .conftest import TODAY, typed


def add_plan(world, factory, collab=None, milestones: int = 2, revisions: int = 1, posts: int = 1, owner=None):
    collab = collab or factory.collaborative()
    with world.database.transaction() as db:
        c = db.get(Collaborative, collab.id)
        plan = services.create_plan(db, SYSTEM, c, title="Plan", first_year=2025, last_year=2026,
                                    settings=world.settings)
        for n in range(revisions):
            services.save_plan(db, SYSTEM, plan, typed({
                "texts": {"purpose": f"Version {n}"},
                "goals": [{"statement": f"Goal {i}"} for i in range(milestones)],
                "offerings": [{"school_year": 2025, "kind": "institute", "title": f"O{i}"} for i in range(milestones)],
                "milestones": [{"title": f"M{i}", "due_on": date(2026, 1, 1 + i), "owner_id": owner}
                               for i in range(milestones)],
                "evidence": [{"indicator": f"E{i}"} for i in range(milestones)]}), f"Revision {n}", TODAY)
        for i in range(posts):
            plan_posts.create_post(db, SYSTEM, c, kind="proposal", title=f"P{i}", body="b")
        return plan.id


def review(world, plan_id: int, comment: str) -> None:
    """The Core submits and the DPL returns the plan (a review row pointing at a revision)."""
    with world.database.transaction() as db:
        plan = db.get(Plan, plan_id)
        services.submit_plan(db, SYSTEM, plan)
        services.return_plan(db, SYSTEM, plan, comment)


def test_plan_pages_and_dashboard_panel_queries_do_not_grow(world, factory, as_, count_queries):
    # Milestones with owners from the start, so both measurements load the same kinds of rows.
    plan_id = add_plan(world, factory, world.collab, owner=world.core.id)
    review(world, plan_id, "Add evidence.")
    dpl, core = as_(world.dpl), as_(world.core)
    slug = world.collab.slug
    urls = [(dpl, "/"), (dpl, f"/plans/{plan_id}"), (core, f"/plans/{plan_id}"), (dpl, "/plans"),
            (dpl, f"/collaboratives/{slug}/plan"), (dpl, "/plans/inbox"), (core, "/plans/inbox"), (core, "/"),
            (dpl, f"/plans/{plan_id}/revisions"), (dpl, f"/plans/{plan_id}/compare"), (dpl, f"/collaboratives/{slug}"),
            (dpl, "/api/v1/plans"), (dpl, f"/plans/{plan_id}/print"), (core, f"/plans/{plan_id}/edit"),
            (dpl, f"/plans/{plan_id}/export.md"), (dpl, f"/collaboratives/{slug}/posts"), (core, f"/collaboratives/{slug}/posts"),
            (dpl, "/api/v1/posts"), (dpl, f"/api/v1/plans/{plan_id}/revisions"), (dpl, f"/api/v1/plans/{plan_id}")]
    small = [measure(count_queries, c, u) for c, u in urls]

    for _ in range(4):
        add_plan(world, factory, milestones=5, revisions=3, posts=3)
    with world.database.transaction() as db:
        plan = db.get(Plan, plan_id)
        services.save_plan(db, SYSTEM, plan, typed({
            "texts": {"purpose": "Bigger"},
            "goals": [{"statement": f"Goal {i}"} for i in range(6)],
            "offerings": [{"school_year": 2026, "kind": "institute", "title": f"O{i}"} for i in range(6)],
            "milestones": [{"title": f"M{i}", "due_on": date(2026, 1, 1 + i), "owner_id": world.core.id}
                           for i in range(6)],
            "evidence": [{"indicator": f"E{i}"} for i in range(6)]}), "More of everything", TODAY)
        for i in range(4):
            plan_posts.create_post(db, SYSTEM, plan.collaborative, kind="update", title=f"U{i}", body="b")
    review(world, plan_id, "More evidence.")
    with world.database.transaction() as db:
        services.save_plan(db, SYSTEM, db.get(Plan, plan_id), typed(texts={"purpose": "Biggest"}), "Again", TODAY)
    review(world, plan_id, "Nearly there.")
    with world.database.transaction() as db:  # the reviewed revisions drop out of the page's latest 8
        for i in range(8):
            services.save_plan(db, SYSTEM, db.get(Plan, plan_id), typed(texts={"purpose": f"Later {i}"}), "On", TODAY)
    large = [measure(count_queries, c, u) for c, u in urls]
    assert large == small, list(zip([u for _, u in urls], small, large))
