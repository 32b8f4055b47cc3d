"""Issue 13: every answer carries the security headers; HSTS in production only."""

from __future__ import annotations

from dataclasses import replace

import pytest
from starlette.testclient import TestClient

from nesa_collab.app import create_app


@pytest.mark.parametrize("path", ["/", "/sign-in", "/api/v1/openapi.json", "/calendars/conferences.ics",
                                  "/no/such/page", "/static/style.css"])
def test_every_answer_carries_the_security_headers(client, path):
    r = client.get(path)
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in r.headers


def test_production_insists_on_https(settings, database):
    production = replace(settings, env="production", secret_key="p" * 48, base_url="https://collab.example.org")
    with TestClient(create_app(production, database), base_url="https://collab.example.org") as c:
        r = c.get("/sign-in")
    assert r.headers["strict-transport-security"].startswith("max-age=31536000")
