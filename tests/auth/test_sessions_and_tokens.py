"""Sessions end on a password change; tokens cannot mint tokens; the throttle is per client."""

from __future__ import annotations

from starlette.testclient import TestClient

from ..conftest import PASSWORD, csrf_of, post_form, sign_in


def test_changing_the_password_signs_out_other_browsers(factory, app):
    person = factory.educator()
    laptop, phone = TestClient(app), TestClient(app)
    sign_in(laptop, person.email)
    sign_in(phone, person.email)
    r = post_form(laptop, "/profile", {"action": "password", "current_password": PASSWORD,
                                        "new_password": "a-brand-new-pass", "confirm_password": "a-brand-new-pass"})
    assert r.status_code == 303
    assert laptop.get("/profile", follow_redirects=False).status_code == 200
    assert phone.get("/profile", follow_redirects=False).status_code == 303  # to the sign-in page


def test_a_token_cannot_create_tokens(factory, client):
    person = factory.educator()
    token = factory.token(person)
    r = client.post("/api/v1/tokens", json={"name": "copy"}, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 403


def test_the_throttle_of_one_client_does_not_lock_the_owner_out_elsewhere(factory, app, settings):
    person = factory.educator()
    attacker = TestClient(app, client=("203.0.113.9", 5000))
    for _ in range(settings.sign_in_max_failures):
        attacker.post("/sign-in", data={"email": person.email, "password": "guess-guess",
                                        "csrf_token": csrf_of(attacker)})
    r = attacker.post("/sign-in", data={"email": person.email, "password": PASSWORD, "csrf_token": csrf_of(attacker)})
    assert r.status_code == 429
    owner = TestClient(app, client=("198.51.100.7", 5000))
    sign_in(owner, person.email)
