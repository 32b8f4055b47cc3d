"""Pages for the directory, collaboratives, memberships, norms, interests, schools and people."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, or_, select
from starlette.routing import Route

from ..auth import services as auth_services
from ..auth.models import ROLE_LABELS, Person, Role
from ..auth.schemas import PersonIn
from ..clock import today
from ..errors import DomainError, NotFound
from ..web import WebRequest, page, paginate
from . import services
from .models import Collaborative, CollaborativeKind, Interest, School
from .schemas import (CollaborativeIn, CollaborativeUpdate, ConvertIn, DeclineIn, InterestIn, LeaveIn,
                      NormsIn, SchoolIn)

#: Pages that contribute panels to a collaborative's page (the cores and plans packages add theirs).
collaborative_panels: list = []


def _collab(req: WebRequest) -> Collaborative:
    collab = services.collaborative_by_slug(req.db, req.path_params["slug"])
    # Forming and retired collaboratives are not public.
    if not collab.is_active and req.actor is None:
        raise NotFound()
    return collab


def _today(req: WebRequest) -> date:
    return today(req.settings.tz)


# --- directory and collaborative pages ---------------------------------------------------------

@page("public")
def directory(req: WebRequest):
    """The public directory of active collaboratives (the DPL can list every status)."""
    status = req.query("status", "active")
    if status != "active" and not req.can("collaborative.manage"):
        status = "active"
    entries = services.directory(req.db, status=None if status == "all" else status,
                                 search=req.query("q"), kind=req.query("kind"))
    return req.render("network/directory.html", {
        "entries": entries, "q": req.query("q", ""), "kind": req.query("kind", ""), "status": status,
        "kinds": list(CollaborativeKind),
    })


@page("public")
def collaborative_page(req: WebRequest):
    """A collaborative: its description and link; signed in, its members, norms and actions."""
    collab = _collab(req)
    context = {"collab": collab, "members": None, "membership": None, "norms": None, "panels": []}
    context["entry"] = services.directory(req.db, status=None, only_id=collab.id)[0]
    if req.actor is not None:
        context["members"] = paginate(req.db, services.members_query(collab), 1, per_page=12)
        context["membership"] = services.current_membership(req.db, req.actor.id, collab.id)
        context["norms"] = services.current_norms(req.db, collab)
        context["panels"] = [panel(req, collab) for panel in collaborative_panels]
    return req.render("network/collaborative.html", context)


@page("signed_in")
def members(req: WebRequest):
    collab = _collab(req)
    result = paginate(req.db, services.members_query(collab, req.query("q")), req.query_int("page", 1), 50)
    return req.render("network/members.html", {"collab": collab, "page": result, "q": req.query("q", "")})


@page("membership.join")
def join(req: WebRequest):
    """K4: join with a commitment to serve two years."""
    collab = _collab(req)
    services.join(req.db, req.actor, req.person, collab, _today(req))
    return req.redirect(req.url_for("collaborative", slug=collab.slug),
                        flash=f"You joined {collab.name}. Members commit to serve at least two years.")


@page("membership.leave")
def leave(req: WebRequest):
    """K4: leave; before two years, a reason is asked for and kept."""
    collab = _collab(req)
    membership = services.current_membership(req.db, req.actor.id, collab.id) if req.actor else None
    if membership is None:
        raise NotFound()
    req.require("membership.leave", membership.person_id)
    from ..dates import earliest_two_year_end

    context = {"collab": collab, "membership": membership, "errors": {}, "form": {"reason": ""},
               "commitment_end": earliest_two_year_end(membership.joined_on), "today": _today(req)}
    if req.method == "POST":
        try:
            data = req.parse(LeaveIn)
            services.leave(req.db, req.actor, membership, _today(req), data.reason)
            return req.redirect(req.url_for("collaborative", slug=collab.slug),
                                flash=f"You left {collab.name}.")
        except DomainError as exc:
            context.update(errors=exc.field_messages(), form={"reason": req.form.get("reason", "")})
            return req.render("network/leave.html", context, 422)
    return req.render("network/leave.html", context)


@page("norms.edit")
def edit_norms(req: WebRequest):
    """K3: Core members of this collaborative and the DPL edit its norms."""
    collab = _collab(req)
    req.require("norms.edit", collab)
    current = services.current_norms(req.db, collab)
    form = {"text": current.text if current else "", "summary": ""}
    if req.method == "POST":
        try:
            data = req.parse(NormsIn)
            services.update_norms(req.db, req.actor, collab, data.text, data.summary)
            return req.redirect(req.url_for("norms_history", slug=collab.slug), flash="The norms are updated.")
        except DomainError as exc:
            form = {"text": req.form.get("text", ""), "summary": req.form.get("summary", "")}
            return req.render("network/norms_edit.html",
                              {"collab": collab, "form": form, "errors": exc.field_messages()}, 422)
    return req.render("network/norms_edit.html", {"collab": collab, "form": form, "errors": {}})


@page("signed_in")
def norms_history(req: WebRequest):
    """K3: the norms with their history of who changed what and when."""
    collab = _collab(req)
    history = services.norms_history(req.db, collab)
    return req.render("network/norms_history.html", {"collab": collab, "history": history})


# --- the DPL manages collaboratives -----------------------------------------------------------

def _collab_form(req: WebRequest, template: str, context: dict, status: int = 200):
    context.setdefault("kinds", list(CollaborativeKind))
    context.setdefault("errors", {})
    return req.render(template, context, status)


@page("collaborative.manage")
def new_collaborative(req: WebRequest):
    """K2: the DPL creates a collaborative (it starts out forming)."""
    form = {"name": "", "kind": "discipline", "description": "", "network_url": "", "slug": ""}
    if req.method == "POST":
        try:
            data = req.parse(CollaborativeIn)
            collab = services.create_collaborative(req.db, req.actor, **data.model_dump(), today=_today(req))
            return req.redirect(req.url_for("collaborative", slug=collab.slug), flash=f"{collab.name} is forming.")
        except DomainError as exc:
            form.update({k: req.form.get(k, "") for k in form})
            return _collab_form(req, "network/collaborative_form.html",
                                {"form": form, "errors": exc.field_messages(), "collab": None}, 422)
    return _collab_form(req, "network/collaborative_form.html", {"form": form, "collab": None})


@page("collaborative.manage")
def edit_collaborative(req: WebRequest):
    collab = _collab(req)
    form = {"name": collab.name, "kind": collab.kind, "description": collab.description,
            "network_url": collab.network_url or "", "slug": collab.slug}
    if req.method == "POST":
        try:
            data = req.parse(CollaborativeUpdate)
            services.update_collaborative(req.db, req.actor, collab, **data.model_dump(exclude_none=True))
            return req.redirect(req.url_for("collaborative", slug=collab.slug), flash="Saved.")
        except DomainError as exc:
            form.update({k: req.form.get(k, "") for k in form if k != "slug"})
            return _collab_form(req, "network/collaborative_form.html",
                                {"form": form, "errors": exc.field_messages(), "collab": collab}, 422)
    return _collab_form(req, "network/collaborative_form.html", {"form": form, "collab": collab})


def _change_status(req: WebRequest, action: str):
    """K2: activate or retire (after a confirmation page)."""
    collab = _collab(req)
    if req.method == "GET":
        return req.render("network/confirm_status.html", {"collab": collab, "action": action})
    try:
        services.set_collaborative_status(req.db, req.actor, collab, action, _today(req))
    except DomainError as exc:
        return req.render("network/confirm_status.html",
                          {"collab": collab, "action": action, "error": str(exc)}, 422)
    verb = "is active" if action == "activate" else "is retired"
    return req.redirect(req.url_for("collaborative", slug=collab.slug), flash=f"{collab.name} {verb}.")


@page("collaborative.manage")
def activate_collaborative(req: WebRequest):
    return _change_status(req, "activate")


@page("collaborative.manage")
def retire_collaborative(req: WebRequest):
    return _change_status(req, "retire")


# --- interests (K2) ----------------------------------------------------------------------------

@page("interest.view")
def interests(req: WebRequest):
    status = req.query("status", "open")
    result = paginate(req.db, services.interests_query(None if status == "all" else status),
                      req.query_int("page", 1), 25)
    counts = services.supporter_counts(req.db, [i.id for i in result.items])
    supported = set(req.db.scalars(
        select(services.InterestSupporter.interest_id).where(services.InterestSupporter.person_id == req.actor.id)))
    return req.render("network/interests.html", {"page": result, "counts": counts, "status": status,
                                                  "supported": supported})


@page("interest.register")
def new_interest(req: WebRequest):
    """K2: register interest in a new collaborative."""
    form = {"name": "", "kind": "discipline", "description": ""}
    if req.method == "POST":
        try:
            data = req.parse(InterestIn)
            services.register_interest(req.db, req.actor, **data.model_dump())
            return req.redirect(req.url_for("interests"),
                                flash="Thank you: your interest is registered and the Director will see it.")
        except DomainError as exc:
            form.update({k: req.form.get(k, "") for k in form})
            return req.render("network/interest_form.html",
                              {"form": form, "errors": exc.field_messages(), "kinds": list(CollaborativeKind)}, 422)
    return req.render("network/interest_form.html", {"form": form, "errors": {}, "kinds": list(CollaborativeKind)})


def _interest(req: WebRequest) -> Interest:
    return req.get_or_404(Interest, req.path_params["interest_id"])


@page("interest.register")
def support_interest(req: WebRequest):
    interest = _interest(req)
    services.support_interest(req.db, req.actor, interest)
    return req.redirect(req.url_for("interests"), flash=f"You support {interest.name}.")


@page("interest.convert")
def convert_interest(req: WebRequest):
    """K2: the DPL turns an interest into a forming collaborative."""
    interest = _interest(req)
    form = {"name": interest.name, "slug": services.slugify(interest.name),
            "description": interest.description, "network_url": ""}
    context = {"interest": interest, "form": form, "errors": {}}
    if req.method == "POST":
        try:
            data = req.parse(ConvertIn)
            collab = services.convert_interest(req.db, req.actor, interest, **data.model_dump())
            return req.redirect(req.url_for("collaborative", slug=collab.slug),
                                flash=f"{collab.name} is forming, from the interest registered by "
                                      f"{interest.proposed_by.name}.")
        except DomainError as exc:
            form.update({k: req.form.get(k, "") for k in form})
            context["errors"] = exc.field_messages()
            return req.render("network/interest_convert.html", context, 422)
    return req.render("network/interest_convert.html", context)


@page("interest.convert")
def decline_interest(req: WebRequest):
    interest = _interest(req)
    try:
        data = req.parse(DeclineIn)
        services.decline_interest(req.db, req.actor, interest, data.note)
    except DomainError as exc:
        return req.render("network/interest_convert.html",
                          {"interest": interest, "errors": exc.field_messages(),
                           "form": {"name": interest.name, "slug": "", "description": "", "network_url": ""}}, 422)
    return req.redirect(req.url_for("interests"), flash=f"Declined {interest.name}.")


# --- schools ----------------------------------------------------------------------------------

def _school(req: WebRequest) -> School:
    return req.one_or_404(select(School).where(School.slug == req.path_params["school"]))


@page("school.view")
def schools(req: WebRequest):
    result = paginate(req.db, services.schools_query(req.query("q"), req.query("status")),
                      req.query_int("page", 1), 25)
    return req.render("network/schools.html", {"page": result, "q": req.query("q", ""),
                                                "status": req.query("status", "")})


@page("school.view")
def school_page(req: WebRequest):
    school = _school(req)
    people = paginate(req.db, select(Person).where(Person.school_id == school.id).order_by(Person.name),
                      req.query_int("page", 1), 50)
    collabs = services.school_collaboratives(req.db, school)
    return req.render("network/school.html", {"school": school, "people": people, "collabs": collabs})


def _school_form(req: WebRequest, school: School | None, form: dict, errors: dict, status: int = 200):
    return req.render("network/school_form.html",
                      {"school": school, "form": form, "errors": errors, "days": services.WEEKDAYS}, status)


@page("school.manage")
def new_school(req: WebRequest):
    form = {"name": "", "city": "", "country": "", "time_zone": "", "weekend": ["sat", "sun"], "slug": ""}
    if req.method == "POST":
        try:
            data = req.parse(SchoolIn)
            school = services.create_school(req.db, req.actor, **data.model_dump())
            return req.redirect(req.url_for("school", school=school.slug), flash=f"Added {school.name}.")
        except DomainError as exc:
            form = {k: req.form.get(k, "") for k in form} | {"weekend": req.form.getlist("weekend")}
            return _school_form(req, None, form, exc.field_messages(), 422)
    return _school_form(req, None, form, {})


@page("school.manage")
def edit_school(req: WebRequest):
    school = _school(req)
    form = {"name": school.name, "city": school.city, "country": school.country,
            "time_zone": school.time_zone, "weekend": list(school.weekend_days), "slug": school.slug}
    if req.method == "POST":
        try:
            data = req.parse(SchoolIn, slug=school.slug)
            services.update_school(req.db, req.actor, school, **data.model_dump(exclude={"slug"}))
            return req.redirect(req.url_for("school", school=school.slug), flash="Saved.")
        except DomainError as exc:
            form = {k: req.form.get(k, "") for k in form} | {"weekend": req.form.getlist("weekend"),
                                                              "slug": school.slug}
            return _school_form(req, school, form, exc.field_messages(), 422)
    return _school_form(req, school, form, {})


@page("school.manage")
def lapse_school(req: WebRequest):
    """N2: lapse a school's membership (confirmation first), or reinstate it."""
    school = _school(req)
    context = {"school": school, "today": _today(req), "errors": {}}
    if req.method == "POST":
        try:
            if req.form.get("action") == "reinstate":
                services.reinstate_school(req.db, req.actor, school)
                return req.redirect(req.url_for("school", school=school.slug), flash=f"{school.name} is reinstated.")
            raw = req.form.get("lapsed_on") or context["today"].isoformat()
            try:
                on = date.fromisoformat(raw)
            except ValueError:
                raise DomainError(None, "give the date as YYYY-MM-DD", field="lapsed_on") from None
            services.lapse_school(req.db, req.actor, school, on)
            return req.redirect(req.url_for("school", school=school.slug),
                                flash=f"{school.name}'s membership lapsed.")
        except DomainError as exc:
            context["errors"] = exc.field_messages()
            return req.render("network/school_lapse.html", context, 422)
    return req.render("network/school_lapse.html", context)


