"""The permission matrix: every route × every role (and anonymous), generated from the app's route
table, checked against what DOMAIN.md says each role may do. A new route with a permission this
table does not know fails here, so no route escapes it."""

from __future__ import annotations

import json
import re
from base64 import b64encode
from datetime import date, datetime, timezone

import itsdangerous
import pytest
from sqlalchemy import select
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from nesa_collab import clock
from nesa_collab.app import all_routes, create_app
from nesa_collab.auth.models import Role
from nesa_collab.permissions import SYSTEM
from nesa_collab.auth.services import create_token, start_session
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
    "consultation.answer": {"executive_director", "pdac"},  # C1: each body its own request (object cases)
    # Conferences, meetings, agendas, calendars (S1, M1–M6)
    "conference.manage": {"center_staff", "dpl"},
    "meeting.view": set(PERSONAS),  # a published meeting of an active collaborative is public (drafts: 404)
    "meeting.edit": {"dpl", "core"},
    "agenda.edit": {"dpl", "core"},
    "minutes.view": SIGNED_IN,  # M4: of a meeting one may see
    "rsvp.view": SIGNED_IN,  # M4: who is coming to a meeting one may see
    "rsvp.answer": {"member", "coordinator", "pdac", "core"},  # members and the Core of its collaborative
    "feed.manage": SIGNED_IN,  # one's own links (others' answer 404)
    # Plans (P1–P5), updates and proposals (M4)
    "plan.view": SIGNED_IN,
    "plan.edit": {"dpl", "core"},
    "plan.review": {"dpl"},
    "template.manage": {"dpl"},
    "post.view": {"dpl", "executive_director", "pdac", "center_staff", "core"},
    "post.create": {"core"},
    "proposal.answer": {"dpl"},
    # Hotel-night reimbursements (S3)
    "claim.submit": {"core"},  # a Core member (the service checks the meeting's Core on its day)
    "claim.view": SIGNED_IN,  # one's own claims; a claim: its claimant, Center staff, the DPL (others: 404)
    "claim.decide": {"center_staff", "dpl"},
    # Member schools' obligations (O1–O3): a school's are seen by its coordinators (another school's
    # are refused them, object by object), the DPL and Center staff; answered by its coordinators and the DPL.
    "obligation.view": {"coordinator", "center_staff", "dpl"},
    "obligation.decide": {"coordinator", "dpl"},
    "obligation.oversee": {"center_staff", "dpl"},
    # Mail: one's own preferences; a Core's announcements to its members (M4): its Core and the DPL.
    "mail.preferences": SIGNED_IN,
    "announcement.send": {"dpl", "core"},
    # Flags (F1–F8): seen and acknowledged by those who must act on some flag (others' flags are not
    # revealed, object by object); the DPL runs the sweep.
    "flag.view": {"dpl", "core", "center_staff", "coordinator"},
    "flag.acknowledge": {"dpl", "core", "center_staff", "coordinator"},
    "sweep.run": {"dpl"},
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
    """A small network on disk, with one signed-in session per persona: the collaborative X
    (Literacy, whose Core "core" serves on) with a plan, a published meeting and a proposal, and a
    second collaborative Y (Science, with its own Core) whose plan, meetings, agenda, minutes, norms
    and posts "core" must not touch; a second member and a second school with their secret links."""
    path = databases.clone(template_db, tmp_path_factory.mktemp("world"), "world")
    settings = Settings(database_url=path, env="test", secret_key="matrix-" + "k" * 40,
                        password_time_cost=1, password_memory_cost=1024, scheduler="off",
                        receipts_dir=str(tmp_path_factory.mktemp("receipts")))
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
        network.update_norms(db, SYSTEM, db.merge(collab), "We start on time.", "first")
        ids.update(_meetings_world(db, collab, people, settings))
        ids.update(_plan_world(db, settings, collab))
        sessions = {}
        for name, person in people.items():
            sessions[name] = {"sid": start_session(db, db.merge(person), settings), "csrf": f"csrf-{name}"}
    others = _others_world(f, database, settings)
    claims = _claims_world(database, settings, collab, people["core"])
    with database.transaction() as db:
        own, others["b_obligation"] = _obligations_world(db, school, others)
        consultation_ids = _consultations_world(db, collab, people)
    others.update(ed_request=consultation_ids["ed_request"], pdac_request=consultation_ids["request_id"])
    flag_ids = _flags_world(database, settings, collab, others)
    others.update(y_flag=flag_ids.pop("y_flag"), x_dpl_flag=flag_ids.pop("x_dpl_flag"))
    database.dispose()
    params = {"slug": collab.slug, "school": school.slug, "person_id": people["member"].id,
              "obligation_id": own, **ids, "claim_id": claims["claim_id"],
              "request_id": consultation_ids["request_id"], "proposal_id": consultation_ids["proposal_id"],
              **flag_ids}
    others.update(y_claim=claims["y_claim"], y_planning=claims["y_planning"])
    return {"path": path, "settings": settings, "params": params, "sessions": sessions, "others": others}


