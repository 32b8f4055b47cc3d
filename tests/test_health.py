"""/healthz for the reverse proxy: the database answers and carries every migration of this code."""

from __future__ import annotations

from starlette.testclient import TestClient

from nesa_collab.app import create_app
from nesa_collab.migrate import downgrade, head_revisions, upgrade


def test_healthz_is_ok_on_a_current_database(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": "ok", "migrations": "current"}
    assert r.headers["cache-control"] == "no-store"


def test_healthz_is_503_while_a_migration_is_missing(settings):
    downgrade(settings.database_url, "-1")
    with TestClient(create_app(settings)) as c:
        r = c.get("/healthz")
        assert r.status_code == 503
        body = r.json()
        assert body["migrations"] == "not current" and body["expected"] == sorted(head_revisions())
        upgrade(settings.database_url)
        assert c.get("/healthz").status_code == 200