# --- people -----------------------------------------------------------------------------------

def people_query(search: str | None, role: str | None, school_slug: str | None):
    stmt = select(Person).order_by(Person.name)
    if search:
        like = f"%{search.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(Person.name).like(like), func.lower(Person.email).like(like)))
    if role:
        from ..auth.models import PersonRole

        stmt = stmt.where(Person.id.in_(select(PersonRole.person_id).where(PersonRole.role == role)))
    if school_slug:
        stmt = stmt.join(School, School.id == Person.school_id).where(School.slug == school_slug)
    return stmt


@page("person.view")
def people(req: WebRequest):
    result = paginate(req.db, people_query(req.query("q"), req.query("role"), req.query("school")),
                      req.query_int("page", 1), 50)
    return req.render("network/people.html", {"page": result, "q": req.query("q", ""),
                                               "role": req.query("role", ""), "roles": ROLE_LABELS})


def _person_form(req: WebRequest, person: Person | None, form: dict, errors: dict, status: int = 200):
    schools = req.db.scalars(select(School).order_by(School.name)).all()
    return req.render("network/person_form.html", {"person": person, "form": form, "errors": errors,
                                                    "schools": schools, "roles": ROLE_LABELS}, status)


def _person_form_values(req: WebRequest) -> dict:
    return {"name": req.form.get("name", ""), "email": req.form.get("email", ""),
            "school_id": req.form.get("school_id", ""), "roles": req.form.getlist("roles"),
            "time_zone": req.form.get("time_zone", "")}


