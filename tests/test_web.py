"""The web boundary: one unit of work per request, side effects only after a successful commit."""

from __future__ import annotations

from starlette.routing import Route
from starlette.testclient import TestClient

from nesa_collab.app import create_app
from nesa_collab.errors import DomainError
from nesa_collab.web import api


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
