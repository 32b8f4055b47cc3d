"""Sign-in, sessions, CSRF, the throttle, passwords, time zones and API tokens."""

from __future__ import annotations

from sqlalchemy import select

from nesa_collab.auth.models import ApiToken, Person, Role

from ..conftest import PASSWORD, csrf_of, post_form, sign_in


def test_sign_in_sets_a_safe_session_cookie_and_sign_out_ends_it(factory, client):
    person = factory.educator(name="Priya Sharma")
    token = csrf_of(client)
    r = client.post("/sign-in", data={"email": person.email.upper(), "password": PASSWORD, "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "Priya Sharma" in client.get("/").text
    post_form(client, "/sign-out")
    assert client.get("/profile", follow_redirects=False).status_code == 303


def test_session_cookie_is_secure_outside_development(settings, database, factory):
    from starlette.testclient import TestClient

    from nesa_collab.app import create_app

    person = factory.educator()
    app = create_app(settings.with_(env="production"), database)
    with TestClient(app, base_url="https://testserver") as c:
        token = csrf_of(c)
        r = c.post("/sign-in", data={"email": person.email, "password": PASSWORD, "csrf_token": token},
                   follow_redirects=False)
        assert "secure" in r.headers["set-cookie"].lower()


def test_wrong_password_is_refused(factory, client):
    person = factory.educator()
    r = client.post("/sign-in", data={"email": person.email, "password": "nope-nope-nope",
                                      "csrf_token": csrf_of(client)})
    assert r.status_code == 400 and "do not match" in r.text


def test_sign_in_throttle_engages_after_repeated_failures(factory, client, settings):
    person = factory.educator()
    for _ in range(settings.sign_in_max_failures):
        r = client.post("/sign-in", data={"email": person.email, "password": "wrong-password",
                                          "csrf_token": csrf_of(client)})
        assert r.status_code == 400
    # Now even the right password is refused for a while.
    r = client.post("/sign-in", data={"email": person.email, "password": PASSWORD, "csrf_token": csrf_of(client)})
    assert r.status_code == 429 and "Too many failed sign-ins" in r.text


def test_csrf_a_form_post_without_the_token_is_refused(factory, as_, database):
    dpl = factory.dpl()
    client = as_(dpl)
    r = client.post("/collaboratives/new", data={"name": "Sneaky", "kind": "discipline"}, follow_redirects=False)
    assert r.status_code == 403 and "CSRF" in r.text
    r = client.post("/collaboratives/new", data={"name": "Sneaky", "kind": "discipline", "csrf_token": "forged"})
    assert r.status_code == 403
    r = client.post("/collaboratives/new", data={"name": "Sneaky", "kind": "discipline",
                                                 "csrf_token": csrf_of(client)},
                    headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    from nesa_collab.network.models import Collaborative

    with database.transaction() as db:
        assert db.scalar(select(Collaborative)) is None
    # The same post with the token works.
    assert post_form(client, "/collaboratives/new", {"name": "Honest", "kind": "discipline"}).status_code == 303


def test_csrf_sign_in_itself_needs_the_token(factory, client):
    person = factory.educator()
    r = client.post("/sign-in", data={"email": person.email, "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 403


def test_open_redirect_after_sign_in_is_not_followed(factory, client):
    person = factory.educator()
    r = client.post("/sign-in", data={"email": person.email, "password": PASSWORD, "next": "https://evil.example/",
                                      "csrf_token": csrf_of(client)}, follow_redirects=False)
    assert r.headers["location"] == "/"


def test_change_password_and_time_zone(factory, as_, database):
    person = factory.educator(time_zone=None)
    client = as_(person)
    r = post_form(client, "/profile", {"action": "time_zone", "time_zone": "Asia/Kathmandu"})
    assert r.status_code == 303
    r = post_form(client, "/profile", {"action": "time_zone", "time_zone": "Nowhere/Land"})
    assert r.status_code == 422 and "M6:" in r.text
    r = post_form(client, "/profile", {"action": "password", "current_password": "bad-bad-bad",
                                        "new_password": "a-new-password-1", "confirm_password": "a-new-password-1"})
    assert r.status_code == 422 and "current password" in r.text
    r = post_form(client, "/profile", {"action": "password", "current_password": PASSWORD,
                                        "new_password": "a-new-password-1", "confirm_password": "a-new-password-1"})
    assert r.status_code == 303
    with database.transaction() as db:
        assert db.get(Person, person.id).time_zone == "Asia/Kathmandu"
    from starlette.testclient import TestClient

    fresh = TestClient(client.app)
    sign_in(fresh, person.email, "a-new-password-1")


def test_api_tokens_created_on_the_page_authenticate_and_revoked_ones_do_not(factory, as_, database):
    person = factory.educator(name="Omar Khalil")
    client = as_(person)
    r = post_form(client, "/profile/tokens", {"name": "sync script"})
    assert r.status_code == 200
    secret = r.context["created"]
    api = as_()
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.json()["person"]["name"] == "Omar Khalil"
    with database.transaction() as db:
        token_id = db.scalar(select(ApiToken.id))
        assert db.get(ApiToken, token_id).token_hash != secret  # only the hash is stored
    assert post_form(client, "/profile/tokens", {"revoke": str(token_id)}).status_code == 303
    r = api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")


def test_someone_elses_token_cannot_be_revoked(factory, as_):
    owner, other = factory.educator(), factory.educator()
    factory.token(owner)
    r = post_form(as_(other), "/profile/tokens", {"revoke": "1"})
    assert r.status_code == 404


def test_api_writes_with_a_cookie_need_the_csrf_header(factory, as_):
    dpl = factory.dpl()
    client = as_(dpl)
    r = client.post("/api/v1/collaboratives", json={"name": "X", "kind": "discipline"})
    assert r.status_code == 403
    r = client.post("/api/v1/collaboratives", json={"name": "X", "kind": "discipline"},
                    headers={"X-CSRF-Token": csrf_of(client)})
    assert r.status_code == 201


def test_inactive_people_cannot_sign_in(factory, database, client):
    person = factory.person(Role.MEMBER)
    with database.transaction() as db:
        db.get(Person, person.id).is_active = False
    r = client.post("/sign-in", data={"email": person.email, "password": PASSWORD, "csrf_token": csrf_of(client)})
    assert r.status_code == 400
