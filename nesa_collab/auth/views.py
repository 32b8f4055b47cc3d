"""Sign-in, sign-out, the home page, one's profile (password, time zone) and API tokens."""

from __future__ import annotations

from urllib.parse import urlsplit
from zoneinfo import available_timezones

from starlette.routing import Route

from ..errors import DomainError
from ..network.services import memberships_of
from ..web import WebRequest, page
from . import services
from .schemas import PasswordForm, ProfileForm, SignInForm, TokenIn


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
            status = 429 if isinstance(exc, services.Throttled) else 400
            return req.render("auth/sign_in.html", {"form": form, "errors": exc.field_messages()}, status)
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
    """Change one's own time zone (M6) and password."""
    person = req.person
    errors: dict[str, str] = {}
    status = 200
    if req.method == "POST":
        action = req.form.get("action")
        try:
            if action == "password":
                data = req.parse(PasswordForm)
                if data.new_password != data.confirm_password:
                    raise DomainError(None, "the two new passwords differ", field="confirm_password")
                services.set_password(req.db, person, data.current_password, data.new_password, req.settings,
                                      keep_session=req.request.session.get("sid"))
                return req.redirect("/profile", flash="Your password is changed.")
            data = req.parse(ProfileForm)
            services.update_person(req.db, req.actor, person, time_zone=data.time_zone)
            return req.redirect("/profile", flash="Your time zone is saved.")
        except DomainError as exc:
            errors, status = exc.field_messages(), 422
    return req.render("auth/profile.html", {
        "person": person, "errors": errors,
        "zones": sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))),
        "memberships": memberships_of(req.db, person),
    }, status)


@page("signed_in")
def tokens(req: WebRequest):
    """Create and revoke one's own API tokens."""
    created = None
    errors: dict[str, str] = {}
    status = 200
    if req.method == "POST":
        try:
            if req.form.get("revoke"):
                token = services.revoke_token(req.db, req.actor, int(req.form["revoke"]))
                return req.redirect("/profile/tokens", flash=f"Token {token.name!r} revoked.")
            data = req.parse(TokenIn)
            _, created = services.create_token(req.db, req.actor, req.person, data.name)
        except (DomainError, ValueError) as exc:
            errors = exc.field_messages() if isinstance(exc, DomainError) else {"revoke": "unknown token"}
            status = 422
    return req.render("auth/tokens.html", {
        "tokens": services.tokens_of(req.db, req.person), "created": created, "errors": errors,
    }, status)


routes = [
    Route("/sign-in", sign_in, methods=["GET", "POST"], name="sign_in"),
    Route("/sign-out", sign_out, methods=["POST"], name="sign_out"),
    Route("/profile", profile, methods=["GET", "POST"], name="profile"),
    Route("/profile/tokens", tokens, methods=["GET", "POST"], name="tokens"),
]
