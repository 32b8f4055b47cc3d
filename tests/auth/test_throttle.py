"""The sign-in throttle (issue 13): guessing waits longer after each failure, per account and per
address; a school sharing one address and an owner under attack are slowed, never shut out."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from starlette.testclient import TestClient

from nesa_collab import clock

from ..conftest import PASSWORD, csrf_of

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)


def attempt(app, ip: str, email: str, password: str = "a-wrong-guess"):
    c = TestClient(app, client=(ip, 5000))
    return c.post("/sign-in", data={"email": email, "password": password, "csrf_token": csrf_of(c)},
                  follow_redirects=False)


def at(seconds: float) -> None:
    clock.freeze(T0 + timedelta(seconds=seconds))


def test_guessing_one_account_waits_twice_as_long_after_each_failure_and_waiting_attempts_do_not_count(
        factory, app, settings):
    person = factory.educator()
    at(0)
    for _ in range(settings.sign_in_max_failures):
        assert attempt(app, "203.0.113.9", person.email).status_code == 400
    waits = []
    now = 0.0
    for _ in range(4):
        r = attempt(app, "203.0.113.9", person.email)
        assert r.status_code == 429 and "Try again in" in r.text
        waits.append(int(r.headers["Retry-After"]))
        # Hammering while waiting is refused without being counted.
        assert attempt(app, "203.0.113.9", person.email, PASSWORD).status_code == 429
        now += waits[-1]
        at(now)
        assert attempt(app, "203.0.113.9", person.email).status_code == 400
    assert waits == [1, 2, 4, 8]


def test_a_school_behind_one_address_is_slowed_for_at_most_a_minute_not_locked_out(factory, app, settings):
    """Forty failed sign-ins from a school's one NAT address, across accounts: the Director at that
    school waits a minute at most, then signs in."""
    dpl = factory.dpl()
    now, waits = 0, []
    at(now)
    for n in range(40):
        r = attempt(app, "198.51.100.20", f"someone{n}@school.example")
        if r.status_code == 429:
            waits.append(int(r.headers["Retry-After"]))
            now += waits[-1]
            at(now)
            r = attempt(app, "198.51.100.20", f"someone{n}@school.example")
        assert r.status_code == 400
    assert max(waits) == 60 and waits[:3] == [1, 2, 4]
    r = attempt(app, "198.51.100.20", dpl.email, PASSWORD)
    assert r.status_code == 303 or int(r.headers["Retry-After"]) <= 60
    at(now + 60)
    assert attempt(app, "198.51.100.20", dpl.email, PASSWORD).status_code == 303
    # Elsewhere nothing waited.
    at(0)
    assert attempt(app, "192.0.2.77", "someone-else@school.example").status_code == 400


def test_guessing_one_account_from_many_addresses_slows_it_but_the_owner_gets_in_within_a_minute(
        factory, app, settings):
    person = factory.educator()
    at(0)
    for n in range(4 * settings.sign_in_max_failures):
        assert attempt(app, f"203.0.113.{n + 1}", person.email).status_code == 400
    r = attempt(app, "192.0.2.50", person.email, PASSWORD)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) == 1
    at(1)
    assert attempt(app, "192.0.2.50", person.email, PASSWORD).status_code == 303
    # A success starts the account's count afresh.
    assert attempt(app, "203.0.113.99", person.email).status_code == 400
