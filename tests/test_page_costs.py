"""Every page costs what it shows, not what the network holds: each main page and API list, asked by
each persona of the demo, takes no more SQL statements on that network grown 20 and 40 times over by
``bench/grow.py`` (past the 500 ids a batched eager load takes at once) than on the demo itself, and
loads about as many objects at 40× as at 20× (where every list already fills its page), not twice as
many.

``bench/pages.py`` measures the time and memory of the same pages at 100×; this test keeps the counts.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

from nesa_collab import clock
from nesa_collab.app import create_app
from nesa_collab.db import Base

from . import databases
from .conftest import SEED_DAY, _settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import grow  # noqa: E402 - bench/grow.py

pytestmark = pytest.mark.skipif(databases.ON_POSTGRES, reason="bench/grow.py grows a SQLite file")

DPL = "maya.haddad@nesa-demo.org"
PERSONAS = {
    "dpl": DPL,
    "core member": "omar.khalil@asd-dubai.example",
    "coordinator": "rania.nassar@acs-amman.example",
    "center staff": "eleni.papadopoulou@nesa-demo.org",
    "pdac": "pinar.sahin@robcol.example",
    "executive director": "jonathan.mercer@nesa-demo.org",
    "member": "nadia.rahman@aisd-dhaka.example",
    "visitor": None,
}
#: (persona, path): the homes of every persona, the Director's lists and dashboards, the API lists.
PAGES = [(who, "/") for who in PERSONAS] + [("dpl", p) for p in (
    "/cores", "/plans", "/collaboratives", "/people", "/schools", "/audit", "/meetings", "/conferences",
    "/flags", "/obligations", "/claims", "/interests", "/consultations",
    "/api/v1/collaboratives", "/api/v1/cores", "/api/v1/plans", "/api/v1/people", "/api/v1/schools",
    "/api/v1/meetings", "/api/v1/audit", "/api/v1/flags", "/api/v1/obligations", "/api/v1/claims",
    "/api/v1/conferences", "/api/v1/interests",
)] + [("visitor", "/collaboratives"), ("visitor", "/meetings"), ("visitor", "/api/v1/collaboratives")]


def _costs(url: str, settings) -> dict[tuple[str, str], tuple[int, int]]:
    """(statements, ORM objects loaded) of one request to each page, on the network's own day."""
    clock.freeze(SEED_DAY)
    app = create_app(settings)
    statements: list[str] = []
    loaded = Counter()

    def on_execute(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SAVEPOINT",
                                                      "RELEASE")):
            statements.append(statement)

    def on_load(target, context):
        loaded["objects"] += 1

    event.listen(app.state.database.engine, "before_cursor_execute", on_execute)
    event.listen(Base, "load", on_load, propagate=True)
    clients: dict[str, TestClient] = {}
    out = {}
    try:
        for who, path in PAGES:
            if who not in clients:
                clients[who] = client = TestClient(app)
                if PERSONAS[who]:
                    form = client.get("/sign-in").text
                    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
                    r = client.post("/sign-in", data={"email": PERSONAS[who], "password": "demo-password",
                                                      "csrf_token": token}, follow_redirects=False)
                    assert r.status_code == 303, (who, r.text[:300])
            client = clients[who]
            assert client.get(path).status_code == 200, (who, path)  # warm up (first-use caches)
            statements.clear()
            loaded.clear()
            r = client.get(path)
            assert r.status_code == 200, (who, path)
            out[(who, path)] = (len(statements), loaded["objects"])
    finally:
        event.remove(Base, "load", on_load)
        for c in clients.values():
            c.close()
        app.state.database.dispose()
        clock.freeze(None)
    return out


def _grown(seeded_template, folder: Path, factor: int) -> str:
    url = databases.clone(seeded_template.url, folder, f"costs{factor}")
    if factor > 1:
        counts = grow.grow(Path(make_url(url).database), factor)
        assert counts["core_appointments"] > 500 and counts["people"] > 500  # past one eager-load batch
    return url


@pytest.fixture(scope="module")
def costs(seeded_template, tmp_path_factory):
    """The costs of every page on copies of the demo network at 1×, 20× and 40× (where every list
    fills its pages: 60 and 120 conferences, 240 and 480 collaboratives, ...)."""
    folder = tmp_path_factory.mktemp("costs")
    out = []
    for factor in (1, 20, 40):
        url = _grown(seeded_template, folder, factor)
        out.append(_costs(url, _settings(url, seeded_template.receipts)))
        databases.drop(url)
    return out


def _params():
    return [pytest.param(w, p, id=f"{w}:{p}") for w, p in PAGES]


@pytest.mark.parametrize("who,path", _params())
def test_a_page_takes_no_more_statements_on_a_larger_network(costs, who, path):
    """No more, and usually the same: a page can take fewer when the rows it shows on the larger network
    have less to load with them (the first 25 meetings there may have no conference)."""
    statements = [c[(who, path)][0] for c in costs]
    assert max(statements[1:]) <= statements[0], f"{path} as {who}: {statements} at 1×, 20×, 40×"


@pytest.mark.parametrize("who,path", _params())
def test_a_page_loads_what_it_shows_not_the_network(costs, who, path):
    """At 20× and 40× every list fills its pages, so a page that loads what it shows loads about as
    many objects on both; one that loads every row of a table loads twice as many at 40×. (Not
    exactly as many: the copies share their dates, so the first page at 40× holds more copies of the
    earliest rows, which may have more to show with them.)"""
    _, objects_20, objects_40 = (c[(who, path)][1] for c in costs)
    assert objects_40 <= 1.5 * objects_20 + 20, f"{path} as {who}: {objects_20} → {objects_40} objects at 20×, 40×"
