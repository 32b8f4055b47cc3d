"""Pages: today's digest (what is waiting for you, readable without mail) and the mail preferences
on one's profile."""

from __future__ import annotations

from starlette.routing import Route

from ..web import WebRequest, page
from . import digest, services
from .schemas import MailPreferencesIn


@page("signed_in")
def digest_page(req: WebRequest):
    """Today's digest for the signed-in person: what is new since yesterday and what is still open,
    each with the link to the place to act (what the daily email carries, where mail is configured)."""
    today = digest.digest_of(req.db, req.actor, req.today)
    return req.render("notifications/digest.html", {
        "digest": today, "preferences": services.preferences_of(req.db, req.actor, req.actor.id)})


@page("mail.preferences")
def save_preferences(req: WebRequest):
    """Turn the daily digest and the collaboratives' announcements on or off (the profile's form)."""
    data = req.parse(MailPreferencesIn)
    services.set_preferences(req.db, req.actor, req.actor.id, wants_digest=bool(data.wants_digest),
                             wants_announcements=bool(data.wants_announcements))
    return req.redirect(req.url_for("profile") + "#mail", flash="Your mail preferences are saved.")


def profile_panel(req: WebRequest) -> dict:
    """The mail one gets, on one's profile."""
    return {"template": "notifications/_profile_panel.html",
            "preferences": services.preferences_of(req.db, req.actor, req.actor.id)}


routes = [
    Route("/digest", digest_page, name="digest"),
    Route("/profile/mail", save_preferences, methods=["POST"], name="mail_preferences"),
]
