"""The audit log page (A1), for the DPL, filterable by person, collaborative and date."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from urllib.parse import urlencode

from starlette.routing import Route

from ..web import WebRequest, page
from .services import KeysetPage, entries_page

FILTERS = ("person", "collaborative", "from", "to", "action")


def _day_start(raw: str | None, zone: str, plus_days: int = 0) -> datetime | None:
    """The first instant of a day given as YYYY-MM-DD, in the viewer's zone."""
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw) + timedelta(days=plus_days)
    except ValueError:
        return None
    return datetime.combine(day, time(0), ZoneInfo(zone))


def audit_filters(req: WebRequest) -> dict:
    """The log's filters from the query string: ``person`` an id or an email, ``collaborative`` an
    id or a slug, ``from``/``to`` days in the viewer's zone, ``action`` a prefix."""
    person, collab = (req.query("person") or "").strip(), (req.query("collaborative") or "").strip()
    return {
        "actor_id": int(person) if person.isdigit() else None,
        "actor_email": person if person and not person.isdigit() else None,
        "collaborative_id": int(collab) if collab.isdigit() else None,
        "collaborative_slug": collab if collab and not collab.isdigit() else None,
        "on_or_after": _day_start(req.query("from"), req.viewer_zone),
        "before": _day_start(req.query("to"), req.viewer_zone, plus_days=1),
        "action": req.query("action"),
    }


def keyset(req: WebRequest, per_page: int) -> KeysetPage:
    """A1: the page ``?before=<id>`` / ``?after=<id>`` asks for, with the filters of the query string."""
    def as_id(name: str) -> int | None:
        raw = req.query(name)
        return int(raw) if raw and raw.isdigit() else None

    return entries_page(req.db, req.actor, before_id=as_id("before"), after_id=as_id("after"),
                        per_page=per_page, **audit_filters(req))


def keyset_url(req: WebRequest, **position: int) -> str:
    """This list's address with its filters and ``before=`` or ``after=`` (none: the newest)."""
    params = {k: v for k, v in req.request.query_params.items() if k not in ("before", "after", "page") and v}
    params.update({k: str(v) for k, v in position.items()})
    return req.request.url.path + (f"?{urlencode(params)}" if params else "")


def bad_dates(req: WebRequest) -> dict[str, str]:
    """Date filters that are not dates, named so the page can say so instead of ignoring them."""
    errors = {}
    for name in ("from", "to"):
        raw = req.query(name)
        if raw:
            try:
                date.fromisoformat(raw)
            except ValueError:
                errors[name] = f"{raw!r} is not a date (YYYY-MM-DD)"
    return errors


@page("audit.view")
def audit_log(req: WebRequest):
    """A1: the log, 50 entries a page, newest first, with links to older and newer entries."""
    result = keyset(req, 50)
    return req.render("audit/log.html", {
        "errors": bad_dates(req),
        "page": result,
        "filters": {k: req.query(k, "") for k in FILTERS},
        "older_url": keyset_url(req, before=result.older) if result.older else None,
        "newer_url": keyset_url(req, after=result.newer) if result.newer else None,
        "newest_url": keyset_url(req) if req.query("before") or req.query("after") else None,
    })


routes = [Route("/audit", audit_log, name="audit")]
