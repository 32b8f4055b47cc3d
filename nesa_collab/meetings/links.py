"""The addresses of calendar feeds as the pages and the API show them (M5): the https URL to copy, the
webcal:// subscribe link and a download link."""

from __future__ import annotations

from ..web import WebRequest
from .feed_tokens import token_of
from .models import FeedKind, FeedToken


def feed_links(req: WebRequest, path: str) -> dict[str, str]:
    """The https URL to copy, the webcal:// subscribe link and a download link of a feed."""
    https = req.settings.base_url.rstrip("/") + path
    webcal = "webcal://" + https.split("://", 1)[1]
    return {"https": https, "webcal": webcal, "download": path + "?download=1"}


def token_links(req: WebRequest, row: FeedToken) -> dict[str, str]:
    """The links of a secret feed (the token is derived again from the stored nonce)."""
    token = token_of(req.settings.secret_key, row.nonce)
    path = req.url_for("person_feed" if row.kind == FeedKind.PERSON else "school_feed", feed_token=token)
    return feed_links(req, path)
