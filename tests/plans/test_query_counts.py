"""Queries for the plan pages and the DPL's dashboard panel must not grow with the data (no N+1), also past
500 plans (a selectinload batch) on the demo network grown by ``bench/grow.py``."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

from nesa_collab import clock
from nesa_collab.app import create_app
from nesa_collab.auth.services import find_by_email
from nesa_collab.cores.services import load_actor
from nesa_collab.db import Database
from nesa_collab.permissions import SYSTEM
from nesa_collab.network.models import Collaborative
from nesa_collab.plans import posts as plan_posts, services
from nesa_collab.plans.models import Plan

from .. import databases
from ..conftest import SEED_DAY, csrf_of
from ..test_query_counts import measure
from .conftest import TODAY, typed

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import grow  # noqa: E402 - bench/grow.py


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


def _statements(url: str, settings, paths: list[str]) -> tuple[list[int], int]:
    """Statements per GET of ``paths`` for the DPL on the network at ``url`` (the demo's day), and those
    of the plans panel of the DPL's home page on its own."""
    database = Database(url)
    app = create_app(settings, database)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    try:
        clock.freeze(SEED_DAY)
        with TestClient(app) as client:
            r = client.post("/sign-in", data={"email": "maya.haddad@nesa-demo.org", "password": "demo-password",
                                              "csrf_token": csrf_of(client)}, follow_redirects=False)
            assert r.status_code == 303
            out = []
            event.listen(database.engine, "before_cursor_execute", count)
            for path in paths:
                assert client.get(path).status_code == 200, path  # warm up
                statements.clear()
                assert client.get(path).status_code == 200, path
                out.append(len(statements))
            with database.session(write=False) as db:
                dpl = load_actor(db, find_by_email(db, "maya.haddad@nesa-demo.org"), SEED_DAY.date())
                statements.clear()
                panel = services.home_panel(db, dpl, SEED_DAY.date(), settings)
                assert panel.overseer and panel.out_of_date and len(panel.standings) <= 5
                panel_statements = len(statements)
            event.remove(database.engine, "before_cursor_execute", count)
            return out, panel_statements
    finally:
        database.dispose()


@pytest.mark.skipif(databases.ON_POSTGRES, reason="bench/grow.py grows a SQLite file")
def test_p5_plans_lists_and_the_dpl_home_take_as_many_statements_past_500_plans(seeded):
    """The plans page and API list (filtered and paged too) and the plans panel of the DPL's home page
    take the same statements on the demo network and on it grown 65 times (520 plans: past a
    selectinload batch). The whole home page's count at two sizes is the page-costs test's."""
    data, settings = seeded
    paths = ["/plans", "/api/v1/plans", "/plans?standing=out_of_date&page=2", "/api/v1/plans?status=accepted&q=Lit",
             "/plans?standing=no_plan"]
    small, small_panel = _statements(data.url, settings, paths)
    counts = grow.grow(Path(make_url(data.url).database), 65)
    assert counts["plans"] > 500 and counts["collaboratives"] > 500
    large, large_panel = _statements(data.url, settings, paths)
    assert (large, large_panel) == (small, small_panel), list(zip(paths, small, large))