def _others_world(f: Factory, database, settings) -> dict:
    """What belongs to others: the collaborative Y with its own Core member and, made through the API
    as Y's people would, its plan, a published and a draft meeting and a post; another member's API
    token and secret link; another school's coordinator and the school's secret link."""
    science = f.collaborative("Science")
    other_school = f.school("ACS Amman", time_zone="Asia/Amman")
    core_y = f.educator(other_school)
    f.core_member(core_y, science, date(2025, 8, 1), date(2027, 7, 31), today=date(2025, 7, 1))
    member_b = f.educator(other_school)
    coordinator_b = f.educator(other_school, Role.MEMBER, Role.SCHOOL_COORDINATOR)
    dpl_token = f.token(f.dpl(name="Second Director", email="dpl2@example.org"))
    with TestClient(create_app(settings, Database(settings.database_url))) as api:
        def call(method: str, url: str, token: str, body: dict | None = None) -> dict:
            r = api.request(method, "/api/v1" + url, json=body, headers={"Authorization": f"Bearer {token}"})
            assert r.status_code < 300, (url, r.status_code, r.text)
            return r.json()

        core_token = f.token(core_y)
        plan = call("POST", "/collaboratives/science/plans", core_token,
                    {"title": "Science plan", "first_year": 2025, "last_year": 2026})
        meeting = {"collaborative": "science", "title": "Science Core", "mode": "virtual", "time_zone": "Asia/Amman",
                   "starts": "2026-11-20T16:00", "ends": "2026-11-20T17:00", "join_url": "https://meet.example.org/y"}
        published = call("POST", "/meetings", core_token, meeting)
        call("POST", f"/meetings/{published['id']}/publish", core_token)
        draft = call("POST", "/meetings", core_token, {**meeting, "starts": "2027-01-20T16:00",
                                                       "ends": "2027-01-20T17:00"})
        call("POST", "/collaboratives/science/posts", core_token, {"kind": "update", "title": "News", "body": "Hi."})
        call("PUT", "/collaboratives/science/norms", dpl_token, {"text": "We listen.", "summary": "first"})
        b_feed = call("POST", "/feed-tokens", f.token(member_b), {"kind": "person"})
        school_feed = call("POST", "/feed-tokens", f.token(coordinator_b), {"kind": "school", "school": other_school.slug})
    with database.transaction() as db:
        b_token, _ = create_token(db, SYSTEM, db.merge(member_b), "b's script")
        db.flush()
        b_token_id = b_token.id
    return {"y": "science", "y_plan": plan["id"], "y_meeting": published["id"], "y_draft": draft["id"],
            "y_occurrence": "2026-11-20T16:00", "b_feed_token_id": b_feed["id"], "b_token_id": b_token_id,
            "other_school": other_school.slug, "school_feed_token_id": school_feed["id"]}


def _obligations_world(db, school, others) -> tuple[int, int]:
    """O2: what the world's school owes its Core member ("core": the conference of ``_meetings_world``
    features Literacy) and what the other school owes its Core member of Y (a conference featuring Y)."""
    from sqlalchemy import select

    from nesa_collab.meetings import conferences
    from nesa_collab.network.models import School
    from nesa_collab.obligations.models import Obligation

    conferences.create_conference(db, SYSTEM, name="Science Institute", starts_on=date(2027, 5, 6),
                                  ends_on=date(2027, 5, 7), city="Amman", time_zone="Asia/Amman",
                                  featured=[others["y"]])
    db.flush()

    def owed_by(slug: str) -> int:
        return db.scalar(select(Obligation.id).join(School, School.id == Obligation.school_id)
                         .where(School.slug == slug).order_by(Obligation.id).limit(1))

    return owed_by(school.slug), owed_by(others["other_school"])


