"""Scenario 6 through the pages: a Core member drafts, revises and submits; the DPL compares,
returns, accepts; the out-of-date badge shows its reasons and clears. Print, export and the API."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

from nesa_collab.permissions import SYSTEM
from nesa_collab import clock
from nesa_collab.plans import services, template
from nesa_collab.plans.models import Plan

from ..conftest import post_form
from .conftest import SECTIONS, TODAY, typed


def test_p1_to_p5_a_core_member_drafts_revises_submits_and_the_dpl_reviews(world, as_):
    core, dpl = as_(world.core), as_(world.dpl)
    slug = world.collab.slug
    # no plan yet: P5 on the collaborative's page and the DPL's dashboard
    assert "has no plan" in dpl.get(f"/collaboratives/{slug}/plan").text
    home = dpl.get("/").text
    assert "Plans out of date" in home and "Literacy is active and has no plan" in home

    r = post_form(core, f"/collaboratives/{slug}/plans/new", {"title": "Literacy plan", "first_year": "2026",
                                                            "last_year": "2026"})
    assert r.status_code == 422 and "P1: a plan covers at least two school years" in r.text
    r = post_form(core, f"/collaboratives/{slug}/plans/new", {"title": "Literacy plan", "first_year": "2026",
                                                            "last_year": "2027"})
    assert r.status_code == 303
    plan_id = int(re.search(r"/plans/(\d+)", r.headers["location"]).group(1))

    edit = core.get(f"/plans/{plan_id}/edit").text
    assert "Why this plan" in edit  # the template's guidance
    form = {"title": "Literacy plan", "summary": "Goals and milestones", "first_year": "2026", "last_year": "2027",
            "text_purpose": "Every student reads.", "text_norms": "We start on time.",
            "goal_statement": ["Decode fluently", ""], "goal_student_learning": ["Early reading", ""],
            "offering_school_year": ["2026", "2026"], "offering_kind": ["institute", "conference_strand"],
            "offering_title": ["Writing institute", ""], "offering_description": ["", ""],
            "milestone_id": ["", ""], "milestone_title": ["Rubric", ""],
            "milestone_owner_id": [str(world.member.id), ""], "milestone_due_on": ["2026-11-20", ""],
            "evidence_indicator": ["", ""], "evidence_source": ["", ""]}
    r = post_form(core, f"/plans/{plan_id}/edit", form)
    assert r.status_code == 422
    assert 'id="milestones.0.owner_id-error"' in r.text and "current Core member" in r.text
    form["milestone_owner_id"] = [str(world.core2.id), ""]
    r = post_form(core, f"/plans/{plan_id}/edit", form)
    assert r.status_code == 303, r.text

    page = core.get(f"/plans/{plan_id}").text
    assert "Out of date" in page and "1 milestone is overdue and not done: Rubric (due 20 November 2026)" in page
    assert "Writing institute" in page and "Layla Haddad" in page

    # the Core marks it done and submits
    form.update(summary="Rubric agreed", milestone_is_done=["0"])
    with services_plan(world, plan_id) as plan:
        form["milestone_id"] = [str(plan.milestones[0].id), ""]
    assert post_form(core, f"/plans/{plan_id}/edit", form).status_code == 303
    assert post_form(core, f"/plans/{plan_id}/submit").status_code == 303
    page = dpl.get(f"/plans/{plan_id}").text
    assert "Up to date" in page and "Review (P4)" in page

    compare = dpl.get(f"/plans/{plan_id}/compare?old=2&new=3").text
    assert "1 of 7 sections changed: Milestones" in compare

    r = post_form(dpl, f"/plans/{plan_id}/review", {"decision": "return", "comment": ""})
    assert r.status_code == 422 and "say what the Core should change" in r.text
    assert post_form(dpl, f"/plans/{plan_id}/review",
                     {"decision": "return", "comment": "Add evidence of impact."}).status_code == 303
    assert "Add evidence of impact." in core.get(f"/plans/{plan_id}").text
    history = core.get(f"/plans/{plan_id}").text
    history = history[history.index("Review history"):]
    assert re.search(r"by [^<(]+ \(revision \d+\): Add evidence of impact\.", history), history[:600]
    form.update(summary="Evidence", evidence_indicator=["Fluency rises", ""], evidence_source=["Data", ""])
    assert post_form(core, f"/plans/{plan_id}/edit", form).status_code == 303
    assert post_form(core, f"/plans/{plan_id}/submit").status_code == 303
    assert post_form(dpl, f"/plans/{plan_id}/review", {"decision": "accept"}).status_code == 303
    with services_plan(world, plan_id) as plan:
        assert (plan.status, plan.accepted_revision) == ("accepted", 4)

    # print, export, the collaborative's panel
    assert "Writing institute" in core.get(f"/plans/{plan_id}/print").text
    md = core.get(f"/plans/{plan_id}/export.md")
    assert md.headers["content-type"].startswith("text/markdown")
    assert "attachment" in md.headers["content-disposition"]
    assert "# Literacy plan" in md.text and "| Rubric | Layla Haddad | 2026-11-20 | 2026-11-27 |" in md.text
    assert "Up to date" in dpl.get(f"/collaboratives/{slug}").text

    # a year on, nobody has revised it: stale, on the page and the dashboard
    clock.freeze(datetime(2027, 11, 27, 9, 0, tzinfo=timezone.utc))
    home = as_(world.dpl).get("/").text  # signed in afresh: sessions last two weeks
    assert "no revision in 12 months (last revised 27 November 2026)" in home


class services_plan:
    def __init__(self, world, plan_id):
        self.world, self.plan_id = world, plan_id

    def __enter__(self):
        self._cm = self.world.database.transaction()
        db = self._cm.__enter__()
        return db.get(Plan, self.plan_id)

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)


def test_m4_core_posts_a_proposal_and_the_dpl_answers_it_in_the_inbox(world, as_):
    core, dpl, member = as_(world.core), as_(world.dpl), as_(world.member)
    slug = world.collab.slug
    assert member.get(f"/collaboratives/{slug}/posts/new").status_code == 403
    r = post_form(core, f"/collaboratives/{slug}/posts/new", {"kind": "proposal", "title": "A virtual institute",
                                                             "body": "Two evenings in February."})
    assert r.status_code == 303
    inbox = dpl.get("/plans/inbox").text
    assert "A virtual institute" in inbox
    post_id = int(re.search(r"/posts/(\d+)/answer", inbox).group(1))
    r = post_form(dpl, f"/posts/{post_id}/answer", {"decision": "accepted", "note": ""})
    assert r.status_code == 422
    assert post_form(dpl, f"/posts/{post_id}/answer", {"decision": "accepted", "note": "Yes."}).status_code == 303
    assert "accepted" in core.get(f"/collaboratives/{slug}/posts").text


def test_plans_api_and_openapi(world, factory, client):
    token = factory.token(world.core)
    h = {"Authorization": f"Bearer {token}"}
    r = client.post(f"/api/v1/collaboratives/{world.collab.slug}/plans", headers=h,
                    json={"title": "Plan", "first_year": 2026, "last_year": 2027})
    assert r.status_code == 201, r.text
    plan_id = r.json()["id"]
    r = client.put(f"/api/v1/plans/{plan_id}", headers=h, json={
        "summary": "Milestone", "milestones": [{"title": "Rubric", "due_on": "2026-11-01", "owner_id": world.core.id}]})
    assert r.status_code == 201 and r.json()["number"] == 2
    body = client.get(f"/api/v1/plans/{plan_id}", headers=h).json()
    assert [x["condition"] for x in body["out_of_date"]] == ["overdue"]
    r = client.post(f"/api/v1/plans/{plan_id}/accept", headers=h, json={})
    assert r.status_code == 403
    dpl = {"Authorization": f"Bearer {factory.token(world.dpl)}"}
    r = client.post(f"/api/v1/plans/{plan_id}/accept", headers=dpl, json={})
    assert r.status_code == 422 and r.json()["rule"] == "P4"
    doc = client.get("/api/v1/openapi.json").json()
    assert "/plans/{plan_id}/compare" in doc["paths"] and "PlanContentIn" in doc["components"]["schemas"]
    assert doc["paths"]["/posts/{post_id}/answer"]["post"]["x-permission"] == "proposal.answer"


def test_scenario_6_p5_keeping_the_plan_alive_through_the_pages(world, as_):
    """Scenario 6: last revised 14 months ago with two milestones overdue; the Core updates the
    milestones and the offerings, the DPL compares, returns, then accepts; the badge clears."""
    from nesa_collab.network.models import Collaborative

    from .test_save_rules import edit_form

    long_ago = datetime(2025, 9, 27, 8, 0, tzinfo=timezone.utc)
    with world.database.transaction() as db:
        plan = services.create_plan(db, SYSTEM, db.get(Collaborative, world.collab.id), title="Early years plan",
                                    first_year=2025, last_year=2026, settings=world.settings, at=long_ago)
        services.save_plan(db, SYSTEM, plan, typed({
            "offerings": [{"school_year": 2025, "kind": "institute", "title": "Play institute"}],
            "milestones": [{"title": "Observation protocol", "due_on": date(2026, 9, 1), "owner_id": world.core.id},
                           {"title": "Documentation panels", "due_on": date(2026, 10, 15),
                            "owner_id": world.core2.id}]}),
            "Milestones", TODAY, at=long_ago)
        plan_id = plan.id
    core, dpl = as_(world.core), as_(world.dpl)
    page = dpl.get(f"/collaboratives/{world.collab.slug}/plan").text
    assert "Out of date" in page
    assert "P5:</strong> no revision in 12 months (last revised 27 September 2025)" in page
    assert "P5:</strong> 2 milestones are overdue and not done: Observation protocol (due 1 September 2026); " \
           "Documentation panels (due 15 October 2026)" in page

    # the Core marks both milestones done and revises the offerings
    form = edit_form(core.get(f"/plans/{plan_id}/edit").text)
    form.update(summary=["Milestones done, next year's offering"], milestone_is_done=["0", "1"],
                offering_school_year=["2025", "2026", "2025"], offering_kind=["institute", "virtual_session", "institute"],
                offering_title=["Play institute", "Documenting thinking", ""], offering_description=["", "", ""])
    assert post_form(core, f"/plans/{plan_id}/edit", form).status_code == 303
    assert post_form(core, f"/plans/{plan_id}/submit").status_code == 303

    compare = dpl.get(f"/plans/{plan_id}/compare?old=2&new=3").text
    assert "2 of 7 sections changed: Offerings, Milestones" in compare
    assert post_form(dpl, f"/plans/{plan_id}/review",
                     {"decision": "return", "comment": "Say how impact will show."}).status_code == 303
    form = edit_form(core.get(f"/plans/{plan_id}/edit").text)
    form.update(summary=["Evidence of impact"], milestone_is_done=["0", "1"],
                evidence_indicator=["Richer talk in play", "", ""], evidence_source=["Observation notes", "", ""])
    assert post_form(core, f"/plans/{plan_id}/edit", form).status_code == 303
    # P4: the DPL's comment stays in view while the Core drafts
    page = core.get(f"/plans/{plan_id}").text
    assert "The DPL's comment when returned (revision 3):</strong> Say how impact will show." in page
    assert post_form(core, f"/plans/{plan_id}/submit").status_code == 303
    assert post_form(dpl, f"/plans/{plan_id}/review", {"decision": "accept"}).status_code == 303

    page = dpl.get(f"/collaboratives/{world.collab.slug}/plan").text
    assert "Up to date" in page and "Out of date" not in page and "overdue" not in page
    assert "Every plan is up to date." in dpl.get("/").text
    with services_plan(world, plan_id) as plan:
        assert (plan.status, plan.accepted_revision, [m.is_done for m in plan.milestones]) == ("accepted", 4,
                                                                                               [True, True])


def test_p3_the_markdown_export_shows_plain_fields_as_typed_and_sections_as_markdown_without_html(world, as_):
    plan_id = world.new_plan()
    with services_plan(world, plan_id) as plan:
        services.save_plan(plan_sess(plan), SYSTEM, plan, typed({
            "title": "Plan *for* [all]",
            "texts": {"purpose": "# A heading\n1. a list <b>x</b> under_score"},
            "milestones": [{"title": "Rubric | draft\nsecond line", "due_on": date(2027, 1, 5)}]}), "Odd text", TODAY)
    md = as_(world.core).get(f"/plans/{plan_id}/export.md").text
    assert md.startswith("# Plan \\*for\\* \\[all\\]\n")
    # Issue 12 (8): a section is written in Markdown, so it is exported as Markdown; raw HTML stays text.
    assert "\n# A heading\n1. a list \\<b>x\\</b> under_score\n" in md
    assert "| Rubric \\| draft second line | — | 2027-01-05 | no |" in md


def test_p2_plan_sections_show_as_markdown_on_the_plan_page_and_print_and_the_api_keeps_the_text(world, as_):
    plan_id = world.new_plan()
    written = "- **Every student reads.**\n- See [the rubric](https://example.org/r)\n\n<script>x()</script>"
    with services_plan(world, plan_id) as plan:
        services.save_plan(plan_sess(plan), SYSTEM, plan, typed(texts={"purpose": written}), "Purpose", TODAY)
    core = as_(world.core)
    for url in (f"/plans/{plan_id}", f"/plans/{plan_id}/print"):
        page = core.get(url).text
        assert "<li><strong>Every student reads.</strong></li>" in page, url
        assert '<a href="https://example.org/r" rel="nofollow noopener">the rubric</a>' in page, url
        assert "<script>x()" not in page and "&lt;script&gt;x()&lt;/script&gt;" in page, url
    assert core.get(f"/api/v1/plans/{plan_id}").json()["texts"]["purpose"] == written


def plan_sess(plan):
    from sqlalchemy.orm import object_session

    return object_session(plan)


def test_p2_the_dpl_saves_a_new_template_version_on_its_page_and_errors_point_at_their_row(world, as_):
    from .test_save_rules import edit_form

    dpl = as_(world.dpl)
    form = edit_form(dpl.get("/plans/template/edit").text)
    assert form["section_title"] == [s["title"] for s in SECTIONS] + ["", ""]
    # the second empty row gets guidance but no title: refused on that row, what was typed is kept
    form.update(summary=["Partners"], section_kind=[s["kind"] for s in SECTIONS] + ["free_text"] * 2,
                section_guidance=form["section_guidance"][:-1] + ["Who works with us"])
    r = post_form(dpl, "/plans/template/edit", form)
    assert r.status_code == 422 and 'id="sections.7.title-error"' in r.text and "P2: a section needs a title" in r.text
    assert "Who works with us" in r.text
    form["section_title"] = form["section_title"][:-1] + ["Partners"]
    r = post_form(dpl, "/plans/template/edit", form)
    assert r.status_code == 303 and "version 2" in dpl.get("/plans/template").text
    with world.database.transaction() as db:
        assert [s.key for s in template.current_template(db, SYSTEM).sections][-1] == "partners"


def test_p5_a_blank_draft_is_no_plan_written_yet_on_the_pages_the_api_and_f4_until_a_section_is_written(
        world, as_, settings):
    from nesa_collab.flags.rules import judge

    plan_id = world.new_plan()  # every section "Not written yet"
    dpl = as_(world.dpl)

    def f4() -> list[str]:
        with world.database.session(write=False) as db:
            return [h.message for h in judge(db, TODAY, settings).hits
                    if h.rule == "F4" and h.subject_type == "plan" and h.subject_id == plan_id]

    page = dpl.get(f"/plans/{plan_id}").text
    assert "Out of date" in page and "Up to date" not in page and "no plan written yet" in page
    assert "no plan written yet" in dpl.get(f"/collaboratives/{world.collab.slug}").text
    [line] = dpl.get("/api/v1/plans").json()["items"]
    assert [r["condition"] for r in line["out_of_date"]] == ["not_written"]
    assert "no plan written yet" in dpl.get("/").text
    assert f4() == ["F4: the Literacy plan is out of date (P5): no plan written yet: nothing is written in its "
                    "sections"]

    with services_plan(world, plan_id) as plan:
        services.save_plan(plan_sess(plan), SYSTEM, plan, typed(texts={"purpose": "Every student reads."}),
                           "Purpose", TODAY)
    page = dpl.get(f"/plans/{plan_id}").text
    assert "Up to date" in page and "no plan written yet" not in page
    assert dpl.get("/api/v1/plans").json()["items"][0]["out_of_date"] == [] and f4() == []
