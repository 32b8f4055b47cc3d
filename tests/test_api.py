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


# --- the contract: every answer an operation can give is in the document (issue 13) ---------------

def _operations(doc):
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            yield path, method.upper(), op


def test_the_document_lists_every_status_an_operation_can_answer(client):
    doc = client.get("/api/v1/openapi.json").json()
    for path, method, op in _operations(doc):
        statuses = set(op["responses"])
        where = f"{method} {path}"
        assert "401" in statuses, where  # a bearer token that is not (or no longer) valid
        if op["x-permission"] != "public" or method != "GET":
            assert "403" in statuses, where
        if "{" in path:
            assert {"404", "422"} <= statuses, where
        if "requestBody" in op:
            assert {"400", "422"} <= statuses, where
        if method != "GET":
            assert {"409", "415", "422"} <= statuses, where
        if any(p["in"] == "query" for p in op["parameters"]):
            assert "422" in statuses, where
        assert "429" not in statuses and "500" not in statuses, where
        for status, answer in op["responses"].items():
            if int(status) >= 400 and status != "413":  # the body-size limit answers before the app
                assert list(answer["content"]) == ["application/problem+json"], (where, status)


def test_public_operations_are_declared_public_with_an_optional_token(client):
    """M2: a published meeting, its agenda and occurrences are read without signing in, so the
    document must not say they need a bearer token."""
    doc = client.get("/api/v1/openapi.json").json()
    ops = {(path, method): op for path, method, op in _operations(doc)}
    for key in [("/meetings/{meeting_id}", "GET"), ("/meetings/{meeting_id}/agenda", "GET"),
                ("/meetings/{meeting_id}/occurrences", "GET"), ("/collaboratives", "GET")]:
        assert ops[key]["security"] == [{}, {"bearer": []}], key
    assert ops[("/meetings", "POST")]["security"] == [{"bearer": []}]
    assert ops[("/meetings/{meeting_id}/minutes", "GET")]["security"] == [{"bearer": []}]


def test_local_wall_times_are_declared_as_strings_without_an_offset(client):
    """M6: a meeting's ``starts`` is a wall-clock time in its ``time_zone``, not an instant."""
    import re

    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    for name, field in [("MeetingOut", "local_start"), ("MeetingOut", "local_end"), ("MeetingIn", "starts"),
                        ("OccurrenceOut", "local_start")]:
        prop = schemas[name]["properties"][field]
        assert "date-time" not in str(prop), (name, field, prop)
        pattern = re.compile(str(prop).split("'pattern': '")[1].split("'")[0].replace("\\\\", "\\"))
        assert pattern.match("2027-03-25T09:00:00") and pattern.match("2027-03-25T09:00")
        assert not pattern.match("2027-03-25T09:00:00Z") and not pattern.match("2027-03-25T09:00:00+02:00")
    assert schemas["MeetingOut"]["properties"]["starts_at"].get("format") == "date-time"


def test_amounts_are_declared_as_strings(client):
    """S3: money travels as a string such as "145.00"."""
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert schemas["ClaimOut"]["properties"]["amount"]["type"] == "string"
    assert "pattern" in schemas["ClaimOut"]["properties"]["amount"]


def test_the_audit_log_is_documented_as_a_keyset_page(factory, client):
    doc = client.get("/api/v1/openapi.json").json()
    schema = doc["paths"]["/audit"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["type"] == "object" and {"items", "per_page", "next", "previous"} <= set(schema["properties"])
    r = client.get("/api/v1/audit", headers=bearer(factory, factory.dpl()))
    assert set(r.json()) == {"items", "per_page", "next", "previous"}


# --- answers outside any one operation: paths, page numbers, methods ------------------------------

def test_a_path_whose_id_is_not_a_number_is_a_problem_json_404(client):
    r = client.get("/api/v1/meetings/abc")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"


def test_a_page_number_must_be_a_whole_number_from_one(factory, client):
    for value in ["null", "abc", "0", "-3", "1.5"]:
        r = client.get("/api/v1/collaboratives", params={"page": value})
        assert r.status_code == 422, value
        assert r.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in r.json()["errors"]] == ["page"], value
    assert client.get("/api/v1/collaboratives", params={"page": "2"}).status_code == 200


def test_a_filter_value_that_is_not_a_choice_is_refused_not_a_crash(factory, client):
    r = client.get("/api/v1/collaboratives", params={"kind": "pottery"})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in r.json()["errors"]] == ["kind"]
    h = bearer(factory, factory.dpl())
    assert client.get("/api/v1/schools", params={"status": "asleep"}, headers=h).status_code == 422
    assert client.get("/api/v1/people", params={"role": "king"}, headers=h).status_code == 422


def test_a_method_a_path_does_not_take_is_405_allowing_every_method_it_does(factory, client):
    collab = factory.collaborative("Literacy")
    r = client.delete(f"/api/v1/collaboratives/{collab.slug}")
    assert r.status_code == 405 and r.headers["content-type"] == "application/problem+json"
    assert {m.strip() for m in r.headers["allow"].split(",")} >= {"GET", "HEAD", "PATCH"}
    r = client.delete(f"/collaboratives/{collab.slug}")
    assert r.status_code == 405 and "GET" in r.headers["allow"]


def test_m6_a_meeting_time_with_an_offset_is_refused_naming_the_field(factory, client):
    """A meeting's times are wall-clock times in its time_zone: an offset beside them would say
    another zone, so it is refused rather than silently dropped."""
    collab = factory.collaborative("Literacy")
    r = client.post("/api/v1/meetings", headers=bearer(factory, factory.dpl()), json={
        "collaborative": collab.slug, "title": "Core meeting", "mode": "virtual", "time_zone": "Asia/Dubai",
        "starts": "2027-03-25T09:00:00+02:00", "ends": "2027-03-25T10:00:00", "join_url": "https://meet.example.org/x"})
    assert r.status_code == 422
    assert [(e["field"], e["rule"]) for e in r.json()["errors"]] == [("starts", "M6")]
