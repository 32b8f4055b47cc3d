"""A1: changes are recorded with who, when, what, before and after, and cannot be edited."""

from __future__ import annotations


import pytest
from sqlalchemy import select

from nesa_collab.audit.models import AuditEntry
from nesa_collab.auth.models import Role

from ..conftest import post_form


def test_a1_role_changes_are_recorded_with_before_and_after(factory, as_, database):
    dpl = factory.dpl()
    school = factory.school()
    teacher = factory.educator(school, name="Rania Nassar")
    r = post_form(as_(dpl), f"/people/{teacher.id}/edit", {
        "name": "Rania Nassar", "email": teacher.email, "school_id": str(school.id),
        "roles": ["member", "school_coordinator"]})
    assert r.status_code == 303
    with database.transaction() as db:
        entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "person.roles"))
        assert entry.actor_id == dpl.id and entry.subject_id == teacher.id
        assert entry.before["roles"] == ["member"]
        assert entry.after["roles"] == ["member", "school_coordinator"]
        assert entry.at is not None


def test_a1_entries_cannot_be_edited_or_deleted(factory, database):
    factory.school()
    with database.session(write=True) as db:
        entry = db.scalar(select(AuditEntry))
        entry.summary = "rewritten"
        with pytest.raises(PermissionError, match="A1"):
            db.commit()
        db.rollback()
        db.delete(db.scalar(select(AuditEntry)))
        with pytest.raises(PermissionError, match="A1"):
            db.commit()
        db.rollback()
    with database.session(write=False) as db:
        assert db.scalar(select(AuditEntry)).summary != "rewritten"


def test_a1_log_filters_by_person_collaborative_and_date(factory, as_, database):
    dpl = factory.dpl()
    lit = factory.collaborative("Literacy")
    math = factory.collaborative("Math")
    d = as_(dpl)
    post_form(d, f"/collaboratives/{lit.slug}/norms/edit", {"text": "Literacy norms"})
    post_form(d, f"/collaboratives/{math.slug}/norms/edit", {"text": "Math norms"})
    page = d.get("/audit", params={"collaborative": lit.id, "person": dpl.id})
    summaries = [e.summary for e in page.context["page"].items]
    assert summaries == ["Updated the norms of Literacy"]
    assert d.get("/audit", params={"to": "2000-01-01"}).context["page"].items == []
    api = d.get("/api/v1/audit", params={"collaborative": math.id, "person": dpl.id})
    assert [e["summary"] for e in api.json()["items"]] == ["Updated the norms of Math"]


def test_a1_only_the_dpl_reads_the_log(factory, as_):
    for role in (Role.EXECUTIVE_DIRECTOR, Role.CENTER_STAFF):
        assert as_(factory.person(role)).get("/audit").status_code == 403


def test_a1_a_date_filter_that_is_not_a_date_is_reported(factory, as_):
    page = as_(factory.dpl()).get("/audit", params={"from": "31/12/2026"})
    assert page.status_code == 200 and "not a date" in page.text and page.context["errors"]["from"]
