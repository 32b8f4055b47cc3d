"""The home page: the directory's front door for visitors, a dashboard fitting each role's work."""

from __future__ import annotations

from sqlalchemy import func, select
from starlette.routing import Route

from .auth.models import Person, Role
from .network import services as network
from .network.models import Collaborative, Interest, InterestStatus, School
from .web import WebRequest, page

#: Functions (req) -> dict of panels that later domains (cores, plans, meetings) add to the dashboard.
dashboard_panels: list = []


def _counts(db, model, column) -> dict[str, int]:
    return dict(db.execute(select(column, func.count()).select_from(model).group_by(column)).all())


@page("public")
def home(req: WebRequest):
    if req.actor is None:
        entries = network.directory(req.db)
        return req.render("home_public.html", {"entries": entries})
    actor = req.actor
    db = req.db
    context: dict = {"memberships": network.memberships_of(db, actor.person), "panels": []}
    if actor.has(Role.DPL, Role.EXECUTIVE_DIRECTOR, Role.PDAC, Role.CENTER_STAFF):
        context["collab_counts"] = _counts(db, Collaborative, Collaborative.status)
        context["school_counts"] = _counts(db, School, School.status)
        context["open_interests"] = db.scalars(
            select(Interest).where(Interest.status == InterestStatus.OPEN)
            .order_by(Interest.created_at).limit(5)).all()
        context["people_count"] = db.scalar(select(func.count()).select_from(Person))
    if actor.has(Role.SCHOOL_COORDINATOR) and actor.person.school is not None:
        school = actor.person.school
        context["school"] = school
        context["school_collabs"] = network.school_collaboratives(db, school)
        context["school_people"] = db.scalar(select(func.count()).select_from(Person)
                                             .where(Person.school_id == school.id))
    member_ids = [m.collaborative_id for m in context["memberships"] if m.left_on is None]
    context["suggested"] = db.scalars(
        select(Collaborative).where(Collaborative.status == "active", Collaborative.id.not_in(member_ids))
        .order_by(Collaborative.name).limit(6)).all()
    context["panels"] = [panel(req) for panel in dashboard_panels]
    return req.render("home.html", context)


@page("public")
def health(req: WebRequest):
    req.db.execute(select(1))
    return req.json({"status": "ok"})


routes = [Route("/", home, name="home"), Route("/health", health, name="health")]
