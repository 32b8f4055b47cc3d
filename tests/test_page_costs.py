"""Every page costs what it shows, not what the network holds: each main page and API list, asked by
each persona of the demo, takes the same SQL statements on the demo network and on that network grown
eight times over by ``bench/grow.py`` (past the 500 ids a batched eager load takes at once), and loads
about as many rows as objects — not eight times as many.

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

FACTOR = 8
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


@pytest.fixture(scope="module")
def costs(seeded_template, tmp_path_factory):
    """The costs of every page at 1× (a copy of the demo network) and at 8× (that copy grown)."""
    folder = tmp_path_factory.mktemp("costs")
    url = databases.clone(seeded_template.url, folder, "costs")
    settings = _settings(url, seeded_template.receipts)
    small = _costs(url, settings)
    counts = grow.grow(Path(make_url(url).database), FACTOR)
    assert counts["core_appointments"] > 500 and counts["people"] > 500  # past one eager-load batch
    large = _costs(url, settings)
    yield small, large
    databases.drop(url)


@pytest.mark.parametrize("who,path", PAGES, ids=[f"{w}:{p}" for w, p in PAGES])
def test_a_page_takes_the_same_statements_on_a_network_eight_times_larger(costs, who, path):
    small, large = costs
    assert large[(who, path)][0] == small[(who, path)][0], f"{path} as {who}: {small[(who, path)]} → {large[(who, path)]}"


@pytest.mark.parametrize("who,path", PAGES, ids=[f"{w}:{p}" for w, p in PAGES])
def test_a_page_loads_what_it_shows_not_the_network(costs, who, path):
    """A paged list fills its page on the larger network (25 rows where the demo had 12), but a page
    that loads every row of a table loads eight times as many."""
    small, large = costs
    objects_small, objects_large = small[(who, path)][1], large[(who, path)][1]
    assert objects_large <= 2 * objects_small + 60, f"{path} as {who}: {objects_small} → {objects_large} objects"
