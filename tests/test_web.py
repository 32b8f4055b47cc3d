"""The web boundary: one unit of work per request, side effects only after a successful commit."""

from __future__ import annotations

import re

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount, NoMatchFound, Route
from starlette.testclient import TestClient

from nesa_collab.app import all_routes, create_app
from nesa_collab.errors import DomainError
from nesa_collab.web import RoutePaths, api


def test_side_effects_run_only_after_the_change_is_committed(settings, database):
    sent: list[str] = []

    @api("public")
    def works(req):
        req.after_commit.append(lambda: sent.append("committed"))
        return req.json({"ok": True})

    @api("public")
    def refuses(req):
        req.after_commit.append(lambda: sent.append("refused"))
        raise DomainError("K1", "no", field="name")

    @api("public")
    def answers_an_error(req):
        req.after_commit.append(lambda: sent.append("rolled back"))
        return req.json({"problem": True}, status=409)

    app = create_app(settings, database)
    app.router.routes[:0] = [Route("/t/works", works), Route("/t/refuses", refuses),
                             Route("/t/error", answers_an_error)]
    with TestClient(app) as client:
        assert client.get("/t/refuses").status_code == 422
        assert client.get("/t/error").status_code == 409
        assert sent == []  # a rolled-back change sends nothing
        assert client.get("/t/works").status_code == 200
    assert sent == ["committed"]


def test_the_path_table_gives_every_named_route_the_path_starlette_gives_it():
    """``url_for`` in templates and ``req.url_for`` read a table made once per app; it must build the
    same path as Starlette for every route, and leave what does not fit to Starlette (which raises)."""
    routes = all_routes()
    table = RoutePaths(routes)
    app = Starlette(routes=routes)
    samples = {"int": 7, "str": "sample", "slug": "literacy", "path": "css/site.css"}

    def walk(rs):
        for r in rs:
            if isinstance(r, Mount) and r.routes:
                yield from walk(r.routes)
            elif isinstance(r, Route):
                yield r.name, dict(re.findall(r"{(\w+)(?::(\w+))?}", r.path))

    checked = 0
    for name, params in walk(routes):
        values = {k: samples[kind or "str"] for k, kind in params.items()}
        assert table.path(name, **values) == app.url_path_for(name, **values), name
        checked += 1
    assert checked > 150
    assert table.path("static", path="site.css") == "/static/site.css"
    assert table.path("collaborative") is None and table.path("no-such-route") is None
    with pytest.raises(NoMatchFound):
        app.url_path_for("collaborative")


def test_a_path_no_route_matches_gets_the_sites_error_page_or_a_problem_under_the_api(client):
    page = client.get("/no/such/page")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "<h1>Not found</h1>" in page.text and 'href="/"' in page.text  # the site's page, with its navigation
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"
    assert api.json()["status"] == 404


def test_every_page_names_the_sites_icon_and_it_is_served(client):
    page = client.get("/")
    icon = re.search(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)">', page.text)
    assert icon, "no icon link"
    r = client.get(icon.group(1))
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml") and "<svg" in r.text
