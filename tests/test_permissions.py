"""The permission matrix: every route × every role (and anonymous), generated from the app's route
table, checked against what DOMAIN.md says each role may do. A new route with a permission this
table does not know fails here, so no route escapes it."""

from __future__ import annotations

import json
from base64 import b64encode
from datetime import date, datetime, timezone

import itsdangerous
import pytest
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from nesa_collab.auth.permissions import SYSTEM
from nesa_collab import clock
from nesa_collab.app import all_routes, create_app
from nesa_collab.auth.models import AuthSession, Role
from nesa_collab.auth.services import _digest, create_token
from nesa_collab.clock import now_utc
from nesa_collab.db import Database
from nesa_collab.settings import Settings

from . import databases
from .factories import Factory

PERSONAS = ["anonymous", "member", "coordinator", "pdac", "core", "center_staff", "executive_director", "dpl"]
#: Educators of an active member school; "core" also serves on the world's collaborative's Core.
EDUCATORS = {"member", "coordinator", "pdac", "core"}
#: The matrix runs on a fixed day, so terms in the world stay current whenever the tests run.
TODAY = datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc)
SIGNED_IN = set(PERSONAS) - {"anonymous"}

#: DOMAIN.md's "who uses it", as permissions: who may use a route guarded by each one.
EXPECTED: dict[str, set[str]] = {
    "public": set(PERSONAS),
    "signed_in": SIGNED_IN,
    "school.view": SIGNED_IN,
    "school.manage": {"dpl"},
    "person.view": {"dpl", "executive_director", "center_staff"},
    "person.manage": {"dpl"},
    "collaborative.manage": {"dpl"},
    "interest.view": SIGNED_IN,
    "interest.register": EDUCATORS,
    "interest.convert": {"dpl"},
    "membership.join": EDUCATORS,
    "membership.leave": SIGNED_IN,  # one's own membership (checked against the membership itself)
    "norms.edit": {"dpl", "core"},
    "audit.view": {"dpl"},
    "core.view": SIGNED_IN,
    "core.oversee": {"dpl", "executive_director", "pdac"},
    "core.manage": {"dpl"},
    "core.apply": EDUCATORS,
    "core.nominate": EDUCATORS | {"dpl"},
    # Conferences, meetings, agendas, calendars (S1, M1–M6)
    "conference.manage": {"center_staff", "dpl"},
    "meeting.view": set(PERSONAS),  # a published meeting of an active collaborative is public (drafts: 404)
    "meeting.edit": {"dpl", "core"},
    "agenda.edit": {"dpl", "core"},
    "feed.manage": SIGNED_IN,  # one's own links (others' answer 404)
    # Plans (P1–P5), updates and proposals (M4)
    "plan.view": SIGNED_IN,
    "plan.edit": {"dpl", "core"},
    "plan.review": {"dpl"},
    "template.manage": {"dpl"},
    "post.view": {"dpl", "executive_director", "pdac", "center_staff", "core"},
    "post.create": {"core"},
    "proposal.answer": {"dpl"},
}


def walk(routes, prefix=""):
    for route in routes:
        if isinstance(route, Mount):
            if route.name == "static":
                continue
            yield from walk(route.routes, prefix + route.path)
        elif isinstance(route, Route):
            for method in sorted(route.methods - {"HEAD"}):
                yield prefix + route.path, method, route


ROUTES = list(walk(all_routes()))


@pytest.fixture(scope="module")
def world(tmp_path_factory, template_db):
    """A small network on disk, with one signed-in session per persona."""
    path = databases.clone(template_db, tmp_path_factory.mktemp("world"), "world")
    settings = Settings(database_url=path, env="test", secret_key="matrix-" + "k" * 40,
                        password_time_cost=1, password_memory_cost=1024)
    database = Database(settings.database_url)
    f = Factory(database, settings, "matrix-password")
    school = f.school("AES New Delhi")
    collab = f.collaborative("Literacy")
    people = {
        "member": f.educator(school),
        "coordinator": f.educator(school, Role.MEMBER, Role.SCHOOL_COORDINATOR),
        "pdac": f.educator(school, Role.MEMBER, Role.PDAC),
        "center_staff": f.person(Role.CENTER_STAFF),
        "executive_director": f.person(Role.EXECUTIVE_DIRECTOR),
        "core": f.educator(school),
        "dpl": f.dpl(),
    }
    for name in ("member", "coordinator", "pdac"):
        f.member(people[name], collab, date(2025, 9, 1))
    term = f.core_member(people["core"], collab, date(2025, 8, 1), date(2027, 7, 31), today=date(2025, 7, 1))
    from nesa_collab.network import services as network

    with database.transaction() as db:
        interest = network.register_interest(db, _actor(db, people["member"]), name="Outdoor", kind="discipline",
                                             description="Trips")
        token, _ = create_token(db, SYSTEM, db.merge(people["member"]), "t")
        from nesa_collab.cores.services import apply_for_seat

        candidacy = apply_for_seat(db, _actor(db, people["member"]), db.merge(collab), "I would serve.",
                                   today=TODAY.date())
        db.flush()
        ids = {"interest_id": interest.id, "token_id": token.id, "term_id": term.id, "candidacy_id": candidacy.id}
        ids.update(_meetings_world(db, collab, people, settings))
        ids.update(_plan_world(db, settings, collab))
        sessions = {}
        for name, person in people.items():
            key = f"key-{name}"
            db.add(AuthSession(key_hash=_digest(key), person_id=person.id, expires_at=now_utc().replace(year=2100)))
            sessions[name] = {"sid": key, "csrf": f"csrf-{name}"}
    database.dispose()
    params = {"slug": collab.slug, "school": school.slug, "person_id": people["member"].id,
              **ids}
    return {"path": path, "settings": settings, "params": params, "sessions": sessions}


