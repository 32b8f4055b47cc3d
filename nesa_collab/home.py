"""The home page: the directory's front door for visitors, a dashboard fitting each role's work (the
panels the other domains add are composed by ``create_app``)."""

from __future__ import annotations

from sqlalchemy import select
from starlette.routing import Route

from .network import services as network
from .web import WebRequest, page


@page("public")
def home(req: WebRequest):
    if req.actor is None:
        return req.render("home_public.html", {"entries": network.directory(req.db, None)})
    return req.render("home.html", {"o": network.overview(req.db, req.actor), "panels": req.panels("home")})


@page("public")
def health(req: WebRequest):
    req.db.execute(select(1))
    return req.json({"status": "ok"})


routes = [Route("/", home, name="home"), Route("/health", health, name="health")]
