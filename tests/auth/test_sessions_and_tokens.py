"""Sessions end on a password change; tokens cannot mint tokens; the throttle is per client."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from starlette.testclient import TestClient

from nesa_collab import clock
from nesa_collab.auth.models import AuthSession, Person

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


def test_changing_the_password_revokes_every_api_token(factory, app, client):
    person = factory.educator()
    token = factory.token(person)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    browser = sign_in(TestClient(app), person.email)
    r = post_form(browser, "/profile", {"action": "password", "current_password": PASSWORD,
                                         "new_password": "a-brand-new-pass", "confirm_password": "a-brand-new-pass"})
    assert r.status_code == 303
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert "API tokens" in browser.get("/profile").text


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


def test_a_session_ends_when_it_expires_is_signed_out_or_its_person_is_deactivated(factory, app, database):
    person = factory.educator()
    browsers = [sign_in(TestClient(app), person.email) for _ in range(3)]
    assert all(b.get("/profile", follow_redirects=False).status_code == 200 for b in browsers)
    with database.transaction() as db:
        first, second, _ = db.scalars(select(AuthSession).where(AuthSession.person_id == person.id)
                                           .order_by(AuthSession.id)).all()
        db.execute(update(AuthSession).where(AuthSession.id == first.id).values(expires_at=clock.now_utc()
                                                                                - timedelta(seconds=1)))
        db.execute(update(AuthSession).where(AuthSession.id == second.id).values(revoked_at=clock.now_utc()))
    assert [b.get("/profile", follow_redirects=False).status_code for b in browsers] == [303, 303, 200]
    with database.transaction() as db:
        db.execute(update(Person).where(Person.id == person.id).values(is_active=False))
    assert browsers[2].get("/profile", follow_redirects=False).status_code == 303

