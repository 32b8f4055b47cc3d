"""The JSON API: problem+json errors naming rule and field, pagination, the OpenAPI document."""

from __future__ import annotations


from .test_permissions import ROUTES


def bearer(factory, person) -> dict:
    return {"Authorization": f"Bearer {factory.token(person)}"}


def test_refusals_are_problem_json_with_rule_and_field(factory, client):
    dpl = factory.dpl()
    h = bearer(factory, dpl)
    assert client.post("/api/v1/collaboratives", json={"name": "Math", "kind": "discipline", "slug": "math"},
                       headers=h).status_code == 201
    r = client.post("/api/v1/collaboratives", json={"name": "Maths", "kind": "discipline", "slug": "math"}, headers=h)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["rule"] == "K1" and body["status"] == 422
    assert body["errors"] == [{"field": "slug", "message": body["errors"][0]["message"], "rule": "K1"}]


def test_invalid_input_lists_every_field(factory, client):
    dpl = factory.dpl()
    r = client.post("/api/v1/schools", json={"name": "", "city": "Cairo"}, headers=bearer(factory, dpl))
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"name", "country", "time_zone"} <= fields


def test_lists_are_paginated(factory, client):
    dpl = factory.dpl()
    for _ in range(3):
        factory.school()
    r = client.get("/api/v1/schools", headers=bearer(factory, dpl))
    body = r.json()
    assert body["total"] == 3 and body["page"] == 1 and len(body["items"]) == 3
    r = client.get("/api/v1/schools", params={"page": 2}, headers=bearer(factory, dpl))
    assert r.json()["page"] == 1  # clamped to the last page


def test_the_api_answers_with_the_same_data_as_the_pages(factory, client):
    collab = factory.collaborative("Librarians")
    school = factory.school("Lincoln School", time_zone="Asia/Kathmandu")
    factory.member(factory.educator(school), collab)
    page = client.get("/collaboratives").context["entries"]
    api = client.get("/api/v1/collaboratives").json()["items"]
    assert [(e.collaborative.slug, e.member_count) for e in page] == [
        (a["collaborative"]["slug"], a["member_count"]) for a in api]


def test_openapi_documents_every_api_route(client):
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    import re

    for path, method, route in ROUTES:
        if route.endpoint.meta.api:
            key = (re.sub(r"{(\w+):\w+}", r"{\1}", path.removeprefix("/api/v1")), method)
            assert key in documented, key
    for ops in doc["paths"].values():
        for op in ops.values():
            for ref in re.findall(r'"\$ref": "#/components/schemas/(\w+)"', __import__("json").dumps(op)):
                assert ref in doc["components"]["schemas"]
    assert "Problem" in doc["components"]["schemas"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and "/collaboratives" in docs.text


def test_unknown_json_is_a_problem_not_a_crash(factory, client):
    dpl = factory.dpl()
    r = client.post("/api/v1/collaboratives", content=b"{not json", headers={
        **bearer(factory, dpl), "Content-Type": "application/json"})
    assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json"


def test_app_is_importable_for_uvicorn(tmp_path):
    """``uvicorn nesa_collab.app:app`` finds an app configured from the environment (a fresh process,
    so nothing this suite imported or configured helps it)."""
    import subprocess
    import sys

    from nesa_collab.migrate import upgrade

    url = f"sqlite:///{tmp_path}/x.db"
    upgrade(url)
    script = ("from uvicorn.importer import import_from_string\n"
              "from starlette.testclient import TestClient\n"
              "app = import_from_string('nesa_collab.app:app')\n"
              "with TestClient(app) as c:\n"
              "    print(app.state.settings.network_name, c.get('/health').json()['status'],"
              " c.get('/collaboratives').status_code)\n")
    env = {**__import__("os").environ, "NESA_DATABASE_URL": url, "NESA_NETWORK_NAME": "Test Network"}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["Test", "Network", "ok", "200"]
