"""Test fixtures: a fresh migrated database per test (a copy of one migrated template), the app,
clients signed in as any person, a factory that builds the network through the services, and a
statement counter."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import event
from starlette.testclient import TestClient

from nesa_collab import clock
from nesa_collab.app import create_app, install_domain_rules
from nesa_collab.db import Database
from nesa_collab.migrate import upgrade
from nesa_collab.settings import Settings

from . import databases
from .factories import Factory

PASSWORD = "correct-horse-battery"

# Services called directly (not through an app) apply the same cross-domain checks (C4).
install_domain_rules()
# No test app starts the daily sweep's scheduler (apps built from the environment included, and the
# processes tests start); tests call the sweep themselves.
os.environ["NESA_SCHEDULER"] = "off"


def pytest_sessionfinish(session, exitstatus):
    """On PostgreSQL, drop what this process's tests left behind (each xdist worker is a process)."""
    databases.drop_leftovers()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory) -> Iterator[str]:
    """One database migrated with Alembic; each test gets a copy (fast, and tests the migrations)."""
    url = databases.new_database(tmp_path_factory.mktemp("template"), "template")
    upgrade(url)
    yield url
    databases.drop(url)


def _settings(url: str, receipts: Path) -> Settings:
    return Settings(database_url=url, env="test", secret_key="test-secret-" + "x" * 32,
                    password_time_cost=1, password_memory_cost=1024, base_url="http://testserver",
                    receipts_dir=str(receipts), scheduler="off")


@pytest.fixture
def settings(tmp_path, template_db) -> Iterator[Settings]:
    url = databases.clone(template_db, tmp_path)
    yield _settings(url, tmp_path / "receipts")
    databases.drop(url)


#: The day the demo data describes (its Core terms are fixed dates around it).
SEED_DAY = datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc)


@dataclass
class Seeded:
    url: str
    #: What the first load added, by kind.
    counts: dict[str, int]
    #: Where the demo claims' receipts were written (S3); copies of the network share them.
    receipts: Path


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory, template_db) -> Iterator[Seeded]:
    """The demo network loaded once, on its day; tests that need it get a copy (``seeded``)."""
    from nesa_collab.seed import load

    folder = tmp_path_factory.mktemp("seeded")
    url = databases.clone(template_db, folder, "seeded")
    clock.freeze(SEED_DAY)
    database = Database(url)
    try:
        counts = load(database, _settings(url, folder / "receipts"))
    finally:
        database.dispose()
        clock.freeze(None)
    yield Seeded(url, counts, folder / "receipts")
    databases.drop(url)


@pytest.fixture
def seeded(tmp_path, seeded_template) -> Iterator[tuple[Seeded, Settings]]:
    """A copy of the seeded demo network, for one test to read or change."""
    url = databases.clone(seeded_template.url, tmp_path, "seeded")
    yield Seeded(url, seeded_template.counts, seeded_template.receipts), _settings(url, seeded_template.receipts)
    databases.drop(url)


@pytest.fixture
def database(settings) -> Iterator[Database]:
    db = Database(settings.database_url)
    yield db
    db.dispose()


@pytest.fixture
def app(settings, database):
    return create_app(settings, database)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def factory(database, settings) -> Factory:
    return Factory(database, settings, PASSWORD)


@pytest.fixture(autouse=True)
def _release_clock():
    yield
    clock.freeze(None)


def csrf_of(client: TestClient) -> str:
    """The CSRF token of this client's session (read from a page that carries it)."""
    for path in ("/profile", "/sign-in"):
        r = client.get(path, follow_redirects=False)
        m = re.search(r'name="csrf_token" value="([^"]+)"', r.text)
        if m:
            return m.group(1)
    raise AssertionError("no CSRF token found")


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> TestClient:
    token = csrf_of(client)
    r = client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    return client


def post_form(client: TestClient, url: str, data: dict | None = None, **kw):
    """Post a form the way a browser does, with the session's CSRF token."""
    payload = dict(data or {})
    payload.setdefault("csrf_token", csrf_of(client))
    return client.post(url, data=payload, follow_redirects=kw.pop("follow_redirects", False), **kw)


@pytest.fixture
def as_(app):
    """``as_(person)``: a client signed in as ``person`` (None: anonymous)."""
    clients: list[TestClient] = []

    def make(person=None) -> TestClient:
        c = TestClient(app)
        clients.append(c)
        if person is not None:
            sign_in(c, person.email)
        return c

    yield make
    for c in clients:
        c.close()


@dataclass
class QueryCounter:
    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(database):
    @contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()

        def on_execute(conn, cursor, statement, *args):
            if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SAVEPOINT", "RELEASE")):
                counter.statements.append(statement)

        event.listen(database.engine, "before_cursor_execute", on_execute)
        try:
            yield counter
        finally:
            event.remove(database.engine, "before_cursor_execute", on_execute)

    return counting
