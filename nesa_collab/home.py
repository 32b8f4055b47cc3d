"""The home page: the directory's front door for visitors, a dashboard fitting each role's work (the
panels the other domains add are composed by ``create_app``)."""

from __future__ import annotations

from sqlalchemy import select
from starlette.routing import Route

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
    req.db.execute(select(1))
    return req.json({"status": "ok"})


routes = [Route("/", home, name="home"), Route("/rules", rules, name="rules"), Route("/health", health, name="health")]
