"""The rulebook is part of the product: /rules explains every rule ID the refusals name, and the
refusals (pages and API problem documents) link to it."""

from __future__ import annotations

import re

from .conftest import post_form, sign_in

#: Every rule of the domain (DOMAIN.md): the rulebook has a heading for each.
RULES = ([f"N{i}" for i in range(1, 4)] + [f"K{i}" for i in range(1, 5)] + [f"C{i}" for i in range(1, 11)]
         + [f"P{i}" for i in range(1, 6)] + [f"M{i}" for i in range(1, 7)] + [f"S{i}" for i in range(1, 4)]
         + [f"O{i}" for i in range(1, 4)] + [f"F{i}" for i in range(1, 9)] + ["A1"])


def test_the_rulebook_page_has_an_anchor_for_every_rule(client):
    r = client.get("/rules")
    assert r.status_code == 200
    anchors = re.findall(r'<h3 id="([a-z]\d+)">', r.text)
    assert anchors == [rule.lower() for rule in RULES]  # every rule once, in the rulebook's order
    assert "<script" not in r.text.split("<main", 1)[1]  # the Markdown's own HTML is not passed through


def test_a_refused_api_request_points_at_the_rule_it_broke(factory, client):
    dpl = factory.dpl()
    factory.collaborative("Math")
    token = factory.token(dpl)
    r = client.post("/api/v1/collaboratives", json={"name": "Mathematics", "slug": "math", "kind": "discipline"},
                    headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 422
    body = r.json()
    assert body["rule"] == "K1" and body["type"] == "http://testserver/rules#k1"
    assert body["errors"] == [{"field": "slug", "rule": "K1",
                               "message": "the slug 'math' is taken by another collaborative"}]
    assert client.get(body["type"].removeprefix("http://testserver")).status_code == 200


def test_a_schema_refusal_has_the_same_shape_as_a_rule_refusal(factory, client):
    dpl = factory.dpl()
    token = factory.token(dpl)
    r = client.post("/api/v1/collaboratives", json={"name": "Coaches", "kind": "discipline", "slug": "x" * 81},
                    headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 422
    body = r.json()
    assert body["rule"] == "K1" and body["type"].endswith("/rules#k1") and body["title"] == "Refused"
    assert body["errors"][0]["field"] == "slug" and body["errors"][0]["rule"] == "K1"
    r = client.post("/api/v1/collaboratives", json=False, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body"


def test_an_error_summary_on_a_page_links_the_rule(factory, as_):
    dpl = factory.dpl()
    factory.collaborative("Math")
    r = post_form(as_(dpl), "/collaboratives/new", {"name": "Mathematics", "slug": "math", "kind": "discipline"})
    assert r.status_code == 422
    assert '<a class="rule" href="/rules#k1"' in r.text
    assert 'value="Mathematics"' in r.text  # the form keeps what was typed


def test_an_api_write_without_credentials_asks_for_a_token(client):
    r = client.post("/api/v1/collaboratives", json={"name": "X", "kind": "discipline"})
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    assert r.headers["content-type"].startswith("application/problem+json")


def test_a_page_form_posted_by_a_visitor_leads_to_sign_in(client):
    r = client.post("/collaboratives/new", data={"name": "X"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/sign-in")


def test_a_signed_in_form_without_its_csrf_token_is_refused(factory, client):
    sign_in(client, factory.dpl().email)
    r = client.post("/collaboratives/new", data={"name": "X", "kind": "discipline"}, follow_redirects=False)
    assert r.status_code == 403 and "CSRF" in r.text