def _roles(values: list[str]) -> set[Role]:
    try:
        return {Role(v) for v in values}
    except ValueError:
        raise DomainError("N3", "unknown role", field="roles") from None


@page("person.manage")
def new_person(req: WebRequest):
    form = {"name": "", "email": "", "school_id": "", "roles": ["member"], "time_zone": ""}
    if req.method == "POST":
        try:
            data = req.parse(PersonIn)
            person = auth_services.create_person(req.db, req.actor, name=data.name, email=data.email,
                                                 school_id=data.school_id, roles=_roles(data.roles),
                                                 time_zone=data.time_zone, settings=req.settings)
            return req.redirect(req.url_for("people"), flash=f"Added {person.name}.")
        except DomainError as exc:
            return _person_form(req, None, _person_form_values(req), exc.field_messages(), 422)
    return _person_form(req, None, form, {})


@page("person.manage")
def edit_person(req: WebRequest):
    """The DPL changes a person's details, school and roles (A1 records role changes)."""
    person = req.get_or_404(Person, req.path_params["person_id"])
    form = {"name": person.name, "email": person.email, "school_id": str(person.school_id or ""),
            "roles": [r.value for r in person.roles], "time_zone": person.time_zone or ""}
    if req.method == "POST":
        try:
            data = req.parse(PersonIn)
            auth_services.update_person(req.db, req.actor, person, name=data.name, email=data.email,
                                        school_id=data.school_id, roles=_roles(data.roles),
                                        time_zone=data.time_zone)
            return req.redirect(req.url_for("people"), flash=f"Saved {person.name}.")
        except DomainError as exc:
            return _person_form(req, person, _person_form_values(req), exc.field_messages(), 422)
    return _person_form(req, person, form, {})


