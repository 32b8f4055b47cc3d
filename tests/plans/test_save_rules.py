"""P1–P4 on saving a plan: year bounds, partial API saves, the template's sections, refusals that
write nothing, stale edits (optimistic concurrency) and refusals that name their rule."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from nesa_collab.permissions import SYSTEM
from nesa_collab.audit.models import AuditEntry
from nesa_collab.errors import DomainError
from nesa_collab.plans import services, template
from nesa_collab.plans.models import Plan, PlanGoal, PlanMilestone, PlanRevision, PlanTemplate, TemplateSection

from ..conftest import post_form
from .conftest import SECTIONS, TODAY, typed


def counts(database):
    with database.transaction() as db:
        return tuple(db.scalar(select(func.count()).select_from(m))
                     for m in (PlanRevision, PlanGoal, PlanMilestone, PlanTemplate, AuditEntry))


def full(**over):
    base = {"title": "Literacy plan", "texts": {"purpose": "Every student reads.", "norms": "We start on time."},
            "goals": [{"statement": "Decode fluently", "student_learning": "Early reading"}],
            "offerings": [{"school_year": 2026, "kind": "institute", "title": "Writing institute"}],
            "milestones": [{"title": "Rubric", "due_on": date(2027, 1, 15), "owner_id": None}],
            "evidence": [{"indicator": "Fluency rises", "source": "School data"}]}
    return typed(base | over)


def saved(world, content=None, summary="Content"):
    plan_id = world.new_plan()
    with world.database.transaction() as db:
        services.save_plan(db, world.actor(db, world.core), db.get(Plan, plan_id), content or full(), summary, TODAY)
    return plan_id


def api(factory, person):
    return {"Authorization": f"Bearer {factory.token(person)}"}


# --- P1: years ----------------------------------------------------------------------------------

@pytest.mark.parametrize("first, last, field", [(1, 9999, "first_year"), (2026, 9999, "last_year"),
                                                (1999, 2001, "first_year"), (2026, 2032, "last_year")])
def test_p1_years_outside_2000_to_2100_or_over_six_years_are_refused_on_save(world, first, last, field):
    plan_id = saved(world)
    before = counts(world.database)
    with pytest.raises(DomainError) as exc, world.database.transaction() as db:
        services.save_plan(db, world.actor(db, world.core), db.get(Plan, plan_id),
                           typed(first_year=first, last_year=last), "Years", TODAY)
    assert (exc.value.rule, exc.value.field) == ("P1", field)
    assert counts(world.database) == before


def test_p1_a_plan_is_started_for_at_most_six_school_years(world):
    with pytest.raises(DomainError, match="P1: a plan covers at most 6 school years") as exc:
        world.new_plan(2026, 2032)
    assert exc.value.field == "last_year"
    world.new_plan(2026, 2031)  # six school years


def test_p1_an_api_save_with_absurd_years_is_refused_and_every_page_still_opens(world, factory, client, as_):
    plan_id = saved(world)
    h = api(factory, world.core)
    before = counts(world.database)
    r = client.put(f"/api/v1/plans/{plan_id}", headers=h,
                   json={"summary": "Years", "first_year": 1, "last_year": 9999})
    assert r.status_code == 422 and r.json()["rule"] == "P1"
    assert [e["field"] for e in r.json()["errors"]] == ["first_year"]
    assert counts(world.database) == before
    dpl = as_(world.dpl)
    for url in ("/plans", f"/plans/{plan_id}", f"/collaboratives/{world.collab.slug}/plan", "/"):
        assert dpl.get(url).status_code == 200, url


# --- P3: a partial API save leaves the rest as it is ---------------------------------------------

def test_p3_a_partial_api_put_changes_only_what_it_sends(world, factory, client):
    plan_id = saved(world)
    h = api(factory, world.core)
    with world.database.transaction() as db:
        plan = db.get(Plan, plan_id)
        services.submit_plan(db, SYSTEM, plan)
        services.accept_plan(db, SYSTEM, plan, "Good.")
        milestone_id = plan.milestones[0].id
    # nothing but the summary and the same title: nothing changed, and the plan stays accepted
    before = counts(world.database)
    r = client.put(f"/api/v1/plans/{plan_id}", headers=h, json={"summary": "Retitle", "title": "Literacy plan"})
    assert r.status_code == 422 and r.json()["rule"] == "P3" and "nothing changed" in r.json()["detail"]
    assert counts(world.database) == before
    assert client.get(f"/api/v1/plans/{plan_id}", headers=h).json()["status"] == "accepted"

    r = client.put(f"/api/v1/plans/{plan_id}", headers=h, json={"summary": "Retitle", "title": "Reading plan"})
    assert r.status_code == 201, r.text
    body = client.get(f"/api/v1/plans/{plan_id}", headers=h).json()
    assert body["title"] == "Reading plan"
    assert body["texts"] == {"purpose": "Every student reads.", "norms": "We start on time."}
    assert [g["statement"] for g in body["goals"]] == ["Decode fluently"]
    assert [(m["id"], m["title"]) for m in body["milestones"]] == [(milestone_id, "Rubric")]
    assert [o["title"] for o in body["offerings"]] == ["Writing institute"]
    assert [e["indicator"] for e in body["evidence"]] == ["Fluency rises"]

    # one text section and one list: the others stay; the milestone is kept by its id
    r = client.put(f"/api/v1/plans/{plan_id}", headers=h, json={
        "summary": "Norms cleared, rubric done", "texts": {"norms": ""},
        "milestones": [{"id": milestone_id, "title": "Rubric", "due_on": "2027-01-15", "is_done": True}]})
    assert r.status_code == 201, r.text
    body = client.get(f"/api/v1/plans/{plan_id}", headers=h).json()
    assert body["texts"] == {"purpose": "Every student reads."}
    assert [(m["id"], m["is_done"]) for m in body["milestones"]] == [(milestone_id, True)]
    assert [g["statement"] for g in body["goals"]] == ["Decode fluently"]


def test_p2_a_milestone_id_that_is_not_this_plans_is_refused(world, factory, client):
    plan_id = saved(world)
    h = api(factory, world.core)
    before = counts(world.database)
    r = client.put(f"/api/v1/plans/{plan_id}", headers=h, json={
        "summary": "Keep", "milestones": [{"id": 987654, "title": "Rubric", "due_on": "2027-01-15"}]})
    assert r.status_code == 422 and r.json()["rule"] == "P2"
    assert r.json()["errors"][0]["field"] == "milestones.0.id"
    assert counts(world.database) == before


def test_p3_the_openapi_schema_documents_partial_saves_and_milestone_ids(client):
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    content = schemas["PlanContentIn"]
    assert "Fields left out stay as they are" in content["description"]
    assert "base_revision" in content["properties"]
    assert "give an existing milestone's `id` to keep it" in content["properties"]["milestones"]["description"]
    assert "GET /api/v1/plans/{plan_id}" in schemas["MilestoneIn"]["properties"]["id"]["description"]


# --- P2: the template's sections ------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["goals", "free_text", "offerings", "milestones", "evidence", "norms"])
def test_p2_a_template_without_one_of_the_six_sections_is_refused(world, kind):
    before = counts(world.database)
    sections = [s for s in SECTIONS if s["kind"] != kind]
    with pytest.raises(DomainError, match="P2: the template needs a section for each of") as exc, \
            world.database.transaction() as db:
        template.save_template(db, world.actor(db, world.dpl), sections, "missing one")
    assert exc.value.field == "sections"
    assert counts(world.database) == before


def test_p2_content_for_a_section_the_plans_template_lacks_is_refused(world):
    plan_id = world.new_plan()
    # a template from before P2 was enforced: no goals section
    with world.database.transaction() as db:
        old = PlanTemplate(version=99, summary="legacy", sections=[
            TemplateSection(position=1, key="purpose", title="Purpose", kind="free_text", guidance="")])
        db.add(old)
        db.flush()
        db.get(Plan, plan_id).template_id = old.id
    before = counts(world.database)
    for content, field in ((typed(goals=[{"statement": "Decode"}]), "goals"),
                           (typed(texts={"norms": "We start on time."}), "texts.norms")):
        with pytest.raises(DomainError) as exc, world.database.transaction() as db:
            services.save_plan(db, world.actor(db, world.core), db.get(Plan, plan_id), content, "Goals", TODAY)
        assert (exc.value.rule, exc.value.field) == ("P2", field)
    assert counts(world.database) == before


# --- P3: a refusal writes nothing, even for a caller that goes on --------------------------------

def test_p3_nothing_changed_writes_nothing_even_when_the_caller_catches_it(world, count_queries):
    plan_id = saved(world)
    with world.database.transaction() as db:
        plan = db.get(Plan, plan_id)
        goal_ids = [g.id for g in plan.goals]
        with count_queries() as q:
            with pytest.raises(DomainError, match="P3: nothing changed"):
                services.save_plan(db, world.actor(db, world.core), plan, full(), "Again", TODAY)
            db.flush()
        assert not db.new and not db.dirty and not db.deleted
    writes = [s for s in q.statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []
    with world.database.transaction() as db:
        assert [g.id for g in db.get(Plan, plan_id).goals] == goal_ids


# --- P3: optimistic concurrency -------------------------------------------------------------------

def test_p3_a_save_from_a_revision_that_is_no_longer_the_latest_is_refused(world, factory, client):
    plan_id = saved(world)  # revisions 1 and 2
    h = api(factory, world.core)
    before = counts(world.database)
    with pytest.raises(DomainError) as exc, world.database.transaction() as db:
        services.save_plan(db, world.actor(db, world.core), db.get(Plan, plan_id), typed(title="Other"), "Title",
                           TODAY, base_revision=1)
    assert (exc.value.rule, exc.value.field) == ("P3", "base_revision")
    assert "you started from revision 1 and the latest is revision 2" in str(exc.value)
    r = client.put(f"/api/v1/plans/{plan_id}", headers=h, json={"summary": "T", "title": "Other", "base_revision": 1})
    assert r.status_code == 422 and r.json()["rule"] == "P3" and r.json()["errors"][0]["field"] == "base_revision"
    assert counts(world.database) == before
    r = client.put(f"/api/v1/plans/{plan_id}", headers=h, json={"summary": "T", "title": "Other", "base_revision": 2})
    assert r.status_code == 201 and r.json()["number"] == 3


def edit_form(page: str) -> dict:
    """The edit form as a browser would send it unchanged (text inputs, selects, text areas)."""
    data: dict[str, list[str]] = {}
    for tag in re.findall(r"<input\b[^>]*>", page):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', tag))
        if attrs.get("type") in ("hidden", "text", "number", "date") and "name" in attrs:
            data.setdefault(attrs["name"], []).append(html.unescape(attrs.get("value", "")))
    for name, value in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', page):
        data.setdefault(name, []).append(html.unescape(value))
    for name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)"\s*selected', body) or re.search(r'<option value="([^"]*)"', body)
        data.setdefault(name, []).append(chosen.group(1) if chosen else "")
    data.pop("csrf_token", None)
    return data


def test_p3_the_edit_page_refuses_a_stale_form_links_to_the_changes_and_keeps_the_typing(world, as_):
    plan_id = saved(world)
    core, core2 = as_(world.core), as_(world.core2)
    mine = edit_form(core.get(f"/plans/{plan_id}/edit").text)
    assert mine["base_revision"] == ["2"]
    theirs = edit_form(core2.get(f"/plans/{plan_id}/edit").text)
    theirs.update(summary=["Their purpose"], text_purpose=["Every student reads and writes."])
    r = post_form(core2, f"/plans/{plan_id}/edit", theirs)
    assert r.status_code == 303, re.findall(r'class="error"[^>]*>([^<]*)', r.text)
    before = counts(world.database)

    mine.update(summary=["My title"], title=["Reading plan"])
    r = post_form(core, f"/plans/{plan_id}/edit", mine)
    assert r.status_code == 422
    assert "P3: the plan was revised since you opened it" in r.text
    assert f'/plans/{plan_id}/compare?old=2&new=3">See what changed' in r.text
    assert 'value="Reading plan"' in r.text and 'name="base_revision" value="3"' in r.text
    assert counts(world.database) == before
    # saving again from the page it showed is a deliberate choice, and goes through
    again = edit_form(r.text)
    assert post_form(core, f"/plans/{plan_id}/edit", again).status_code == 303
    with world.database.transaction() as db:
        assert db.get(Plan, plan_id).title == "Reading plan"


# --- refusals that name their rule ------------------------------------------------------------------

def test_p1_clearing_the_title_in_the_edit_form_is_refused_with_the_rule(world, as_):
    plan_id = saved(world)
    core = as_(world.core)
    form = edit_form(core.get(f"/plans/{plan_id}/edit").text)
    form.update(title=[""], summary=["No title"])
    before = counts(world.database)
    r = post_form(core, f"/plans/{plan_id}/edit", form)
    assert r.status_code == 422 and "P1: give the plan a title" in r.text and 'id="title-error"' in r.text
    assert counts(world.database) == before
    with world.database.transaction() as db:
        assert db.get(Plan, plan_id).title == "Literacy plan"


def test_p4_the_edit_page_of_a_submitted_plan_says_why_instead_of_a_form(world, as_):
    plan_id = saved(world)
    core = as_(world.core)
    assert post_form(core, f"/plans/{plan_id}/submit").status_code == 303
    r = core.get(f"/plans/{plan_id}/edit", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/plans/{plan_id}"
    page = core.get(f"/plans/{plan_id}").text
    assert "P4: the plan is with the DPL for review" in page and "Save a new revision" not in page


def test_p3_m4_refusals_that_were_schema_checks_name_their_rule_and_field(world, factory, client, proposal):
    plan_id = saved(world)
    core = {"Authorization": f"Bearer {factory.token(world.core)}"}
    dpl = {"Authorization": f"Bearer {factory.token(world.dpl)}"}
    before = counts(world.database)
    cases = [
        (core, "PUT", f"/api/v1/plans/{plan_id}", {"title": "Reading plan"}, "P3", "summary"),
        (core, "PUT", f"/api/v1/plans/{plan_id}", {"summary": "Dates", "milestones": [{"title": "Rubric"}]},
         "P2", "milestones.0.due_on"),
        (core, "POST", f"/api/v1/collaboratives/{world.collab.slug}/plans", {"first_year": 2028, "last_year": 2029},
         "P1", "title"),
        (core, "POST", f"/api/v1/collaboratives/{world.collab.slug}/posts", {"kind": "update", "body": "News"},
         "M4", "title"),
        (dpl, "POST", f"/api/v1/posts/{proposal}/answer", {"decision": "accepted", "note": ""}, "M4", "note"),
        (dpl, "POST", f"/api/v1/posts/{proposal}/answer", {"note": "Yes."}, "M4", "decision"),
        (dpl, "PUT", "/api/v1/plan-template", {"sections": []}, "P2", "sections"),
    ]
    for headers, method, url, body, rule, field in cases:
        r = client.request(method, url, headers=headers, json=body)
        assert r.status_code == 422, (url, r.text)
        problem = r.json()
        assert (problem["rule"], problem["type"]) == (rule, f"http://testserver/rules#{rule.lower()}"), (url, problem)
        assert problem["errors"] == [{"field": field, "message": problem["errors"][0]["message"], "rule": rule}]
    assert counts(world.database) == before


def test_p3_a_revision_without_a_summary_is_refused_on_the_page_with_the_rule(world, as_):
    plan_id = saved(world)
    core = as_(world.core)
    form = edit_form(core.get(f"/plans/{plan_id}/edit").text)
    form.update(title=["Reading plan"], summary=[""])
    r = post_form(core, f"/plans/{plan_id}/edit", form)
    assert r.status_code == 422 and 'id="summary-error"' in r.text and "P3: say in a few words what changed" in r.text
    assert 'value="Reading plan"' in r.text


@pytest.fixture
def proposal(world):
    from nesa_collab.network.models import Collaborative
    from nesa_collab.plans import posts

    with world.database.transaction() as db:
        post = posts.create_post(db, SYSTEM, db.get(Collaborative, world.collab.id), kind="proposal",
                                 title="An idea", body="Let us meet.")
        db.flush()
        return post.id
