"""Pages for the directory, collaboratives, memberships, norms, interests and schools."""

from __future__ import annotations

from starlette.routing import Route

from ..dates import earliest_two_year_end
from ..slugs import slugify
from ..web import Waiting, WebRequest, form_page, page, paginate
from . import services
from .models import WEEKDAYS, CollaborativeKind
from .schemas import (CollaborativeIn, CollaborativeUpdate, ConvertIn, DeclineIn, InterestIn, LapseIn, LeaveIn,
                      NormsIn, SchoolIn)


def collaborative(req: WebRequest):
    """The collaborative the path names (``{slug:slug}``), if the viewer may see it (else 404)."""
    return services.get_collaborative(req.db, req.actor, req.path_params["slug"])


# --- directory and collaborative pages ---------------------------------------------------------

DIRECTORY_FILTERS = ("q", "kind", "status", "school", "country")


def directory_filters(req: WebRequest) -> dict:
    """The directory's filters as ``services.directory_query`` takes them, from the query string."""
    return {"status": services.directory_status(req.actor, req.query("status")), "search": req.query("q"),
            "kind": req.query("kind"), "school": req.query("school"), "country": req.query("country")}


@page("public")
def directory(req: WebRequest):
    """K1: the directory of active collaboratives (the DPL can list every status), 25 a page, filtered
    by kind, status, a school or a country taking part, and a search of names."""
    filters = directory_filters(req)
    result = paginate(req.db, services.directory_query(req.actor, **filters), req.query_int("page", 1), 25)
    return req.render("network/directory.html", {
        "page": result, "entries": services.directory_entries(req.db, result.items),
        "filters": {name: req.query(name, "") for name in DIRECTORY_FILTERS} | {"status": filters["status"]},
        "kinds": list(CollaborativeKind), "countries": services.countries(req.db),
    })


@page("public")
def collaborative_page(req: WebRequest):
    """A collaborative: its description and link; signed in, its members, norms and the panels of
    the other domains (its Core, plan, meetings)."""
    collab = collaborative(req)
    context = {"collab": collab, "members": None, "membership": None, "norms": None, "panels": [],
               "entry": services.directory_entry(req.db, req.actor, collab)}
    if req.actor is not None:
        context["members"] = paginate(req.db, services.members_query(req.actor, collab), 1, per_page=12)
        context["membership"] = services.current_membership(req.db, req.actor.id, collab.id)
        context["norms"] = services.current_norms(req.db, req.actor, collab)
    context["panels"] = req.panels("collaborative", collab)
    return req.render("network/collaborative.html", context)


@page("signed_in")
def members(req: WebRequest):
    collab = collaborative(req)
    result = paginate(req.db, services.members_query(req.actor, collab, req.query("q")),
                      req.query_int("page", 1), 50)
    return req.render("network/members.html", {"collab": collab, "page": result, "q": req.query("q", "")})


@page("membership.join")
def join(req: WebRequest):
    """K4: join with a commitment to serve two years."""
    collab = collaborative(req)
    services.join(req.db, req.actor, req.person, collab, req.today)
    return req.redirect(req.url_for("collaborative", slug=collab.slug),
                        flash=f"You joined {collab.name}. Members commit to serve at least two years.")


@page("membership.leave")
def leave(req: WebRequest):
    """K4: leave; before two years, a reason is asked for and kept."""
    collab = collaborative(req)
    membership = services.membership_for_leaving(req.db, req.actor, collab)

    def submit():
        services.leave(req.db, req.actor, membership, req.today, req.parse(LeaveIn).reason)
        return req.redirect(req.url_for("collaborative", slug=collab.slug), flash=f"You left {collab.name}.")

    return form_page(req, "network/leave.html", form={"reason": ""}, submit=submit, context={
        "collab": collab, "membership": membership, "today": req.today,
        "commitment_end": earliest_two_year_end(membership.joined_on)})


