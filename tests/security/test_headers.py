"""Issue 13: every answer carries the security headers; HSTS in production only."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from starlette.testclient import TestClient

from nesa_collab.app import create_app
from nesa_collab.paths import TEMPLATES_DIR as TEMPLATES


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


INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\son[a-z]+\s*=|\sstyle\s*=|javascript:", re.I)


def test_templates_carry_no_inline_script_or_style_so_the_policy_needs_no_unsafe_inline():
    offenders = [f"{path.relative_to(TEMPLATES)}:{n}: {line.strip()[:80]}"
                 for path in sorted(TEMPLATES.rglob("*.html"))
                 for n, line in enumerate(path.read_text().splitlines(), 1) if INLINE.search(line)]
    assert offenders == []


def test_the_core_timeline_and_the_print_view_render_without_inline_style(factory, as_):
    """The two pages that had inline style (the terms time line, the agenda's print view)."""
    from datetime import date

    dpl = factory.dpl()
    collab = factory.collaborative("Literacy")
    person = factory.educator(factory.school("ACS Amman"))
    factory.core_member(person, collab, date(2026, 8, 1), date(2028, 7, 31), today=date(2026, 7, 1))
    page = as_(dpl).get(f"/collaboratives/{collab.slug}/core")
    assert page.status_code == 200 and "<rect" in page.text
    assert not INLINE.search(page.text)