def _consultations_world(db, collab, people) -> dict:
    """C1: a proposal to appoint the member (from their candidacy) to X's Core, asking the Executive
    Director and the PDAC; the matrix answers the PDAC's request (``request_id``)."""
    from nesa_collab.auth.models import Person
    from nesa_collab.cores import consultations
    from nesa_collab.network.models import Collaborative

    proposal = consultations.propose(db, SYSTEM, db.get(Collaborative, collab.id), db.get(Person, people["member"].id),
                                     starts_on=date(2027, 8, 1), ends_on=date(2029, 7, 31), today=TODAY.date())
    db.flush()
    by_body = {r.body.value: r.id for r in proposal.requests}
    return {"proposal_id": proposal.id, "request_id": by_body["pdac"], "ed_request": by_body["executive_director"]}
def _flags_world(database, settings, collab, others) -> dict:
    """F1–F8: a published meeting of Y within 14 days with no agenda, and the world swept on its day:
    X's meeting without an agenda is flagged for X's Core (F5, the flag of the flags routes), Y's for
    Y's; X's Core, with one member, is under strength (F3, the DPL's to act on)."""
    from nesa_collab.flags.models import Flag
    from nesa_collab.flags.sweep import sweep
    from nesa_collab.meetings import services as meetings
    from nesa_collab.network.models import Collaborative

    with database.transaction() as db:
        science = db.scalar(select(Collaborative).where(Collaborative.slug == others["y"]))
        meeting = meetings.create_meeting(db, SYSTEM, science, title="Science call", mode="virtual",
                                          time_zone="Asia/Amman", starts=datetime(2026, 12, 3, 16, 0),
                                          ends=datetime(2026, 12, 3, 17, 0), join_url="https://meet.example.org/y2")
        meetings.publish_meeting(db, SYSTEM, meeting)
        db.flush()
        sweep(db, TODAY.date(), settings)

        def flag(rule: str, collab_id: int) -> int:
            return db.scalar(select(Flag.id).where(Flag.rule == rule, Flag.collaborative_id == collab_id))

        return {"flag_id": flag("F5", collab.id), "y_flag": flag("F5", science.id), "x_dpl_flag": flag("F3", collab.id)}


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
    from nesa_collab.plans import posts, template
    from nesa_collab.plans import services as plans

    collab = db.get(Collaborative, collab.id)
    template.save_template(db, SYSTEM, [{"key": k, "title": k.capitalize(), "kind": kind} for k, kind in (
        ("purpose", "free_text"), ("goals", "goals"), ("offerings", "offerings"), ("milestones", "milestones"),
        ("impact", "evidence"), ("norms", "norms"))])  # P2: every kind the template must have
    plan = plans.create_plan(db, SYSTEM, collab, title="Literacy plan", first_year=2025, last_year=2026,
                             settings=settings)
    post = posts.create_post(db, SYSTEM, collab, kind="proposal", title="An idea", body="Let us meet.")
    db.flush()
    return {"plan_id": plan.id, "number": 1, "post_id": post.id}