@page("norms.edit")
def edit_norms(req: WebRequest):
    """K3: Core members of this collaborative and the DPL edit its norms."""
    collab = collaborative(req)
    current = services.norms_for_editing(req.db, req.actor, collab)

    def submit():
        data = req.parse(NormsIn)
        services.update_norms(req.db, req.actor, collab, data.text, data.summary)
        return req.redirect(req.url_for("norms_history", slug=collab.slug), flash="The norms are updated.")

    return form_page(req, "network/norms_edit.html", form={"text": current.text if current else "", "summary": ""},
                     submit=submit, context={"collab": collab})


@page("signed_in")
def norms_history(req: WebRequest):
    """K3: the norms with their history of who changed what and when."""
    collab = collaborative(req)
    history = services.norms_history(req.db, req.actor, collab)
    return req.render("network/norms_history.html", {"collab": collab, "history": history})


# --- the DPL manages collaboratives -----------------------------------------------------------

@page("collaborative.manage")
def new_collaborative(req: WebRequest):
    """K2: the DPL creates a collaborative (it starts out forming)."""
    def submit():
        data = req.parse(CollaborativeIn)
        collab = services.create_collaborative(req.db, req.actor, **data.model_dump(), today=req.today)
        return req.redirect(req.url_for("collaborative", slug=collab.slug), flash=f"{collab.name} is forming.")

    form = {"name": "", "kind": "discipline", "description": "", "network_url": "", "slug": ""}
    return form_page(req, "network/collaborative_form.html", form=form, submit=submit,
                     context={"collab": None, "kinds": list(CollaborativeKind)})


@page("collaborative.manage")
def edit_collaborative(req: WebRequest):
    collab = collaborative(req)

    def submit():
        data = req.parse(CollaborativeUpdate)
        services.update_collaborative(req.db, req.actor, collab, **data.model_dump(exclude_none=True))
        return req.redirect(req.url_for("collaborative", slug=collab.slug), flash="Saved.")

    form = {"name": collab.name, "kind": collab.kind, "description": collab.description,
            "network_url": collab.network_url or "", "slug": collab.slug}
    return form_page(req, "network/collaborative_form.html", form=form, submit=submit,
                     context={"collab": collab, "kinds": list(CollaborativeKind)})


def _change_status(req: WebRequest, action: str):
    """K2: activate or retire (after a confirmation page)."""
    collab = collaborative(req)

    def submit():
        services.set_collaborative_status(req.db, req.actor, collab, action, req.today)
        verb = "is active" if action == "activate" else "is retired"
        return req.redirect(req.url_for("collaborative", slug=collab.slug), flash=f"{collab.name} {verb}.")

    def context() -> dict:
        # K1: what retiring does, said before it is done: its members, its calendars, and (from the
        # domains above) its meetings.
        members = paginate(req.db, services.members_query(req.actor, collab), 1, per_page=1).total
        return {"collab": collab, "action": action, "members": members,
                "panels": req.panels("collaborative_retire", collab) if action == "retire" else []}

    return form_page(req, "network/confirm_status.html", form={}, submit=submit, context=context)


@page("collaborative.manage")
def activate_collaborative(req: WebRequest):
    return _change_status(req, "activate")


@page("collaborative.manage")
def retire_collaborative(req: WebRequest):
    return _change_status(req, "retire")


# --- interests (K2) ----------------------------------------------------------------------------

@page("interest.view")
def interests(req: WebRequest):
    """K2: the interests in new collaboratives, 25 to a page, by status and kind."""
    status, kind = req.query("status", "open"), req.query("kind")
    stmt = services.interests_query(req.actor, None if status == "all" else status, kind)
    result = paginate(req.db, services.interest_lines(stmt), req.query_int("page", 1), 25, scalars=False)
    result.items = services.as_interest_lines(result.items)
    ids = [i.id for i in result.items]
    return req.render("network/interests.html", {
        "page": result, "status": status, "kind": kind or "", "kinds": list(CollaborativeKind),
        "counts": services.supporter_counts(req.db, ids),
        "supported": services.supported_by(req.db, req.actor, ids)})


