"""The audit log page (A1), for the DPL, filterable by person, collaborative and date."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from starlette.routing import Route

from ..web import WebRequest, page, paginate
from .services import entries_query, filter_choices


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
    def as_int(name: str) -> int | None:
        raw = req.query(name)
        return int(raw) if raw and raw.isdigit() else None

    return {
        "actor_id": as_int("person"),
        "collaborative_id": as_int("collaborative"),
        "on_or_after": _day_start(req.query("from"), req.viewer_zone),
        "before": _day_start(req.query("to"), req.viewer_zone, plus_days=1),
        "action": req.query("action"),
    }


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
    result = paginate(req.db, entries_query(req.actor, **audit_filters(req)), req.query_int("page", 1), 50)
    people, collaboratives = filter_choices(req.db, req.actor)
    return req.render("audit/log.html", {
        "errors": bad_dates(req),
        "page": result,
        "filters": {k: req.query(k, "") for k in ("person", "collaborative", "from", "to", "action")},
        "people": people, "collaboratives": collaboratives,
    })


routes = [Route("/audit", audit_log, name="audit")]
