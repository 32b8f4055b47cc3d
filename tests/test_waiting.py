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


def test_after_the_directors_sweep_each_role_sees_its_flags_and_fixing_one_clears_it(seeded):
    """Issue 10's journey on the demo data: after a sweep the Director's home names the ending terms
    (F1), the short Core (F3) and the stale plans (F4) beside the submitted plan; a Core member's the
    late agenda (F5); the PDAC member's the consultation requested. Reappointing the member whose term
    ends and sweeping again takes the flag off."""
    world, settings = seeded
    clock.freeze(SEED_DAY)
    app = create_app(settings.with_(scheduler="off"), Database(world.url))
    with TestClient(app):
        dpl = _as(app, "maya.haddad@nesa-demo.org")
        assert not any(rule for rule, _ in _flag_lines(dpl))  # nothing is flagged before a sweep
        r = dpl.post("/flags/runs", data={"csrf_token": csrf_of(dpl)}, follow_redirects=False)
        assert r.status_code == 303
        lines = _flag_lines(dpl)
        by_rule = {}
        for rule, (url, text) in lines:
            by_rule.setdefault(rule, []).append((url, text))
        assert by_rule["F1"] == [("/flags?rule=F1", "4 flags: terms ending without a successor")]
        assert by_rule["F3"] == [("/collaboratives/early-childhood/core", "The Early Childhood Collaborative Core is "
                                  "under strength (C6): 4 members, at least 5 are needed")]
        [(url, text)] = by_rule["F4"]
        stale = dpl.get(url).text  # the rule's flags, each with the page where it is fixed
        rows = stale.count('<td><a class="rule"')
        assert rows > 3 and text == f"{rows} flags: plans out of date"
        assert "The Science Collaborative plan is out of date (P5): no revision in 12 months" in stale
        assert len(by_rule["F8"]) == 2 and "F5" not in by_rule  # the Cores' agendas are theirs
        assert any(t.startswith("Review the ") for _, t in _waiting(dpl))  # P4: the submitted plan
        ending = dpl.get("/flags?rule=F1").text
        assert "Nurlan Omarov&#39;s term on the World Languages Collaborative Core ends on 31 December 2026" in ending
        assert '/collaboratives/world-languages/core">Go to the Core</a>' in ending

        _give_password(world.url, settings, "sita.maharjan@bsk-ktm.example")
        sita = _as(app, "sita.maharjan@bsk-ktm.example")  # on the World Languages Core
        f5 = [(url, t) for rule, (url, t) in _flag_lines(sita) if rule == "F5"]
        assert len(f5) == 1 and f5[0][0].endswith("/agenda")
        assert f5[0][1].startswith("World Languages Core call (World Languages Collaborative) meets on 9 December 2026")

        pdac = _waiting(_as(app, "pinar.sahin@robcol.example"))
        assert any(t.startswith("Give the PDAC's view on appointing") for _, t in pdac)

        core = dpl.get("/collaboratives/world-languages/core").text
        [term] = [t for row in re.findall(r"<tr>.*?</tr>", core, re.S) if "Nurlan Omarov" in row
                  for t in re.findall(r'/core/terms/(\d+)/reappoint"', row)]
        r = dpl.post(f"/core/terms/{term}/reappoint", data={
            "ends_on": "2028-12-31", "ed_consulted_on": "2026-11-20", "pdac_consulted_on": "2026-11-24",
            "csrf_token": csrf_of(dpl)}, follow_redirects=False)
        assert r.status_code == 303, r.text
        assert dpl.post("/flags/runs", data={"csrf_token": csrf_of(dpl)}, follow_redirects=False).status_code == 303
        # His ending term and the World Languages Core's falling short both clear; the two left are
        # few enough to be listed each on its own line.
        f1 = [t for rule, (_, t) in _flag_lines(dpl) if rule == "F1"]
        assert len(f1) == 2 and not any("World Languages" in t for t in f1), f1
        cleared = dpl.get("/flags?rule=F1&status=cleared").text
        assert "Nurlan Omarov&#39;s term" in cleared


def _give_password(url: str, settings, email: str) -> None:
    """The demo password for someone outside the demo's sign-ins (its other people have none)."""
    from nesa_collab.auth.services import find_by_email, hash_password

    database = Database(url)
    try:
        with database.transaction() as db:
            find_by_email(db, email).password_hash = hash_password("demo-password", settings)
    finally:
        database.dispose()


def _flag_lines(client: TestClient) -> list[tuple[str, tuple[str, str]]]:
    """The flag items (F1–F8) of the home page's "Waiting for you" list: (rule, (link, text))."""
    home = client.get("/").text
    section = home[home.index('id="waiting-title"'):home.index("</section>", home.index('id="waiting-title"'))]
    return [(rule, (url, html.unescape(text))) for url, text, rule in re.findall(
        r'<li><a href="([^"]+)">([^<]+)</a> <a class="rule meta" href="/rules#f\d">(F\d)</a>', section)]