@page("interest.register")
def new_interest(req: WebRequest):
    """K2: register interest in a new collaborative."""
    def submit():
        services.register_interest(req.db, req.actor, **req.parse(InterestIn).model_dump())
        return req.redirect(req.url_for("interests"),
                            flash="Thank you: your interest is registered and the Director will see it.")

    return form_page(req, "network/interest_form.html", form={"name": "", "kind": "discipline", "description": ""},
                     submit=submit, context={"kinds": list(CollaborativeKind)})


def _interest(req: WebRequest):
    return services.get_interest(req.db, req.actor, req.path_params["interest_id"])


@page("interest.register")
def support_interest(req: WebRequest):
    interest = _interest(req)
    services.support_interest(req.db, req.actor, interest)
    return req.redirect(req.url_for("interests"), flash=f"You support {interest.name}.")


@page("interest.convert")
def convert_interest(req: WebRequest):
    """K2: the DPL turns an interest into a forming collaborative (or declines it, from the same page)."""
    interest = _interest(req)

    def submit():
        collab = services.convert_interest(req.db, req.actor, interest, today=req.today,
                                           **req.parse(ConvertIn).model_dump())
        return req.redirect(req.url_for("collaborative", slug=collab.slug),
                            flash=f"{collab.name} is forming, from the interest registered by "
                                  f"{interest.proposed_by.name}.")

    form = {"name": interest.name, "slug": slugify(interest.name), "description": interest.description,
            "network_url": "", "note": ""}
    return form_page(req, "network/interest_convert.html", form=form, submit=submit,
                     context={"interest": interest})


@page("interest.convert")
def decline_interest(req: WebRequest):
    interest = _interest(req)

    def submit():
        services.decline_interest(req.db, req.actor, interest, req.parse(DeclineIn).note)
        return req.redirect(req.url_for("interests"), flash=f"Declined {interest.name}.")

    form = {"name": interest.name, "slug": slugify(interest.name), "description": interest.description,
            "network_url": "", "note": ""}
    return form_page(req, "network/interest_convert.html", form=form, submit=submit,
                     context={"interest": interest})


# --- schools ----------------------------------------------------------------------------------

def _school(req: WebRequest):
    return services.get_school(req.db, req.actor, req.path_params["school"])


@page("school.view")
def schools(req: WebRequest):
    """N1/N2: member schools by name, 25 a page, filtered by membership and country, searched."""
    result = paginate(req.db, services.schools_query(req.actor, req.query("q"), req.query("status"),
                                                     req.query("country")), req.query_int("page", 1), 25)
    return req.render("network/schools.html", {"page": result, "q": req.query("q", ""),
                                                "status": req.query("status", ""),
                                                "country": req.query("country", ""),
                                                "countries": services.countries(req.db)})


@page("school.view")
def school_page(req: WebRequest):
    school = _school(req)
    people = paginate(req.db, services.school_people_query(req.actor, school), req.query_int("page", 1), 50)
    collabs = services.school_collaboratives(req.db, req.actor, school)
    return req.render("network/school.html", {"school": school, "people": people, "collabs": collabs,
                                              "panels": req.panels("school", school)})


@page("school.manage")
def new_school(req: WebRequest):
    def submit():
        school = services.create_school(req.db, req.actor, **req.parse(SchoolIn).model_dump())
        return req.redirect(req.url_for("school", school=school.slug), flash=f"Added {school.name}.")

    form = {"name": "", "city": "", "country": "", "time_zone": "", "weekend": ["sat", "sun"], "slug": ""}
    return form_page(req, "network/school_form.html", form=form, submit=submit,
                     context={"school": None, "days": WEEKDAYS})


@page("school.manage")
def edit_school(req: WebRequest):
    school = _school(req)

    def submit():
        data = req.parse(SchoolIn, slug=school.slug)
        services.update_school(req.db, req.actor, school, **data.model_dump(exclude={"slug"}))
        return req.redirect(req.url_for("school", school=school.slug), flash="Saved.")

    form = {"name": school.name, "city": school.city, "country": school.country, "time_zone": school.time_zone,
            "weekend": list(school.weekend_days), "slug": school.slug}
    return form_page(req, "network/school_form.html", form=form, submit=submit,
                     context={"school": school, "days": WEEKDAYS})


