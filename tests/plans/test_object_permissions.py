"""P4, M4 on the thing acted upon: a Core member of another collaborative may start, revise and
submit only their own Cores' plans and read and write only their own Cores' updates and proposals
(the services refuse, on the pages and in the API); the Executive Director and the PDAC oversee but
write nothing in plans."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from nesa_collab.audit.models import AuditEntry
from nesa_collab.auth.models import Role
from nesa_collab.permissions import SYSTEM
from nesa_collab.errors import PermissionDenied
from nesa_collab.network.models import Collaborative
from nesa_collab.plans import posts, services
from nesa_collab.plans.models import Plan, PlanReview, PlanRevision, PlanTemplate, Post

from ..conftest import post_form
from .conftest import SECTIONS, TODAY, typed

PLAN_FORM = {"title": "Taken over", "summary": "Mine now", "first_year": "2026", "last_year": "2027",
             "text_purpose": "Changed"}


def counts(database):
    with database.transaction() as db:
        return tuple(db.scalar(select(func.count()).select_from(m))
                     for m in (Plan, PlanRevision, PlanReview, PlanTemplate, Post, AuditEntry))


@pytest.fixture
def other(world, factory):
    """A Core member of the Math collaborative (not of the world's Literacy collaborative)."""
    math = factory.collaborative("Math")
    person = factory.educator(name="Samir Aziz")
    factory.core_member(person, math, date(2025, 8, 1), date(2027, 7, 31), today=date(2025, 7, 1))
    return person


@pytest.fixture
def proposal_id(world):
    with world.database.transaction() as db:
        post = posts.create_post(db, SYSTEM, db.get(Collaborative, world.collab.id), kind="proposal",
                                 title="A virtual institute", body="Two evenings.")
        db.flush()
        return post.id


def test_p4_a_core_member_of_another_collaborative_cannot_open_or_save_its_plans_edit_page(world, other, as_):
    plan_id = world.new_plan()
    before = counts(world.database)
    client = as_(other)
    assert client.get(f"/plans/{plan_id}/edit").status_code == 403
    assert post_form(client, f"/plans/{plan_id}/edit", PLAN_FORM).status_code == 403
    assert counts(world.database) == before
    with world.database.transaction() as db:
        assert db.get(Plan, plan_id).title == "Literacy plan"


def test_p4_the_edit_service_itself_refuses_a_core_member_of_another_collaborative(world, other):
    plan_id = world.new_plan()
    with world.database.transaction() as db:
        plan, actor = db.get(Plan, plan_id), world.actor(db, other)
        with pytest.raises(PermissionDenied):
            services.plan_for_editing(db, actor, plan, TODAY)
        with pytest.raises(PermissionDenied):
            services.save_plan(db, actor, plan, typed(title="Taken over"), "Mine now", TODAY)
        with pytest.raises(PermissionDenied):
            services.submit_plan(db, actor, plan)
        with pytest.raises(PermissionDenied):
            services.new_plan(db, actor, plan.collaborative, TODAY, world.settings)


def test_p4_a_core_member_of_another_collaborative_cannot_submit_its_plan(world, other, as_, factory):
    plan_id = world.new_plan()
    token = {"Authorization": f"Bearer {factory.token(other)}"}
    before = counts(world.database)
    assert post_form(as_(other), f"/plans/{plan_id}/submit").status_code == 403
    assert as_().post(f"/api/v1/plans/{plan_id}/submit", headers=token).status_code == 403
    r = as_().put(f"/api/v1/plans/{plan_id}", headers=token, json={"summary": "Mine", "title": "Taken over"})
    assert r.status_code == 403
    assert counts(world.database) == before
    with world.database.transaction() as db:
        assert db.get(Plan, plan_id).status == "draft"


def test_p1_a_core_member_of_another_collaborative_cannot_start_its_plan(world, other, as_, factory):
    slug = world.collab.slug
    client = as_(other)
    token = {"Authorization": f"Bearer {factory.token(other)}"}
    before = counts(world.database)
    assert client.get(f"/collaboratives/{slug}/plans/new").status_code == 403
    form = {"title": "Literacy plan", "first_year": "2026", "last_year": "2027"}
    assert post_form(client, f"/collaboratives/{slug}/plans/new", form).status_code == 403
    r = as_().post(f"/api/v1/collaboratives/{slug}/plans", headers=token,
                   json={"title": "Literacy plan", "first_year": 2026, "last_year": 2027})
    assert r.status_code == 403
    assert counts(world.database) == before


def test_m4_a_core_member_of_another_collaborative_cannot_read_or_write_its_posts(world, other, as_, factory,
                                                                                 proposal_id):
    slug = world.collab.slug
    client = as_(other)
    token = {"Authorization": f"Bearer {factory.token(other)}"}
    before = counts(world.database)
    assert client.get(f"/collaboratives/{slug}/posts").status_code == 403
    assert client.get(f"/collaboratives/{slug}/posts/new").status_code == 403
    form = {"kind": "update", "title": "From Math", "body": "Not ours to say."}
    assert post_form(client, f"/collaboratives/{slug}/posts/new", form).status_code == 403
    assert as_().get(f"/api/v1/collaboratives/{slug}/posts", headers=token).status_code == 403
    assert as_().post(f"/api/v1/collaboratives/{slug}/posts", headers=token, json=form).status_code == 403
    assert counts(world.database) == before
    with world.database.transaction() as db:
        actor, collab = world.actor(db, other), db.get(Collaborative, world.collab.id)
        with pytest.raises(PermissionDenied):
            posts.posts_query(actor, collab)
        with pytest.raises(PermissionDenied):
            posts.new_post_form(actor, collab, "update")


@pytest.mark.parametrize("role", [Role.EXECUTIVE_DIRECTOR, Role.PDAC])
def test_p4_m4_the_executive_director_and_the_pdac_write_nothing_in_plans(world, factory, as_, role, proposal_id):
    person = factory.educator(None, Role.MEMBER, role) if role == Role.PDAC else factory.person(role)
    plan_id = world.new_plan()
    with world.database.transaction() as db:
        services.submit_plan(db, SYSTEM, db.get(Plan, plan_id))
    slug = world.collab.slug
    client = as_(person)
    token = {"Authorization": f"Bearer {factory.token(person)}"}
    before = counts(world.database)
    pages = [
        ("GET", f"/plans/{plan_id}/edit", None), ("POST", f"/plans/{plan_id}/edit", PLAN_FORM),
        ("POST", f"/plans/{plan_id}/submit", {}), ("POST", f"/plans/{plan_id}/review", {"decision": "accept"}),
        ("GET", "/plans/template/edit", None),
        ("POST", "/plans/template/edit", {"section_title": [s["title"] for s in SECTIONS],
                                          "section_kind": [s["kind"] for s in SECTIONS], "summary": "Mine"}),
        ("GET", f"/collaboratives/{slug}/plans/new", None),
        ("POST", f"/collaboratives/{slug}/plans/new", {"title": "P", "first_year": "2028", "last_year": "2029"}),
        ("GET", f"/collaboratives/{slug}/posts/new", None),
        ("POST", f"/collaboratives/{slug}/posts/new", {"kind": "update", "title": "Hi", "body": "News"}),
        ("GET", f"/posts/{proposal_id}/answer", None),
        ("POST", f"/posts/{proposal_id}/answer", {"decision": "accepted", "note": "Yes."}),
    ]
    for method, url, data in pages:
        r = client.get(url) if method == "GET" else post_form(client, url, data)
        assert r.status_code == 403, f"{role} {method} {url}: {r.status_code}"
    apis = [
        ("PUT", f"/api/v1/plans/{plan_id}", {"summary": "Mine", "title": "Taken over"}),
        ("POST", f"/api/v1/plans/{plan_id}/submit", {}), ("POST", f"/api/v1/plans/{plan_id}/accept", {}),
        ("POST", f"/api/v1/plans/{plan_id}/return", {"comment": "No."}),
        ("PUT", "/api/v1/plan-template", {"sections": SECTIONS, "summary": "Mine"}),
        ("POST", f"/api/v1/collaboratives/{slug}/plans", {"title": "P", "first_year": 2028, "last_year": 2029}),
        ("POST", f"/api/v1/collaboratives/{slug}/posts", {"kind": "update", "title": "Hi", "body": "News"}),
        ("POST", f"/api/v1/posts/{proposal_id}/answer", {"decision": "accepted", "note": "Yes."}),
    ]
    for method, url, body in apis:
        r = as_().request(method, url, headers=token, json=body)
        assert r.status_code == 403, f"{role} {method} {url}: {r.status_code}"
    assert counts(world.database) == before
    # they still read plans and every Core's proposals (M4)
    assert client.get(f"/plans/{plan_id}").status_code == 200
    assert "A virtual institute" in client.get("/plans/inbox").text
