"""P3: comparing two revisions shows exactly what changed, section by section."""

from __future__ import annotations

from datetime import date

from nesa_collab.plans import services
from nesa_collab.plans.diff import compare
from nesa_collab.plans.models import Plan

from .conftest import TODAY, typed


def test_p3_comparison_shows_the_right_changes(world):
    plan_id = world.new_plan()
    first = {"texts": {"purpose": "Students read with understanding.\nEvery grade."},
             "goals": [{"statement": "Decode fluently"}],
             "offerings": [{"school_year": 2026, "kind": "conference_strand", "title": "Phonics strand"}],
             "milestones": [{"title": "Rubric", "due_on": date(2026, 10, 1), "owner_id": world.core.id}],
             "evidence": []}
    second = {**first,
              "texts": {"purpose": "Students read with deep understanding.\nEvery grade."},
              "offerings": first["offerings"] + [{"school_year": 2027, "kind": "institute", "title": "Writing institute"}],
              "milestones": [{"title": "Rubric", "due_on": date(2026, 10, 1), "owner_id": world.core.id,
                              "is_done": True}]}
    with world.database.transaction() as db:
        plan = db.get(Plan, plan_id)
        a = services.save_plan(db, world.actor(db, world.core), plan, typed(first), "First content", TODAY)
        b = services.save_plan(db, world.actor(db, world.core), plan, typed(second), "Institute added", TODAY)
        sections = {s.key: s for s in compare(a.content, b.content)}

    assert {k for k, s in sections.items() if s.changed} == {"purpose", "offerings", "milestones"}
    purpose = sections["purpose"]
    assert [(r.tag, r.left, r.right) for r in purpose.rows] == [
        ("replace", "Students read with understanding.", "Students read with deep understanding."),
        ("equal", "Every grade.", "Every grade.")]
    # exactly the inserted word is marked, on the right only
    assert str(purpose.rows[0].right_html) == "Students read with <ins>deep </ins>understanding."
    assert str(purpose.rows[0].left_html) == "Students read with understanding."
    assert sections["offerings"].added == ["2027–28 · Institute: Writing institute"]
    assert sections["offerings"].removed == []
    assert sections["milestones"].removed == ["[ ] Rubric — due 2026-10-01 — Omar Khalil"]
    assert sections["milestones"].added == ["[x] Rubric — due 2026-10-01 — Omar Khalil — done 2026-11-27"]
    assert not sections["goals"].changed


def test_p3_revisions_are_compared_side_by_side_in_the_page_and_the_api(world, as_, factory):
    plan_id = world.new_plan()
    with world.database.transaction() as db:
        plan = db.get(Plan, plan_id)
        services.save_plan(db, world.actor(db, world.core), plan,
                           typed(texts={"purpose": "Old <b>purpose</b>"}), "One", TODAY)
        services.save_plan(db, world.actor(db, world.core), plan,
                           typed(texts={"purpose": "New <b>purpose</b>"}), "Two", TODAY)
    client = as_(world.dpl)
    r = client.get(f"/plans/{plan_id}/compare?old=2&new=3")
    assert r.status_code == 200
    assert "<del>Old</del>" in r.text and "<ins>New</ins>" in r.text
    assert "&lt;b&gt;purpose&lt;/b&gt;" in r.text  # content is escaped
    r = client.get(f"/api/v1/plans/{plan_id}/compare?old=2&new=3")
    body = r.json()
    changed = [s for s in body["sections"] if s["changed"]]
    assert [s["key"] for s in changed] == ["purpose"]
    assert changed[0]["rows"] == [{"tag": "replace", "left": "Old <b>purpose</b>", "right": "New <b>purpose</b>"}]