def _claims_world(database, settings, collab, core) -> dict:
    """S3: a conference with a nightly cap and a planning meeting of X and of Y beside it, "core"'s
    claim against X's (for the claims routes) and the claim of Y's Core member against Y's, which
    "core" must neither see nor fetch the receipt of."""
    from nesa_collab.cores import services as cores
    from nesa_collab.meetings import conferences, services as meetings
    from nesa_collab.network.models import Collaborative
    from nesa_collab.auth.models import Person
    from nesa_collab.support import claims
    from nesa_collab.support.receipts import ReceiptStore
    from nesa_collab.support.seed import sample_pdf

    store = ReceiptStore.of(settings)
    with database.transaction() as db:
        conferences.create_conference(db, SYSTEM, name="Claims Conference", starts_on=date(2027, 4, 8),
                                      ends_on=date(2027, 4, 9), city="Kathmandu", time_zone="Asia/Kathmandu",
                                      slug="claims-2027", hotel_night_cap="120.00", hotel_cap_currency="USD")
        out = {}
        science = db.scalar(select(Collaborative).where(Collaborative.slug == "science"))
        for key, planner, claimant in (("claim_id", db.merge(collab), db.get(Person, core.id)),
                                       ("y_claim", science, None)):
            meeting = meetings.create_meeting(db, SYSTEM, planner, title=f"{planner.name} planning day",
                                              mode="face_to_face", time_zone="Asia/Kathmandu",
                                              starts=datetime(2027, 4, 7, 9, 0), ends=datetime(2027, 4, 7, 15, 0),
                                              place="Hotel Yak & Yeti", conference="claims-2027")
            meetings.publish_meeting(db, SYSTEM, meeting)
            if claimant is None:
                [term] = cores.current_core(db, science.id, date(2027, 4, 7))
                claimant = term.person
                out["y_planning"] = meeting.id
            claim = claims.submit_claim(db, SYSTEM, meeting, night_on=date(2027, 4, 6), amount="100.00",
                                        currency="USD", receipt=sample_pdf("Yak & Yeti"), receipt_name="r.pdf",
                                        store=store, claimant=claimant)
            db.flush()
            out[key] = claim.id
    return out


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


@pytest.fixture(scope="module")
def asker(world):
    """One app on the world, asked as any persona; every answer is rolled back, so each question
    meets the world as it was built."""
    database = databases.RolledBackDatabase(world["settings"].database_url)
    app = create_app(world["settings"], database)
    client = TestClient(app)

    def ask(persona: str, method: str, url: str, *, api: bool, data: dict | None = None):
        database.reset()
        clock.freeze(TODAY)
        # Anonymous visitors have a session too (holding only a CSRF token), as browsers do.
        session = world["sessions"].get(persona, {"csrf": "csrf-anonymous"})
        client.cookies.clear()
        client.cookies.set("nesa_session", _cookie(world["settings"].secret_key, session))
        headers = {"X-CSRF-Token": session["csrf"]}
        if api and method != "GET":
            return client.request(method, url, json=data or {}, headers=headers, follow_redirects=False)
        if method == "GET":
            return client.get(url, headers=headers, follow_redirects=False)
        return client.request(method, url, data={"csrf_token": session["csrf"], **(data or {})}, headers=headers,
                              follow_redirects=False)

    yield ask
    client.close()
    database.close()


_RULE_MENTION = re.compile(r"\b[A-Z]\d{1,2}:")


def verdict(r) -> str:
    """What an answer says: refused (401, 403, or sent to sign in), hidden (404: not revealed),
    ruled (a 4xx in which a rule refused the input: the permission was granted), or allowed."""
    if r.status_code in (401, 403) or (r.status_code == 303 and r.headers["location"].startswith("/sign-in")):
        return "refused"
    if r.status_code == 404:
        return "hidden"
    if r.status_code in (400, 422):
        if r.headers.get("content-type", "").startswith("application/problem+json"):
            named = r.json().get("rule") is not None
        else:
            named = bool(_RULE_MENTION.search(r.text))
        return "ruled" if named else f"unexplained {r.status_code}"
    if r.status_code < 400:
        return "allowed"
    return f"error {r.status_code}"


