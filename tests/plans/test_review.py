"""P3/P4: revisions and the review workflow, including the refusals that write nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from nesa_collab.permissions import SYSTEM
from nesa_collab.audit.models import AuditEntry
from nesa_collab.errors import DomainError, PermissionDenied
from nesa_collab.plans import posts, services, template
from nesa_collab.plans.models import Plan, PlanRevision, PlanReview

from ..conftest import post_form
from .conftest import SECTIONS, TODAY, typed


def counts(database):
    with database.transaction() as db:
        return tuple(db.scalar(select(func.count()).select_from(m)) for m in (PlanRevision, PlanReview, AuditEntry))


def content(**over):
    base = {"texts": {"purpose": "Students read with understanding."},
            "goals": [{"statement": "Every child decodes fluently", "student_learning": "Early reading"}],
            "offerings": [{"school_year": 2026, "kind": "conference_strand", "title": "Phonics strand"}],
            "milestones": [], "evidence": []}
    return typed(base | over)


def test_p1_a_plan_covers_at_least_two_school_years(world):
    with pytest.raises(DomainError, match="P1: a plan covers at least two school years"):
        world.new_plan(2026, 2026)


def test_p1_plans_of_a_collaborative_do_not_share_school_years(world):
    world.new_plan(2025, 2026)
    with pytest.raises(DomainError, match="P1: .* already has a plan for 2025–26 to 2026–27"):
        world.new_plan(2026, 2027)
    world.new_plan(2027, 2028)  # the next plan


def test_p2_a_plan_records_its_template_version_and_starts_from_the_norms(world):
    plan_id = world.new_plan()
    with world.database.transaction() as db:
        template.save_template(db, SYSTEM, [{**s, "title": "Why"} if s["key"] == "purpose" else s
                                          for s in reversed(SECTIONS)], "reordered")
    with world.database.transaction() as db:
        plan = db.get(Plan, plan_id)
        assert plan.template.version == 1
        assert [s.key for s in plan.template.sections][:2] == ["purpose", "goals"]
        assert template.current_template(db, SYSTEM).version == 2


def test_p3_every_save_is_a_revision_with_author_time_and_summary(world):
    plan_id = world.new_plan()
    with world.database.transaction() as db:
        plan = db.get(Plan, plan_id)
        rev = services.save_plan(db, world.actor(db, world.core2), plan, content(), "Added goals", TODAY)
        assert (rev.number, rev.author_id, rev.summary) == (2, world.core2.id, "Added goals")
        assert rev.content["goals"][0]["statement"] == "Every child decodes fluently"
        assert plan.last_revised_at == rev.created_at
        with pytest.raises(DomainError, match="P3: nothing changed"):
            services.save_plan(db, world.actor(db, world.core2), plan, content(), "Again", TODAY)


def test_p2_a_milestone_owner_must_be_a_current_core_member(world):
    plan_id = world.new_plan()
    before = counts(world.database)
    with pytest.raises(DomainError) as exc, world.database.transaction() as db:
        services.save_plan(db, world.actor(db, world.core), db.get(Plan, plan_id),
                           content(milestones=[{"title": "Rubric", "due_on": date(2027, 1, 15),
                                                "owner_id": world.member.id}]), "Milestones", TODAY)
    assert exc.value.rule == "P2" and exc.value.field == "milestones.0.owner_id"
    assert counts(world.database) == before
    with world.database.transaction() as db:
        rev = services.save_plan(db, world.actor(db, world.core), db.get(Plan, plan_id),
                                 content(milestones=[{"title": "Rubric", "due_on": date(2027, 1, 15),
                                                      "owner_id": world.core2.id}]), "Milestones", TODAY)
        assert rev.content["milestones"][0]["owner_name"] == "Layla Haddad"


def test_p4_a_member_not_on_the_core_cannot_edit_and_nothing_is_written(world, as_):
    plan_id = world.new_plan()
    before = counts(world.database)
    with pytest.raises(PermissionDenied), world.database.transaction() as db:
        services.save_plan(db, world.actor(db, world.member), db.get(Plan, plan_id), content(), "Mine", TODAY)
    assert counts(world.database) == before
    # through the page too: refused, and nothing written
    client = as_(world.member)
    r = post_form(client, f"/plans/{plan_id}/edit", {"summary": "Mine", "text_purpose": "Changed"})
    assert r.status_code == 403
    r = post_form(client, f"/plans/{plan_id}/submit")
    assert r.status_code == 403
    assert counts(world.database) == before
    with world.database.transaction() as db:
        assert db.get(Plan, plan_id).texts.get("purpose") is None


def test_p4_accepting_a_draft_never_submitted_is_refused_and_nothing_is_written(world, as_):
    plan_id = world.new_plan()
    before = counts(world.database)
    with pytest.raises(DomainError, match="P4: only a submitted plan can be accepted; this one is draft"), \
            world.database.transaction() as db:
        services.accept_plan(db, world.actor(db, world.dpl), db.get(Plan, plan_id))
    r = post_form(as_(world.dpl), f"/plans/{plan_id}/review", {"decision": "accept"})
    assert r.status_code == 422 and "only a submitted plan can be accepted" in r.text
    assert counts(world.database) == before
    with world.database.transaction() as db:
        assert db.get(Plan, plan_id).status == "draft"


def test_p4_only_the_dpl_reviews(world):
    plan_id = world.new_plan()
    with world.database.transaction() as db:
        services.submit_plan(db, world.actor(db, world.core), db.get(Plan, plan_id))
    for person in (world.core, world.director):
        with pytest.raises(PermissionDenied), world.database.transaction() as db:
            services.accept_plan(db, world.actor(db, person), db.get(Plan, plan_id))


def test_p4_draft_submitted_returned_revised_submitted_accepted(world):
    plan_id = world.new_plan()
    with world.database.transaction() as db:
        plan = db.get(Plan, plan_id)
        services.save_plan(db, world.actor(db, world.core), plan, content(), "Goals and offerings", TODAY)
        services.submit_plan(db, world.actor(db, world.core), plan)
        assert plan.status == "submitted"
        with pytest.raises(DomainError, match="P4: the plan is with the DPL"):
            services.save_plan(db, world.actor(db, world.core), plan, content(goals=[]), "No goals", TODAY)
    with world.database.transaction() as db:
        plan = db.get(Plan, plan_id)
        with pytest.raises(DomainError, match="P4: say what the Core should change"):
            services.return_plan(db, world.actor(db, world.dpl), plan, "  ")
        services.return_plan(db, world.actor(db, world.dpl), plan, "Add evidence of impact.")
        assert (plan.status, plan.review_comment) == ("returned", "Add evidence of impact.")
        with pytest.raises(DomainError, match="P4: only a submitted plan can be accepted; this one is returned"):
            services.accept_plan(db, world.actor(db, world.dpl), plan)
        services.save_plan(db, world.actor(db, world.core), plan,
                           content(evidence=[{"indicator": "Fluency checks rise", "source": "School data"}]),
                           "Evidence of impact", TODAY)
        assert plan.status == "draft"
        services.submit_plan(db, world.actor(db, world.core), plan)
        services.accept_plan(db, world.actor(db, world.dpl), plan, "Thank you.")
        assert (plan.status, plan.accepted_revision) == ("accepted", 3)
        actions = [r.action for r in services.reviews(db, SYSTEM, plan)]
        assert actions == ["accepted", "submitted", "returned", "submitted"]
        audit = [a for (a,) in db.execute(select(AuditEntry.action).where(AuditEntry.subject_type == "Plan")
                                          .order_by(AuditEntry.id))]
        assert audit == ["plan.create", "plan.revise", "plan.submit", "plan.return", "plan.revise", "plan.submit",
                         "plan.accept"]
        last = db.scalar(select(AuditEntry).where(AuditEntry.action == "plan.revise").order_by(AuditEntry.id.desc()))
        assert last.before["status"] == "returned" and last.after["status"] == "draft"
        assert last.after["evidence"] == [{"indicator": "Fluency checks rise", "source": "School data"}]


def test_m4_updates_and_proposals_reach_the_dpl_oldest_first_and_are_answered(world):
    from datetime import datetime, timezone

    from nesa_collab.network.models import Collaborative

    with world.database.transaction() as db:
        collab = db.get(Collaborative, world.collab.id)
        core = world.actor(db, world.core)
        posts.create_post(db, core, collab, kind="proposal", title="Later", body="b",
                             at=datetime(2026, 11, 20, tzinfo=timezone.utc))
        posts.create_post(db, core, collab, kind="proposal", title="Earlier", body="b",
                             at=datetime(2026, 11, 1, tzinfo=timezone.utc))
        posts.create_post(db, core, collab, kind="update", title="News", body="b")
        with pytest.raises(PermissionDenied):
            posts.create_post(db, world.actor(db, world.member), collab, kind="update", title="x", body="y")
    with world.database.transaction() as db:
        inbox = posts.open_proposals(db, SYSTEM)
        assert [p.title for p in inbox] == ["Earlier", "Later"]
        with pytest.raises(DomainError, match="M4: add a note"):
            posts.answer_proposal(db, world.actor(db, world.dpl), inbox[0], "accepted", "")
        posts.answer_proposal(db, world.actor(db, world.dpl), inbox[0], "accepted", "Yes, go ahead.")
        with pytest.raises(DomainError, match="M4: this proposal was already accepted"):
            posts.answer_proposal(db, world.actor(db, world.dpl), inbox[0], "declined", "No")
        with pytest.raises(PermissionDenied):
            posts.answer_proposal(db, world.actor(db, world.core), inbox[1], "accepted", "ok")
    with world.database.transaction() as db:
        assert [p.title for p in posts.open_proposals(db, SYSTEM)] == ["Later"]
