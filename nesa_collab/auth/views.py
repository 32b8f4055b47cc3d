"""Sign-in, sign-out, one's profile (password, time zone), API tokens, and the people pages (staff)."""

from __future__ import annotations

from urllib.parse import urlsplit
from zoneinfo import available_timezones

from starlette.routing import Route

from ..errors import DomainError
from ..web import WebRequest, form_page, page, paginate
from . import services
from .models import ROLE_LABELS
from .schemas import PasswordForm, PersonIn, ProfileForm, SignInForm, TokenIn

ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))


def _safe_next(url: str | None) -> str:
    """Only local paths are followed after sign-in (no open redirect)."""
    if url and url.startswith("/") and not url.startswith("//") and not urlsplit(url).netloc:
        return url
    return "/"


@page("public")
def sign_in(req: WebRequest):
    """Sign in with email and password."""
    if req.actor is not None and req.method == "GET":
        return req.redirect(_safe_next(req.query("next")))
    form = {"email": "", "next": req.query("next", "")}
    if req.method == "POST":
        try:
            data = req.parse(SignInForm)
            form.update(email=data.email, next=data.next or "")
            person = services.authenticate(req.db, data.email, data.password,
                                           req.request.client.host if req.request.client else None,
                                           req.settings)
        except DomainError as exc:
            req.keep_changes = True  # the failed attempt counts towards the throttle
            throttled = isinstance(exc, services.Throttled)
            response = req.render("auth/sign_in.html", {"form": form, "errors": exc.field_messages()},
                                  429 if throttled else 400)
            if throttled:
                response.headers["Retry-After"] = str(exc.retry_after)
            return response
        req.request.session["sid"] = services.start_session(req.db, person, req.settings)
        req.request.session["csrf"] = None  # a fresh CSRF token for the signed-in session
        return req.redirect(_safe_next(data.next), flash=f"Welcome, {person.name}.")
    return req.render("auth/sign_in.html", {"form": form, "errors": {}})


@page("public")
def sign_out(req: WebRequest):
    services.end_session(req.db, req.request.session.get("sid"))
    req.request.session.clear()
    return req.redirect("/", flash="You are signed out.")


@page("signed_in")
def profile(req: WebRequest):
    """Change one's own time zone (M6) and password; other domains add panels (one's collaboratives)."""

    def submit():
        if req.form.get("action") == "password":
            data = req.parse(PasswordForm)
            if data.new_password != data.confirm_password:
                raise DomainError(None, "the two new passwords differ", field="confirm_password")
            services.set_password(req.db, req.actor, req.person, data.current_password, data.new_password,
                                  req.settings, keep_session=req.request.session.get("sid"))
            return req.redirect("/profile", flash="Your password is changed.")
        services.set_own_time_zone(req.db, req.actor, req.parse(ProfileForm).time_zone)
        return req.redirect("/profile", flash="Your time zone is saved.")

    return form_page(req, "auth/profile.html", form={}, submit=submit,
                     context=lambda: {"person": req.person, "zones": ZONES, "panels": req.panels("profile")})


@page("signed_in")
def tokens(req: WebRequest):
    """Create and revoke one's own API tokens."""

    def submit():
        if req.form.get("revoke"):
            raw = req.form["revoke"]
            token = services.revoke_token(req.db, req.actor, int(raw) if raw.isdigit() else 0)
            return req.redirect("/profile/tokens", flash=f"Token {token.name!r} revoked.")
        _, secret = services.create_token(req.db, req.actor, req.person, req.parse(TokenIn).name)
        # The secret is shown once, on this page (it is not kept).
        return req.render("auth/tokens.html", {"tokens": services.tokens_of(req.db, req.actor, req.person),
                                               "created": secret, "form": {"name": ""}, "errors": {}})

    return form_page(req, "auth/tokens.html", form={"name": ""}, submit=submit, context=lambda: {
        "tokens": services.tokens_of(req.db, req.actor, req.person), "created": None})


# --- people (N3) -------------------------------------------------------------------------------

PEOPLE_FILTERS = ("q", "role", "school", "country")


def people_filters(req: WebRequest) -> dict:
    """The people list's filters as ``services.people_query`` takes them, from the query string."""
    return {"search": req.query("q"), "role": req.query("role"), "school_slug": req.query("school"),
            "country": req.query("country")}


@page("person.view")
def people(req: WebRequest):
    """N3: people by name, 50 a page, filtered by role, school and country, searched by name or email."""
    result = paginate(req.db, services.people_query(req.actor, **people_filters(req)), req.query_int("page", 1), 50)
    return req.render("auth/people.html", {"page": result, "roles": ROLE_LABELS,
                                            "filters": {k: req.query(k, "") for k in PEOPLE_FILTERS},
                                            "countries": services.school_countries(req.db)})


PERSON_FORM = {"name": "", "email": "", "school": "", "roles": ["member"], "time_zone": ""}


def _person_context(req: WebRequest, person=None) -> dict:
    return {"person": person, "roles": ROLE_LABELS}


def home_school_id(req: WebRequest, data: PersonIn) -> int | None:
    """The home school the form names: by its short name (``school``), or by id (``school_id``)."""
    return data.school_id if data.school_id is not None else services.school_id_for(req.db, data.school)


@page("person.manage")
def new_person(req: WebRequest):
    def submit():
        data = req.parse(PersonIn)
        person = services.create_person(req.db, req.actor, name=data.name, email=data.email,
                                        school_id=home_school_id(req, data), roles=services.parse_roles(data.roles),
                                        time_zone=data.time_zone, settings=req.settings)
        return req.redirect(req.url_for("people"), flash=f"Added {person.name}.")

    return form_page(req, "auth/person_form.html", form=PERSON_FORM, submit=submit,
                     context=lambda: _person_context(req))


@page("person.manage")
def edit_person(req: WebRequest):
    """The DPL changes a person's details, school and roles (A1 records role changes)."""
    person = services.get_person(req.db, req.actor, req.path_params["person_id"])

    def submit():
        data = req.parse(PersonIn)
        services.update_person(req.db, req.actor, person, today=req.today, name=data.name, email=data.email,
                               school_id=home_school_id(req, data), roles=services.parse_roles(data.roles),
                               time_zone=data.time_zone)
        return req.redirect(req.url_for("people"), flash=f"Saved {person.name}.")

    form = {"name": person.name, "email": person.email, "school": person.school.slug if person.school else "",
            "roles": [r.value for r in person.roles], "time_zone": person.time_zone or ""}
    return form_page(req, "auth/person_form.html", form=form, submit=submit,
                     context=lambda: _person_context(req, person))


routes = [
    Route("/sign-in", sign_in, methods=["GET", "POST"], name="sign_in"),
    Route("/sign-out", sign_out, methods=["POST"], name="sign_out"),
    Route("/profile", profile, methods=["GET", "POST"], name="profile"),
    Route("/profile/tokens", tokens, methods=["GET", "POST"], name="tokens"),
    Route("/people", people, name="people"),
    Route("/people/new", new_person, methods=["GET", "POST"], name="new_person"),
    Route("/people/{person_id:int}/edit", edit_person, methods=["GET", "POST"], name="edit_person"),
]
