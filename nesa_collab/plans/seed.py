"""Load the plan template and the demo plans, updates and proposals from ``seed_data/``
(``plan_template.yaml``, ``plans.yaml``). Idempotent; dates in ``plans.yaml`` are relative to the
day the seed runs. Runs after the Cores loader, so milestone owners are current Core members."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..permissions import SYSTEM
from ..auth.models import Person, PersonRole, Role
from ..auth.services import find_by_email
from ..clock import today as clock_today
from ..dates import school_year_of
from ..network.models import Collaborative
from ..network.seed import read_yaml
from ..settings import Settings
from . import posts, services, template
from .content import EvidenceInput, GoalInput, MilestoneInput, OfferingInput, PlanContent
from .models import Plan, PlanReview, PlanTemplate, Post


def _person(db: Session, email: str | None) -> Person | None:
    return find_by_email(db, email) if email else None


def _content(spec: dict[str, Any], year0: int, core: list[Person], on) -> dict[str, Any]:
    """A revision's changes from the YAML's relative form, as the parts of a ``PlanContent``."""
    out: dict[str, Any] = {}
    if "texts" in spec:
        out["texts"] = dict(spec["texts"])
    if "goals" in spec:
        out["goals"] = [GoalInput(g["statement"], g.get("student_learning", "")) for g in spec["goals"]]
    if "evidence" in spec:
        out["evidence"] = [EvidenceInput(e["indicator"], e.get("source", "")) for e in spec["evidence"]]
    if "offerings" in spec:
        out["offerings"] = [OfferingInput(year0 + o["year"], o["kind"], o["title"], o.get("description", ""))
                            for o in spec["offerings"]]
    if "milestones" in spec:
        out["milestones"] = [MilestoneInput(m["title"], on + timedelta(days=m["due"]),
                                            owner_id=core[m["owner"] % len(core)].id if core and "owner" in m else None,
                                            is_done=bool(m.get("done")),
                                            done_on=on + timedelta(days=min(m["due"], 0)) if m.get("done") else None)
                             for m in spec["milestones"]]
    return out


def load_plans(db: Session, seed_dir: Path, settings: Settings) -> dict[str, int]:
    counts = {"plan templates": 0, "plans": 0, "plan revisions": 0, "updates and proposals": 0}
    on = clock_today(settings.tz)
    template_file = seed_dir / "plan_template.yaml"
    if template_file.exists() and db.scalar(select(PlanTemplate.id).limit(1)) is None:
        data = read_yaml(template_file)
        template.save_template(db, SYSTEM, data["sections"], data.get("summary", ""),
                               at=services.at_day(on - timedelta(days=900), settings))
        counts["plan templates"] += 1
        db.flush()
    path = seed_dir / "plans.yaml"
    if not path.exists():
        return counts
    data = read_yaml(path)
    dpl = db.scalar(select(Person).join(PersonRole, PersonRole.person_id == Person.id)
                    .where(PersonRole.role == Role.DPL).order_by(Person.id).limit(1))
    year0 = school_year_of(on, settings.school_year_start_month).start_year
    collabs = {c.slug: c for c in db.scalars(select(Collaborative))}
    for row in data.get("plans", []):
        collab = collabs.get(row["collaborative"])
        if collab is None:
            continue
        first, last = year0 + row["years"][0], year0 + row["years"][1]
        if db.scalar(select(Plan.id).where(Plan.collaborative_id == collab.id, Plan.first_year == first)):
            continue
        revs = row["revisions"]
        start = services.at_day(on - timedelta(days=revs[0]["days_ago"]), settings, 9)
        plan = services.create_plan(db, SYSTEM, collab, title=row["title"], first_year=first, last_year=last,
                                    settings=settings, summary="Started from the template", at=start)
        plan.created_at = start
        counts["plans"] += 1
        core = services.plan_for_editing(db, SYSTEM, plan, on).core
        content: dict[str, Any] = {}
        for rev_spec in revs:
            content.update(_content(rev_spec.get("set", {}), year0, core, on))
            at = services.at_day(on - timedelta(days=rev_spec["days_ago"]), settings)
            services.save_plan(db, SYSTEM, plan, PlanContent(**content), rev_spec["summary"], on, at=at,
                               author=_person(db, rev_spec.get("author")))
            counts["plan revisions"] += 1
        for step in row.get("review", []):
            at = services.at_day(on - timedelta(days=step["days_ago"]), settings, 15)
            if step["action"] == "submitted":
                services.submit_plan(db, SYSTEM, plan, at=at)
            elif step["action"] == "accepted":
                services.accept_plan(db, SYSTEM, plan, step.get("comment", ""), at=at)
            else:
                services.return_plan(db, SYSTEM, plan, step["comment"], at=at)
            db.flush()
            if dpl is not None and step["action"] != "submitted":
                review = db.scalar(select(PlanReview).where(PlanReview.plan_id == plan.id)
                                   .order_by(PlanReview.id.desc()).limit(1))
                review.actor_id = dpl.id
        db.flush()
    for row in data.get("posts", []):
        collab = collabs.get(row["collaborative"])
        if collab is None or db.scalar(select(Post.id).where(Post.collaborative_id == collab.id,
                                                             Post.title == row["title"])):
            continue
        post = posts.create_post(db, SYSTEM, collab, kind=row["kind"], title=row["title"], body=row["body"],
                                    at=services.at_day(on - timedelta(days=row["days_ago"]), settings, 11),
                                    author=_person(db, row.get("author")))
        if row.get("answer"):
            posts.answer_proposal(db, SYSTEM, post, row["answer"], row["note"],
                                     at=services.at_day(on - timedelta(days=row["answer_days_ago"]), settings, 16))
            post.answered_by_id = dpl.id if dpl else None
        counts["updates and proposals"] += 1
    db.flush()
    return counts
