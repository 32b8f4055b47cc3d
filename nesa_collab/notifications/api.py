"""JSON API: one's digest and mail preferences."""

from __future__ import annotations

from starlette.routing import Route

from ..web import WebRequest, api
from . import digest, services
from .schemas import DigestItemOut, DigestOut, MailPreferencesIn, MailPreferencesOut


@api("signed_in", summary="Today's digest: what is waiting for you, new since yesterday or still open, each with "
     "where to act", response=DigestOut, tag="mail")
def get_digest(req: WebRequest):
    today = digest.digest_of(req.db, req.actor, req.today)
    base = req.settings.base_url.rstrip("/")
    return req.json(DigestOut(day=today.day, items=[
        DigestItemOut(section=i.section, title=i.title, detail=i.detail, url=base + i.path, since=i.since,
                      new=today.is_new(i)) for i in today.items]))


@api("mail.preferences", summary="Your mail preferences (the daily digest, announcements)",
     response=MailPreferencesOut, tag="mail")
def get_preferences(req: WebRequest):
    return req.json(MailPreferencesOut.model_validate(services.preferences_of(req.db, req.actor, req.actor.id)))


@api("mail.preferences", summary="Turn the daily digest or announcements on or off", body=MailPreferencesIn,
     response=MailPreferencesOut, tag="mail")
def put_preferences(req: WebRequest):
    data = req.parse(MailPreferencesIn)
    current = services.preferences_of(req.db, req.actor, req.actor.id)
    row = services.set_preferences(
        req.db, req.actor, req.actor.id,
        wants_digest=current.wants_digest if data.wants_digest is None else data.wants_digest,
        wants_announcements=current.wants_announcements if data.wants_announcements is None
        else data.wants_announcements)
    return req.json(MailPreferencesOut.model_validate(row))


routes = [
    Route("/digest", get_digest, methods=["GET"], name="api_digest"),
    Route("/mail/preferences", get_preferences, methods=["GET"], name="api_mail_preferences"),
    Route("/mail/preferences", put_preferences, methods=["PUT"], name="api_put_mail_preferences"),
]