@page("school.manage")
def lapse_school(req: WebRequest):
    """N2: lapse a school's membership (confirmation first), or reinstate it."""
    school = _school(req)

    def submit():
        if req.form.get("action") == "reinstate":
            services.reinstate_school(req.db, req.actor, school)
            return req.redirect(req.url_for("school", school=school.slug), flash=f"{school.name} is reinstated.")
        services.lapse_school(req.db, req.actor, school, req.parse(LapseIn).lapsed_on)
        return req.redirect(req.url_for("school", school=school.slug), flash=f"{school.name}'s membership lapsed.")

    def context() -> dict:
        # N2/C10: what lapsing does, said before it is done: its people, and (from the domains above)
        # those of them serving on a Core, whose terms are flagged.
        people = paginate(req.db, services.school_people_query(req.actor, school), 1, per_page=1).total
        return {"school": school, "people": people,
                "panels": req.panels("school_lapse", school) if school.is_active else []}

    return form_page(req, "network/school_lapse.html", form={"lapsed_on": req.today.isoformat()}, submit=submit,
                     context=context)


# --- panels on other domains' pages ---------------------------------------------------------------

def profile_panel(req: WebRequest) -> dict:
    """One's collaboratives, on one's profile."""
    return {"template": "network/_profile_panel.html",
            "memberships": services.memberships_of(req.db, req.actor, req.person)}


def waiting_for_you(req: WebRequest) -> list[Waiting]:
    """K2: the interests in new collaboratives waiting for the DPL's decision."""
    if not req.can("interest.convert"):
        return []
    count, oldest = services.interests_waiting(req.db, req.actor)
    if not count:
        return []
    since = oldest.astimezone(req.settings.tz).date()
    return [Waiting(f"Decide on {count} interest{'s' if count > 1 else ''} in a new collaborative (the oldest "
                    f"registered {since:%-d %b %Y})", req.url_for("interests"), "K2", since)]


routes = [
    Route("/collaboratives", directory, name="directory"),
    Route("/collaboratives/new", new_collaborative, methods=["GET", "POST"], name="new_collaborative"),
    Route("/collaboratives/{slug:slug}", collaborative_page, name="collaborative"),
    Route("/collaboratives/{slug:slug}/members", members, name="members"),
    Route("/collaboratives/{slug:slug}/join", join, methods=["POST"], name="join"),
    Route("/collaboratives/{slug:slug}/leave", leave, methods=["GET", "POST"], name="leave"),
    Route("/collaboratives/{slug:slug}/norms", norms_history, name="norms_history"),
    Route("/collaboratives/{slug:slug}/norms/edit", edit_norms, methods=["GET", "POST"], name="edit_norms"),
    Route("/collaboratives/{slug:slug}/edit", edit_collaborative, methods=["GET", "POST"], name="edit_collaborative"),
    Route("/collaboratives/{slug:slug}/activate", activate_collaborative, methods=["GET", "POST"], name="activate"),
    Route("/collaboratives/{slug:slug}/retire", retire_collaborative, methods=["GET", "POST"], name="retire"),
    Route("/interests", interests, name="interests"),
    Route("/interests/new", new_interest, methods=["GET", "POST"], name="new_interest"),
    Route("/interests/{interest_id:int}/support", support_interest, methods=["POST"], name="support_interest"),
    Route("/interests/{interest_id:int}/convert", convert_interest, methods=["GET", "POST"], name="convert_interest"),
    Route("/interests/{interest_id:int}/decline", decline_interest, methods=["POST"], name="decline_interest"),
    Route("/schools", schools, name="schools"),
    Route("/schools/new", new_school, methods=["GET", "POST"], name="new_school"),
    Route("/schools/{school:slug}", school_page, name="school"),
    Route("/schools/{school:slug}/edit", edit_school, methods=["GET", "POST"], name="edit_school"),
    Route("/schools/{school:slug}/membership", lapse_school, methods=["GET", "POST"], name="lapse_school"),
]