#: Allowed personas whose answer is not "allowed" or "ruled", and why. The matrix posts empty forms
#: and asks about the world's own things, so a few answers are 404s or unnamed refusals on purpose.
EXPLAINED: dict[tuple[str, str], tuple[str, str]] = {
    ("POST", "/sign-in"): ("unexplained 400", "an empty sign-in form: the email and password do not match"),
    ("POST", "/profile/tokens"): ("unexplained 422", "a token needs a name (API tokens are not in the rulebook)"),
    ("POST", "/api/v1/tokens"): ("unexplained 422", "a token needs a name (API tokens are not in the rulebook)"),
    ("GET", "/collaboratives/{slug:slug}/leave"): ("hidden", "Center staff are not members: nothing to leave"),
    ("POST", "/collaboratives/{slug:slug}/leave"): ("hidden", "Center staff are not members: nothing to leave"),
    ("POST", "/api/v1/collaboratives/{slug:slug}/membership/leave"): (
        "hidden", "Center staff are not members: nothing to leave"),
    ("POST", "/core/candidacies/{candidacy_id:int}/withdraw"): (
        "hidden", "C9: the candidacy is the member's; others' are not revealed"),
    ("POST", "/api/v1/core/candidacies/{candidacy_id:int}/withdraw"): (
        "hidden", "C9: the candidacy is the member's; others' are not revealed"),
    ("DELETE", "/api/v1/tokens/{token_id:int}"): ("hidden", "the API token is the member's; others' are not revealed"),
    ("POST", "/calendars/tokens/{feed_token_id:int}/revoke"): (
        "hidden", "M5: the secret link is the member's; others' are not revealed"),
    ("DELETE", "/api/v1/feed-tokens/{feed_token_id:int}"): (
        "hidden", "M5: the secret link is the member's; others' are not revealed"),
    ("GET", "/calendars/schools/{feed_token}.ics"): (
        "hidden", "M5: the world's secret link is a person's, so as a school's link it is unknown (a bare 404)"),
    **{(method, path): ("refused", "C1: the world's request is the PDAC's; the Executive Director answers only "
                                   "theirs (the object cases check both ways)")
       for method, path in (("GET", "/consultations/{request_id:int}/answer"),
                            ("POST", "/consultations/{request_id:int}/answer"),
                            ("POST", "/api/v1/consultations/{request_id:int}/answer"))},
    **{(method, path): ("hidden", "F5: the flag is the Core's of X; others' flags are not revealed")
       for method, path in (("GET", "/flags/{flag_id:int}/acknowledge"), ("POST", "/flags/{flag_id:int}/acknowledge"),
                            ("GET", "/api/v1/flags/{flag_id:int}"),
                            ("POST", "/api/v1/flags/{flag_id:int}/acknowledge"))},
    **{(method, path): ("hidden", "S3: the claim is the Core member's; others' are not revealed")
       for method, path in (("GET", "/claims/{claim_id:int}"), ("GET", "/claims/{claim_id:int}/receipt"),
                            ("GET", "/api/v1/claims/{claim_id:int}"),
                            ("GET", "/api/v1/claims/{claim_id:int}/receipt"))},
}


def test_every_explanation_is_of_a_route():
    routes = {(m, p) for p, m, _ in ROUTES}
    assert set(EXPLAINED) <= routes, set(EXPLAINED) - routes


@pytest.mark.parametrize(("path", "method", "route"), ROUTES, ids=[f"{m} {p}" for p, m, _ in ROUTES])
def test_permission_matrix(path, method, route, world, asker):
    meta = route.endpoint.meta
    url = _url(path, world["params"])
    for persona in PERSONAS:
        r = asker(persona, method, url, api=meta.api)
        seen = verdict(r)
        allowed = persona in EXPECTED[meta.permission]
        assert not seen.startswith("error"), f"{method} {path} as {persona}: {r.status_code}"
        if not allowed:
            assert seen == "refused", f"{method} {path} ({meta.permission}) as {persona}: expected refused, got {seen}"
            if persona == "anonymous":
                assert r.status_code == (401 if meta.api else 303)
            continue
        explained = EXPLAINED.get((method, path))
        if explained and seen == explained[0]:
            continue
        assert seen in ("allowed", "ruled"), (
            f"{method} {path} ({meta.permission}) as {persona}: expected allowed, got {seen} "
            f"({r.status_code}); if that is right, say why in EXPLAINED")




