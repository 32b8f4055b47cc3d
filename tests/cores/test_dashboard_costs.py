"""The Core dashboard, its API, the Director's home page, the appointment form and the open seats
issue the same number of SQL statements on
the demo network and on that network grown eight times over by ``bench/grow.py`` (its terms past the 500 ids
of an eager-load batch): no request loads the network's Cores."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

from nesa_collab import clock
from nesa_collab.app import create_app

from .. import databases
from ..conftest import SEED_DAY

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import grow  # noqa: E402 - bench/grow.py

PAGES = ["/cores", "/cores?show=attention", "/cores?q=lit", "/api/v1/cores", "/api/v1/cores?show=attention", "/",
         # the appointment form's lists and the nomination list page in SQL (issue 12, point 11)
         "/collaboratives/literacy/core/appoint", "/collaboratives/literacy/core/appoint?q=a",
         "/collaboratives/literacy/core/appoint?q=Zzzz", "/collaboratives/literacy/core/propose?q=school",
         "/collaboratives/literacy/seats", "/collaboratives/literacy/seats?q=a"]
#: The tables the Cores read: on the home page, other domains' panels are measured by their own tests.
CORE_TABLES = ("core_appointments", "core_candidacies")


def _statements(settings) -> dict[str, int]:
    app = create_app(settings)
    seen: list[str] = []
    with TestClient(app) as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/sign-in").text).group(1)
        client.post("/sign-in", data={"csrf_token": token, "email": "maya.haddad@nesa-demo.org",
                                      "password": "demo-password"})
        event.listen(app.state.database.engine, "before_cursor_execute", lambda c, cur, s, *a: seen.append(s))
        out = {}
        for path in PAGES:
            seen.clear()
            assert client.get(path).status_code == 200, path
            out[path] = len([s for s in seen if not s.startswith(("BEGIN", "COMMIT", "ROLLBACK"))
                             and (path != "/" or any(t in s for t in CORE_TABLES))])
    return out


@pytest.mark.skipif(databases.ON_POSTGRES, reason="bench/grow.py grows a SQLite file")
def test_the_core_dashboard_and_home_take_as_many_statements_on_a_network_eight_times_larger(seeded):
    data, settings = seeded
    clock.freeze(SEED_DAY)
    try:
        small = _statements(settings)
        counts = grow.grow(Path(make_url(data.url).database), 8)
        assert counts["core_appointments"] > 500  # past one eager-load batch of terms
        large = _statements(settings)
    finally:
        clock.freeze(None)
    assert large == small
