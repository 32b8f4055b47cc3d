"""The web boundary: one unit of work per request, side effects only after a successful commit."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar, Literal

import pytest
from pydantic import BaseModel, Field, HttpUrl, ValidationError, field_validator
from starlette.applications import Starlette
from starlette.routing import Mount, NoMatchFound, Route
from starlette.testclient import TestClient

from nesa_collab import clock
from nesa_collab.app import all_routes, create_app
from nesa_collab.auth.models import Person
from nesa_collab.cores.services import load_actor
from nesa_collab.errors import DomainError, FieldError
from nesa_collab.meetings import minutes, services as meetings
from nesa_collab.network.models import Collaborative
from nesa_collab.web import RoutePaths, api, validation_error

from .conftest import post_form


def test_side_effects_run_only_after_the_change_is_committed(settings, database):
    sent: list[str] = []

    @api("public")
    def works(req):
        req.after_commit.append(lambda: sent.append("committed"))
        return req.json({"ok": True})

    @api("public")
    def refuses(req):
        req.after_commit.append(lambda: sent.append("refused"))
        raise DomainError("K1", "no", field="name")

    @api("public")
    def answers_an_error(req):
        req.after_commit.append(lambda: sent.append("rolled back"))
        return req.json({"problem": True}, status=409)

    app = create_app(settings, database)
    app.router.routes[:0] = [Route("/t/works", works), Route("/t/refuses", refuses),
                             Route("/t/error", answers_an_error)]
    with TestClient(app) as client:
        assert client.get("/t/refuses").status_code == 422
        assert client.get("/t/error").status_code == 409
        assert sent == []  # a rolled-back change sends nothing
        assert client.get("/t/works").status_code == 200
    assert sent == ["committed"]


def test_the_path_table_gives_every_named_route_the_path_starlette_gives_it():
    """``url_for`` in templates and ``req.url_for`` read a table made once per app; it must build the
    same path as Starlette for every route, and leave what does not fit to Starlette (which raises)."""
    routes = all_routes()
    table = RoutePaths(routes)
    app = Starlette(routes=routes)
    samples = {"int": 7, "str": "sample", "slug": "literacy", "path": "css/site.css"}

    def walk(rs):
        for r in rs:
            if isinstance(r, Mount) and r.routes:
                yield from walk(r.routes)
            elif isinstance(r, Route):
                yield r.name, dict(re.findall(r"{(\w+)(?::(\w+))?}", r.path))

    checked = 0
    for name, params in walk(routes):
        values = {k: samples[kind or "str"] for k, kind in params.items()}
        assert table.path(name, **values) == app.url_path_for(name, **values), name
        checked += 1
    assert checked > 150
    assert table.path("static", path="site.css") == "/static/site.css"
    assert table.path("collaborative") is None and table.path("no-such-route") is None
    with pytest.raises(NoMatchFound):
        app.url_path_for("collaborative")


def test_a_path_no_route_matches_gets_the_sites_error_page_or_a_problem_under_the_api(client):
    page = client.get("/no/such/page")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "<h1>Not found</h1>" in page.text and 'href="/"' in page.text  # the site's page, with its navigation
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"
    assert api.json()["status"] == 404


def test_every_page_names_the_sites_icon_and_it_is_served(client):
    page = client.get("/")
    icon = re.search(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)">', page.text)
    assert icon, "no icon link"
    r = client.get(icon.group(1))
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml") and "<svg" in r.text


# --- words (issue 12, point 12) -------------------------------------------------------------------------

class _Kind(StrEnum):
    DISCIPLINE = "discipline"
    ROLE = "role"


class _Everything(BaseModel):
    """One field for each kind of refusal the translation table words."""

    rule: ClassVar[str] = "K1"
    title: str = Field(min_length=1, max_length=200)
    summary: str = Field(default="", min_length=3, max_length=10, title="Short summary")
    minutes: int = Field(default=30, ge=1, le=600)
    share: float = Field(default=0.5, gt=0, lt=1)
    starts_on: date | None = None
    at: datetime | None = None
    kind: _Kind = _Kind.DISCIPLINE
    answer: Literal["agree", "concerns"] = "agree"
    amount: Decimal = Decimal("0")
    link: HttpUrl | None = None
    slug: str = "x"

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if value != value.lower():
            raise ValueError("K1: a slug is lower-case")
        return value


def _words(data: dict) -> dict[str, str]:
    try:
        _Everything.model_validate(data)
    except ValidationError as exc:
        return {e.field: e.message for e in validation_error(exc, _Everything).errors}
    raise AssertionError("accepted")


@pytest.mark.parametrize("data,field,message", [
    ({}, "title", "Title is required."),
    ({"title": ""}, "title", "Title is required."),
    ({"title": "x" * 201}, "title", "Title must be at most 200 characters."),
    ({"summary": "ab"}, "summary", "Short summary must be at least 3 characters."),
    ({"minutes": "ten"}, "minutes", "Minutes must be a whole number."),
    ({"minutes": "1.5"}, "minutes", "Minutes must be a whole number."),
    ({"minutes": 0}, "minutes", "Minutes must be at least 1."),
    ({"minutes": 601}, "minutes", "Minutes must be at most 600."),
    ({"share": 0}, "share", "Share must be more than 0."),
    ({"share": 1}, "share", "Share must be less than 1."),
    ({"share": "half"}, "share", "Share must be a number."),
    ({"starts_on": "next week"}, "starts_on", "Starts on must be a date, such as 2027-08-01."),
    ({"at": "noon"}, "at", "At must be a date and time, such as 2027-08-01T16:00."),
    ({"kind": "other"}, "kind", "Kind must be one of 'discipline' or 'role'."),
    ({"answer": "maybe"}, "answer", "Answer must be one of 'agree' or 'concerns'."),
    ({"amount": "lots"}, "amount", "Amount must be a number, such as 120.50."),
    ({"link": "not a link"}, "link", "Link must be a web address, such as https://example.org."),
])
def test_a_schema_refusal_names_the_field_in_plain_words(data, field, message):
    assert _words(data if field == "title" else {"title": "T", **data})[field] == message


def test_our_own_validator_messages_pass_through_with_their_rule():
    try:
        _Everything.model_validate({"title": "T", "slug": "Math"})
    except ValidationError as exc:
        refusal = validation_error(exc, _Everything)
    assert refusal.errors == [FieldError("slug", "a slug is lower-case", "K1")]
    assert str(refusal) == "K1: a slug is lower-case"


def test_a_refused_form_says_what_is_wrong_in_the_fields_own_words(factory, as_):
    """Issue 12: "String should have at least 1 character" and the like never reach people."""
    collab = factory.collaborative("Math")
    r = post_form(as_(factory.dpl()), f"/collaboratives/{collab.slug}/core/appoint",
                  {"starts_on": "1 August", "ends_on": "2029-07-31", "person_id": "someone"})
    assert r.status_code == 422
    assert r.context["errors"]["starts_on"] == "C1: First day of the term must be a date, such as 2027-08-01."
    assert r.context["errors"]["person_id"] == "C1: Person must be a whole number."
    assert "should be" not in r.text and "Input should" not in r.text


def test_a_refused_api_request_says_what_is_wrong_in_plain_words(factory, client):
    token = factory.token(factory.dpl())
    r = client.post("/api/v1/collaboratives", json={"name": "Coaches", "kind": "discipline", "slug": "x" * 81},
                    headers={"Authorization": f"Bearer {token}"})
    body = r.json()
    assert r.status_code == 422 and body["detail"] == "K1: Slug must be at most 80 characters."
    assert body["errors"] == [{"field": "slug", "rule": "K1", "message": "Slug must be at most 80 characters."}]


# --- the rule named once ---

def test_a_message_that_already_names_its_rule_is_not_prefixed_again():
    refusal = DomainError("M4", "M4: the occurrence of 9 Feb 2027 has minutes and attendance", field="original_start")
    assert str(refusal) == "M4: the occurrence of 9 Feb 2027 has minutes and attendance"
    assert refusal.message == "the occurrence of 9 Feb 2027 has minutes and attendance"
    assert refusal.field_messages() == {"original_start": "M4: the occurrence of 9 Feb 2027 has minutes and attendance"}
    several = DomainError("C1", "x", errors=[FieldError("ed_consulted_on", "C1: record when", "C1")])
    assert several.field_messages() == {"ed_consulted_on": "C1: record when"}


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_m4_the_minutes_page_and_a_refused_cancellation_name_the_rule_once(factory, as_, database):
    """Issue 12 saw "M4: M4: the occurrence…": the minutes page of an occurrence not yet held, and
    cancelling an occurrence that took place."""
    clock.freeze(datetime(2027, 2, 10, 9, tzinfo=timezone.utc))
    collab = factory.collaborative("Librarians")
    core = factory.educator(name="Omar Khalil")
    factory.core_member(core, collab, date(2025, 8, 1), date(2027, 7, 31))
    with database.transaction() as db:
        actor = load_actor(db, db.get(Person, core.id), date(2027, 2, 10))
        m = meetings.create_meeting(db, actor, db.get(Collaborative, collab.id), title="Librarians monthly",
                                    mode="virtual", time_zone="Africa/Cairo", starts=datetime(2027, 1, 12, 16),
                                    ends=datetime(2027, 1, 12, 17), join_url="https://meet.example.org/l",
                                    rrule="FREQ=MONTHLY;BYDAY=+2TU;COUNT=6")
        meetings.publish_meeting(db, actor, m)
        db.flush()
        minutes.record_minutes(db, actor, m, "Notes", {core.id: "present"},
                               now=datetime(2027, 2, 10, 9, tzinfo=timezone.utc), occurrence=datetime(2027, 2, 9, 16))
        mid = m.id
    client = as_(core)
    page = _text(client.get(f"/meetings/{mid}/minutes", params={"occurrence": "2027-03-09T16:00"}).text)
    assert "M4: the occurrence of 9 Mar 2027 has not started yet" in page and "M4: M4" not in page
    r = post_form(client, f"/meetings/{mid}/occurrences/2027-02-09T16:00/cancel")
    assert r.status_code == 422
    text = _text(r.text)
    assert "M4: the occurrence of 9 Feb 2027 has minutes and attendance" in text and "M4: M4" not in text
