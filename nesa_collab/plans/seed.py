"""Load the plan template and the demo plans, updates and proposals from ``seed_data/``
(``plan_template.yaml``, ``plans.yaml``). Idempotent; dates in ``plans.yaml`` are relative to the
day the seed runs. Runs after the Cores loader, so milestone owners are current Core members.
Each step is recorded on its day by who did it: the Director saved the template and reviews; the
Core member who wrote a revision started, saved and submitted it (see ``network.seed.told_on``)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..permissions import Actor
from ..auth.models import Person
from ..auth.services import find_by_email
from ..clock import today as clock_today
from ..cores.services import load_actor
from ..dates import school_year_of
from ..network.models import Collaborative
from ..network.seed import SETUP_DAYS_AGO, acting, read_yaml, the_director, told_on
from ..settings import Settings
from . import posts, services, template
from .content import EvidenceInput, GoalInput, MilestoneInput, OfferingInput, PlanContent
from .models import Plan, PlanTemplate, Post


def _person(db: Session, email: str | None) -> Person | None:
    return find_by_email(db, email) if email else None


def _writer(db: Session, email: str | None, collab: Collaborative, on, director: Actor) -> Actor:
    """P4: who wrote a revision or an update on day ``on``: the person named, when a Core member of
    ``collab`` then (else the Director, who may edit any plan)."""
    person = _person(db, email)
    return acting(load_actor(db, person, on) if person else None, "plan.edit", collab, director)


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
    director = the_director(db)
    template_file = seed_dir / "plan_template.yaml"
    if template_file.exists() and db.scalar(select(PlanTemplate.id).limit(1)) is None:
        data = read_yaml(template_file)
        saved = on - timedelta(days=SETUP_DAYS_AGO)
        with told_on(saved, settings):
            template.save_template(db, director, data["sections"], data.get("summary", ""),
                                   at=services.at_day(saved, settings))
        counts["plan templates"] += 1
        db.flush()
    path = seed_dir / "plans.yaml"
    if not path.exists():
        return counts
    data = read_yaml(path)
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
        day = on - timedelta(days=revs[0]["days_ago"])
        start = services.at_day(day, settings, 9)
        with told_on(day, settings, 9):
            plan = services.create_plan(db, _writer(db, revs[0].get("author"), collab, day, director), collab,
                                        title=row["title"], first_year=first, last_year=last, settings=settings,
                                        summary="Started from the template", at=start)
        plan.created_at = start
        counts["plans"] += 1
        core = services.plan_for_editing(db, director, plan, on).core
        content: dict[str, Any] = {}
        author = None
        for rev_spec in revs:
            content.update(_content(rev_spec.get("set", {}), year0, core, on))
            day = on - timedelta(days=rev_spec["days_ago"])
            author = rev_spec.get("author")
            with told_on(day, settings):
                services.save_plan(db, _writer(db, author, collab, day, director), plan, PlanContent(**content),
                                   rev_spec["summary"], on, at=services.at_day(day, settings),
                                   author=_person(db, author))
            counts["plan revisions"] += 1
        for step in row.get("review", []):
            day = on - timedelta(days=step["days_ago"])
            at = services.at_day(day, settings, 15)
            with told_on(day, settings, 15):
                if step["action"] == "submitted":  # by whoever wrote the latest revision
                    services.submit_plan(db, _writer(db, author, collab, day, director), plan, at=at)
                elif step["action"] == "accepted":
                    services.accept_plan(db, director, plan, step.get("comment", ""), at=at)
                else:
                    services.return_plan(db, director, plan, step["comment"], at=at)
            db.flush()
        db.flush()
    for row in data.get("posts", []):
        collab = collabs.get(row["collaborative"])
        if collab is None or db.scalar(select(Post.id).where(Post.collaborative_id == collab.id,
                                                             Post.title == row["title"])):
            continue
        day = on - timedelta(days=row["days_ago"])
        person = _person(db, row.get("author"))
        writer = load_actor(db, person, day) if person else None
        with told_on(day, settings, 11):
            post = posts.create_post(db, acting(writer, "post.create", collab, director), collab, kind=row["kind"],
                                     title=row["title"], body=row["body"], at=services.at_day(day, settings, 11),
                                     author=person)
        if row.get("answer"):
            day = on - timedelta(days=row["answer_days_ago"])
            with told_on(day, settings, 16):
                posts.answer_proposal(db, director, post, row["answer"], row["note"],
                                      at=services.at_day(day, settings, 16))
        counts["updates and proposals"] += 1
    db.flush()
    return counts
