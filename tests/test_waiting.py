"""Every home page leads with "Waiting for you": what the person must act on, each item linking to
the place to act. Checked on the demo network, as each role signs in on the day it describes."""

from __future__ import annotations

import html
import re

from starlette.testclient import TestClient

from nesa_collab import clock
from nesa_collab.app import create_app
from nesa_collab.db import Database

from .conftest import SEED_DAY, csrf_of


def _waiting(client: TestClient) -> list[tuple[str, str]]:
    """The (link, text) items of the home page's "Waiting for you" list, in order."""
    home = client.get("/").text
    assert re.findall(r"<h2[^>]*>(.*?)</h2>", home)[0].startswith("Waiting for you")
    section = home[home.index('id="waiting-title"'):home.index("</section>", home.index('id="waiting-title"'))]
    return [(url, html.unescape(text)) for url, text in re.findall(r'<li><a href="([^"]+)">([^<]+)</a>', section)]


def _as(app, email: str) -> TestClient:
    client = TestClient(app)
    r = client.post("/sign-in", data={"email": email, "password": "demo-password", "csrf_token": csrf_of(client)},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    return client


def test_each_role_sees_what_waits_for_them_first(seeded):
    world, settings = seeded
    clock.freeze(SEED_DAY)
    app = create_app(settings, Database(world.url))
    with TestClient(app):
        dpl = _waiting(_as(app, "maya.haddad@nesa-demo.org"))
        texts = [t for _, t in dpl]
        assert any(t.startswith("Answer 2 open proposals") for t in texts), texts  # M4
        assert any("interest" in t and t.startswith("Decide on") for t in texts), texts  # K2
        assert all(url.startswith("/") for url, _ in dpl)

        pdac = _waiting(_as(app, "pinar.sahin@robcol.example"))  # C1: a consultation requested of her
        assert any(t.startswith("Give the PDAC's view on appointing Priya Sharma") and url.startswith("/consultations/")
                   for url, t in pdac), pdac

        rania = _waiting(_as(app, "rania.nassar@acs-amman.example"))  # scenario 4: a coordinator
        assert any(url.endswith("/obligations?status=pending") and t.startswith("Answer 4 obligations")
                   for url, t in rania), rania

        staff = _waiting(_as(app, "eleni.papadopoulou@nesa-demo.org"))
        assert any(url == "/claims" and t.startswith("Decide or pay 5 hotel-night claims") for url, t in staff), staff
        assert any(url == "/conferences/sec-2027/support" and "rooms and refreshments" in t for url, t in staff), staff

        member = _waiting(_as(app, "nadia.rahman@aisd-dhaka.example"))
        assert [t for _, t in member] == ["Are you going to World Languages Core call (World Languages "
                                          "Collaborative) on Wed 9 Dec 2026?"]
        url = member[0][0]
        assert url.endswith("#rsvp") and "occurrence=2026-12-09T18:45" in url


def test_acting_on_an_item_takes_it_off_the_list(seeded):
    world, settings = seeded
    clock.freeze(SEED_DAY)
    app = create_app(settings, Database(world.url))
    with TestClient(app):
        staff = _as(app, "eleni.papadopoulou@nesa-demo.org")
        before = [t for _, t in _waiting(staff) if "rooms and refreshments" in t and "Spring Educators" in t]
        assert before and before[0].startswith("Arrange rooms and refreshments for 4 planning meetings")
        page = staff.get("/conferences/sec-2027/support").text
        first = re.search(r'name="meeting_id" value="(\d+)"', page).group(1)
        r = staff.post("/conferences/sec-2027/support", data={
            "meeting_id": first, "room": "Orchid 2", "status": "arranged", "coffee": "1", "lunch": "1",
            "csrf_token": csrf_of(staff)}, follow_redirects=False)
        assert r.status_code == 303
        after = [t for _, t in _waiting(staff) if "rooms and refreshments" in t and "Spring Educators" in t]
        assert after[0].startswith("Arrange rooms and refreshments for 3 planning meetings")