def _meetings_world(db, collab, people, settings) -> dict:
    """A conference, a published meeting and a secret feed link, for the meetings routes."""
    from nesa_collab.meetings import conferences, feed_tokens, services as meetings

    conf = conferences.create_conference(db, SYSTEM, name="Spring Educators Conference", starts_on=date(2027, 3, 26),
                                         ends_on=date(2027, 3, 29), city="Bangkok", time_zone="Asia/Bangkok",
                                         featured=[collab.slug])
    meeting = meetings.create_meeting(db, SYSTEM, db.merge(collab), title="Monthly meeting", mode="virtual",
                                      time_zone="Africa/Cairo", starts=datetime(2026, 12, 8, 16, 0),
                                      ends=datetime(2026, 12, 8, 17, 0), join_url="https://meet.example.org/x")
    meetings.publish_meeting(db, SYSTEM, meeting)
    row, secret = feed_tokens.issue_token(db, SYSTEM, "person", people["member"].id, settings.secret_key)
    db.flush()
    return {"conference": conf.slug, "meeting_id": meeting.id, "feed_token_id": row.id, "feed_token": secret,
            "occurrence": meeting.local_start.strftime("%Y-%m-%dT%H:%M")}


def _plan_world(db, settings, collab) -> dict:
    """A template, a plan with one revision, and an open proposal, for the plans routes."""
    from nesa_collab.network.models import Collaborative
    from nesa_collab.plans import services as plans

    collab = db.get(Collaborative, collab.id)
    plans.save_template(db, SYSTEM, [{"key": k, "title": k.capitalize(), "kind": kind} for k, kind in (
        ("purpose", "free_text"), ("goals", "goals"), ("offerings", "offerings"), ("milestones", "milestones"),
        ("impact", "evidence"), ("norms", "norms"))])  # P2: every kind the template must have
    plan = plans.create_plan(db, SYSTEM, collab, title="Literacy plan", first_year=2025, last_year=2026,
                             settings=settings)
    post = plans.create_post(db, SYSTEM, collab, kind="proposal", title="An idea", body="Let us meet.")
    db.flush()
    return {"plan_id": plan.id, "number": 1, "post_id": post.id}


def _actor(db, person):
    from nesa_collab.cores.services import load_actor

    return load_actor(db, db.merge(person), TODAY.date())


def _cookie(secret: str, session: dict) -> str:
    signer = itsdangerous.TimestampSigner(secret)
    return signer.sign(b64encode(json.dumps(session).encode())).decode()


def _url(path: str, params: dict) -> str:
    import re

    def repl(m):
        name = m.group(1).split(":")[0]
        assert name in params, f"the matrix does not know the path parameter {name!r}: add it to world()"
        return str(params[name])

    return re.sub(r"{([^}]+)}", repl, path)


def test_every_route_declares_a_permission_the_matrix_knows():
    for path, method, route in ROUTES:
        meta = getattr(route.endpoint, "meta", None)
        assert meta is not None, f"{method} {path} is not declared with @page or @api"
        assert meta.permission in EXPECTED, f"{method} {path}: add {meta.permission!r} to EXPECTED"


@pytest.mark.parametrize(("path", "method", "route"), ROUTES, ids=[f"{m} {p}" for p, m, _ in ROUTES])
def test_permission_matrix(path, method, route, world, tmp_path):
    clock.freeze(TODAY)
    meta = route.endpoint.meta
    for persona in PERSONAS:
        db_url = databases.clone(world["path"], tmp_path, persona)
        settings = world["settings"].with_(database_url=db_url)
        app = create_app(settings)
        client = TestClient(app)
        # Anonymous visitors have a session too (holding only a CSRF token), as browsers do.
        session = world["sessions"].get(persona, {"csrf": "csrf-anonymous"})
        client.cookies.set("nesa_session", _cookie(settings.secret_key, session))
        headers = {"X-CSRF-Token": session["csrf"]}
        data = {"csrf_token": session["csrf"]}
        url = _url(path, world["params"])
        if meta.api and method != "GET":
            r = client.request(method, url, json={}, headers=headers, follow_redirects=False)
        elif method == "GET":
            r = client.get(url, headers=headers, follow_redirects=False)
        else:
            r = client.request(method, url, data=data, headers=headers, follow_redirects=False)
        app.state.database.dispose()
        databases.drop(db_url)
        refused = r.status_code in (401, 403) or (
            r.status_code == 303 and r.headers["location"].startswith("/sign-in"))
        allowed = persona in EXPECTED[meta.permission]
        assert r.status_code < 500, f"{method} {path} as {persona}: {r.status_code}"
        assert refused != allowed, (
            f"{method} {path} ({meta.permission}) as {persona}: expected "
            f"{'allowed' if allowed else 'refused'}, got {r.status_code}")
        if refused and persona == "anonymous":
            assert r.status_code == (401 if meta.api else 303)