#: What a Core member of X, a member, a coordinator of school A may not do to others' things, each
#: refused as the route's own permission check cannot (it does not know the thing): (persona,
#: method, path with the others' ids, whether it goes through the API, expected verdict).
OBJECT_CASES = [
    # A Core member of X on Y's plan, meetings, agenda, minutes, norms and posts.
    ("core", "GET", "/plans/{y_plan}/edit", False, "refused"),
    ("core", "POST", "/plans/{y_plan}/edit", False, "refused"),
    ("core", "POST", "/plans/{y_plan}/submit", False, "refused"),
    ("core", "PUT", "/api/v1/plans/{y_plan}", True, "refused"),
    ("core", "POST", "/api/v1/plans/{y_plan}/submit", True, "refused"),
    ("core", "GET", "/meetings/{y_meeting}/edit", False, "refused"),
    ("core", "POST", "/meetings/{y_meeting}/edit", False, "refused"),
    ("core", "POST", "/meetings/{y_meeting}/cancel", False, "refused"),
    ("core", "GET", "/meetings/{y_meeting}/occurrences/{y_occurrence}/cancel", False, "refused"),
    ("core", "POST", "/meetings/{y_meeting}/occurrences/{y_occurrence}/cancel", False, "refused"),
    ("core", "POST", "/meetings/{y_meeting}/occurrences/{y_occurrence}/restore", False, "refused"),
    ("core", "POST", "/api/v1/meetings/{y_meeting}/occurrences/{y_occurrence}/restore", True, "refused"),
    ("core", "PATCH", "/api/v1/meetings/{y_meeting}", True, "refused"),
    ("core", "GET", "/meetings/{y_draft}", False, "hidden"),
    ("core", "GET", "/api/v1/meetings/{y_draft}", True, "hidden"),
    ("core", "POST", "/meetings/{y_draft}/publish", False, "hidden"),
    ("core", "POST", "/api/v1/meetings/{y_draft}/publish", True, "hidden"),
    ("core", "GET", "/meetings/{y_meeting}/agenda", False, "refused"),
    ("core", "POST", "/meetings/{y_meeting}/agenda", False, "refused"),
    ("core", "PUT", "/api/v1/meetings/{y_meeting}/agenda", True, "refused"),
    ("core", "POST", "/meetings/{y_meeting}/minutes", False, "refused"),
    ("core", "PUT", "/api/v1/meetings/{y_meeting}/minutes/{y_occurrence}", True, "refused"),
    ("core", "GET", "/collaboratives/{y}/norms/edit", False, "refused"),
    ("core", "POST", "/collaboratives/{y}/norms/edit", False, "refused"),
    ("core", "PUT", "/api/v1/collaboratives/{y}/norms", True, "refused"),
    ("core", "GET", "/collaboratives/{y}/posts", False, "refused"),
    ("core", "GET", "/collaboratives/{y}/posts/new", False, "refused"),
    ("core", "POST", "/collaboratives/{y}/posts/new", False, "refused"),
    ("core", "GET", "/api/v1/collaboratives/{y}/posts", True, "refused"),
    ("core", "POST", "/api/v1/collaboratives/{y}/posts", True, "refused"),
    ("core", "GET", "/api/v1/meetings/find-a-time?collaborative={y}&starts=2027-01-12T16:00", True, "refused"),
    # A member on another person's secret link and API token.
    ("member", "POST", "/calendars/tokens/{b_feed_token_id}/revoke", False, "hidden"),
    ("member", "DELETE", "/api/v1/feed-tokens/{b_feed_token_id}", True, "hidden"),
    ("member", "DELETE", "/api/v1/tokens/{b_token_id}", True, "hidden"),
    ("member", "POST", "/profile/tokens", False, "hidden"),
    # S3: a Core member of X on Y's Core member's claim and receipt; X's Core member claiming against
    # Y's planning meeting (refused by the rule: not on Y's Core); a member claiming at all.
    ("core", "GET", "/claims/{y_claim}", False, "hidden"),
    ("core", "GET", "/claims/{y_claim}/receipt", False, "hidden"),
    ("core", "GET", "/api/v1/claims/{y_claim}", True, "hidden"),
    ("core", "GET", "/api/v1/claims/{y_claim}/receipt", True, "hidden"),
    ("core", "POST", "/claims/{y_claim}/approve", False, "refused"),
    ("core", "POST", "/api/v1/claims/{y_claim}/pay", True, "refused"),
    ("core", "POST", "/meetings/{y_planning}/claim", False, "ruled"),
    ("core", "POST", "/api/v1/claims", True, "ruled"),
    ("member", "GET", "/claims/{y_claim}", False, "hidden"),
    ("member", "GET", "/claims/{y_claim}/receipt", False, "hidden"),
    ("member", "POST", "/meetings/{y_planning}/claim", False, "refused"),
    ("member", "POST", "/api/v1/claims", True, "refused"),
    # A coordinator of school A on school B's secret link.
    ("coordinator", "POST", "/calendars/tokens", False, "hidden"),
    ("coordinator", "POST", "/api/v1/feed-tokens", True, "hidden"),
    ("coordinator", "DELETE", "/api/v1/feed-tokens/{school_feed_token_id}", True, "hidden"),
    # A coordinator of school A on school B's obligations (O3): the list is refused; one obligation,
    # which names a person and what their school owes them, is not revealed.
    ("coordinator", "GET", "/schools/{other_school}/obligations", False, "refused"),
    ("coordinator", "GET", "/api/v1/schools/{other_school}/obligations", True, "refused"),
    ("coordinator", "GET", "/obligations/{b_obligation}/decide", False, "hidden"),
    ("coordinator", "POST", "/obligations/{b_obligation}/decide", False, "hidden"),
    ("coordinator", "POST", "/api/v1/obligations/{b_obligation}/confirm", True, "hidden"),
    ("coordinator", "POST", "/api/v1/obligations/{b_obligation}/decline", True, "hidden"),
    # C1: each body answers its own consultation request: the PDAC member not the Executive Director's,
    # the Executive Director not the PDAC's; a member, a Core member and the Director answer none.
    ("pdac", "GET", "/consultations/{ed_request}/answer", False, "refused"),
    ("pdac", "POST", "/consultations/{ed_request}/answer", False, "refused"),
    ("pdac", "POST", "/api/v1/consultations/{ed_request}/answer", True, "refused"),
    ("executive_director", "POST", "/consultations/{pdac_request}/answer", False, "refused"),
    ("executive_director", "POST", "/api/v1/consultations/{pdac_request}/answer", True, "refused"),
    ("member", "POST", "/consultations/{ed_request}/answer", False, "refused"),
    ("core", "POST", "/api/v1/consultations/{pdac_request}/answer", True, "refused"),
    ("dpl", "POST", "/api/v1/consultations/{ed_request}/answer", True, "refused"),
    ("executive_director", "POST", "/consultations/{ed_request}/answer", False, "allowed"),
    ("pdac", "POST", "/api/v1/consultations/{pdac_request}/answer", True, "allowed"),
    # M4: a Core member of X announcing to Y's members; M5: sending Y's meeting as an invitation.
    ("core", "GET", "/collaboratives/{y}/announcements/new", False, "refused"),
    ("core", "POST", "/collaboratives/{y}/announcements/new", False, "refused"),
    ("core", "POST", "/api/v1/collaboratives/{y}/announcements", True, "refused"),
    ("member", "POST", "/collaboratives/{y}/announcements/new", False, "refused"),
    ("member", "POST", "/api/v1/collaboratives/{y}/announcements", True, "refused"),
    ("core", "POST", "/meetings/{y_meeting}/invitations", False, "refused"),
    ("core", "GET", "/api/v1/meetings/{y_meeting}/invitations", True, "refused"),
    ("core", "POST", "/api/v1/meetings/{y_meeting}/invitations", True, "refused"),
    ("core", "POST", "/meetings/{y_draft}/invitations", False, "hidden"),
    # F1–F8: a Core member of X on a flag of Y's Core (not revealed), and on a flag about X's Core
    # that is the DPL's to act on (seen, not theirs to acknowledge).
    ("core", "GET", "/flags/{y_flag}/acknowledge", False, "hidden"),
    ("core", "POST", "/flags/{y_flag}/acknowledge", False, "hidden"),
    ("core", "GET", "/api/v1/flags/{y_flag}", True, "hidden"),
    ("core", "POST", "/api/v1/flags/{y_flag}/acknowledge", True, "hidden"),
    ("core", "POST", "/flags/{x_dpl_flag}/acknowledge", False, "refused"),
    ("core", "POST", "/api/v1/flags/{x_dpl_flag}/acknowledge", True, "refused"),
]
#: The bodies those requests carry (what would be allowed for the owner).
OBJECT_BODIES = {
    ("member", "POST", "/profile/tokens"): {"revoke": "{b_token_id}"},
    ("coordinator", "POST", "/calendars/tokens"): {"kind": "school", "school": "{other_school}"},
    ("coordinator", "POST", "/api/v1/feed-tokens"): {"kind": "school", "school": "{other_school}"},
    ("core", "PUT", "/api/v1/collaboratives/{y}/norms"): {"text": "Ours now."},
    ("core", "PUT", "/api/v1/meetings/{y_meeting}/agenda"): {"items": []},
    ("core", "POST", "/collaboratives/{y}/norms/edit"): {"text": "Ours now."},
    ("core", "POST", "/api/v1/collaboratives/{y}/posts"): {"kind": "update", "title": "T", "body": "B"},
    ("core", "POST", "/collaboratives/{y}/posts/new"): {"kind": "update", "title": "T", "body": "B"},
    ("core", "POST", "/meetings/{y_planning}/claim"): {"night_on": "2027-04-06", "amount": "100.00",
                                                       "currency": "USD"},
    ("core", "POST", "/api/v1/claims"): {"meeting_id": "{y_planning}", "night_on": "2027-04-06", "amount": "100.00",
                                          "currency": "USD"},
    ("member", "POST", "/meetings/{y_planning}/claim"): {"night_on": "2027-04-06", "amount": "100.00",
                                                         "currency": "USD"},
    ("coordinator", "POST", "/obligations/{b_obligation}/decide"): {"decision": "confirm"},
    ("coordinator", "POST", "/api/v1/obligations/{b_obligation}/decline"): {"reason": "budget"},
    # C1: an answer the body asked could give.
    **{(persona, method, path): {"answer": "agree"} for persona, method, path, _, _ in OBJECT_CASES
       if method == "POST" and path.endswith("/answer")},
    **{(persona, "POST", path): {"subject": "Ours now", "body": "Hello."}
       for persona in ("core", "member")
       for path in ("/collaboratives/{y}/announcements/new", "/api/v1/collaboratives/{y}/announcements")},
    **{("core", "POST", path): {"note": "We are on it."} for path in (
        "/flags/{y_flag}/acknowledge", "/api/v1/flags/{y_flag}/acknowledge", "/flags/{x_dpl_flag}/acknowledge",
        "/api/v1/flags/{x_dpl_flag}/acknowledge")},
}