routes = [
    Route("/collaboratives", directory, name="directory"),
    Route("/collaboratives/new", new_collaborative, methods=["GET", "POST"], name="new_collaborative"),
    Route("/collaboratives/{slug}", collaborative_page, name="collaborative"),
    Route("/collaboratives/{slug}/members", members, name="members"),
    Route("/collaboratives/{slug}/join", join, methods=["POST"], name="join"),
    Route("/collaboratives/{slug}/leave", leave, methods=["GET", "POST"], name="leave"),
    Route("/collaboratives/{slug}/norms", norms_history, name="norms_history"),
    Route("/collaboratives/{slug}/norms/edit", edit_norms, methods=["GET", "POST"], name="edit_norms"),
    Route("/collaboratives/{slug}/edit", edit_collaborative, methods=["GET", "POST"], name="edit_collaborative"),
    Route("/collaboratives/{slug}/activate", activate_collaborative, methods=["GET", "POST"], name="activate"),
    Route("/collaboratives/{slug}/retire", retire_collaborative, methods=["GET", "POST"], name="retire"),
    Route("/interests", interests, name="interests"),
    Route("/interests/new", new_interest, methods=["GET", "POST"], name="new_interest"),
    Route("/interests/{interest_id:int}/support", support_interest, methods=["POST"], name="support_interest"),
    Route("/interests/{interest_id:int}/convert", convert_interest, methods=["GET", "POST"], name="convert_interest"),
    Route("/interests/{interest_id:int}/decline", decline_interest, methods=["POST"], name="decline_interest"),
    Route("/schools", schools, name="schools"),
    Route("/schools/new", new_school, methods=["GET", "POST"], name="new_school"),
    Route("/schools/{school}", school_page, name="school"),
    Route("/schools/{school}/edit", edit_school, methods=["GET", "POST"], name="edit_school"),
    Route("/schools/{school}/membership", lapse_school, methods=["GET", "POST"], name="lapse_school"),
    Route("/people", people, name="people"),
    Route("/people/new", new_person, methods=["GET", "POST"], name="new_person"),
    Route("/people/{person_id:int}/edit", edit_person, methods=["GET", "POST"], name="edit_person"),
]
