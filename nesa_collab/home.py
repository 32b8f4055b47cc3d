"""The home page: the directory's front door for visitors, a dashboard fitting each role's work (the
panels the other domains add are composed by ``create_app``)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import JSONResponse
from starlette.routing import Route

from .migrate import head_revisions

from .network import services as network
from .rulebook import rulebook
from .web import WebRequest, page, paginate

#: How many active collaboratives the visitors' home page shows (the directory has them all).
FRONT_PAGE = 12


@page("public")
def home(req: WebRequest):
    if req.actor is None:
        first = paginate(req.db, network.directory_query(None), 1, FRONT_PAGE)
        return req.render("home_public.html", {"entries": network.directory_entries(req.db, first.items),
                                               "total": first.total})
    return req.render("home.html", {"o": network.overview(req.db, req.actor), "waiting": req.waiting(),
                                    "panels": req.panels("home")})


@page("public")
def rules(req: WebRequest):
    """The rulebook: every rule the product applies, one heading per rule ID (/rules#c2)."""
    html, _ = rulebook()
    return req.render("rules.html", {"rulebook": html})


@page("public")
def health(req: WebRequest):
    """For the reverse proxy and monitoring: 200 when the database answers and has every migration
    this code carries; 503 (with what is wrong) otherwise, so a proxy stops sending requests here."""
    try:
        at = frozenset(req.db.scalars(text("SELECT version_num FROM alembic_version")))
    except SQLAlchemyError:
        return JSONResponse({"status": "unavailable", "database": "not answering"}, status_code=503,
                            headers={"Cache-Control": "no-store"})
    expected = head_revisions()
    if at != expected:
        return JSONResponse({"status": "unavailable", "database": "ok", "migrations": "not current",
                             "at": sorted(at), "expected": sorted(expected)}, status_code=503,
                            headers={"Cache-Control": "no-store"})
    return JSONResponse({"status": "ok", "database": "ok", "migrations": "current"},
                        headers={"Cache-Control": "no-store"})


routes = [Route("/", home, name="home"), Route("/rules", rules, name="rules"), Route("/health", health, name="health"),
          Route("/healthz", health, name="healthz")]