@pytest.mark.parametrize(("persona", "method", "path", "api", "expected"), OBJECT_CASES,
                         ids=[f"{p} {m} {u}" for p, m, u, _, _ in OBJECT_CASES])
def test_object_level_refusals(persona, method, path, api, expected, world, asker):
    others = world["others"]
    body = {k: v.format(**others) if isinstance(v, str) else v
            for k, v in OBJECT_BODIES.get((persona, method, path), {}).items()}
    r = asker(persona, method, path.format(**others), api=api, data=body)
    assert verdict(r) == expected, f"{persona} {method} {path}: {r.status_code} {r.text[:300]}"


def test_the_owners_may_do_what_the_object_cases_refuse(world, asker):
    """The object cases are refused because of whose things they are: Y's own things are there
    and visible (the DPL reaches each of them), so a refusal above is not a missing object."""
    others = world["others"]
    for path in ("/plans/{y_plan}/edit", "/meetings/{y_meeting}/edit", "/meetings/{y_draft}",
                 "/meetings/{y_meeting}/agenda", "/collaboratives/{y}/norms/edit", "/claims/{y_claim}",
                 "/claims/{y_claim}/receipt", "/schools/{other_school}/obligations",
                 "/obligations/{b_obligation}/decide", "/collaboratives/{y}/announcements/new",
                 "/api/v1/meetings/{y_meeting}/invitations", "/flags/{y_flag}/acknowledge",
                 "/flags/{x_dpl_flag}/acknowledge"):
        r = asker("dpl", "GET", path.format(**others), api=False)
        assert verdict(r) == "allowed", (path, r.status_code)


GOVERNANCE_WRITES = {"school.manage", "person.manage", "collaborative.manage", "interest.convert", "norms.edit",
                     "core.manage", "plan.edit", "plan.review", "template.manage", "post.create",
                     "proposal.answer", "conference.manage", "meeting.edit", "agenda.edit", "audit.view",
                     "claim.decide", "obligation.decide", "flag.acknowledge", "sweep.run"}


def test_the_executive_director_and_the_pdac_are_consulted_but_write_nothing():
    """C1/P4/M4: the Executive Director and the PDAC read and are consulted; every governance write
    (every route guarded by one of these permissions, from schools to agendas) is refused them."""
    writes = [(p, m, r.endpoint.meta.permission) for p, m, r in ROUTES
              if m != "GET" and r.endpoint.meta.permission in GOVERNANCE_WRITES]
    assert len(writes) > 40  # the walk found the writes
    for _path, _method, permission in writes:
        assert not EXPECTED[permission] & {"executive_director", "pdac"}
