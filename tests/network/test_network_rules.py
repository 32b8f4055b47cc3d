"""Scenario tests for N1–N3 and K1–K4, through the services and through HTTP."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from nesa_collab.permissions import SYSTEM
from nesa_collab.audit.models import AuditEntry
from nesa_collab.auth.models import Person, Role
from nesa_collab.auth.services import create_person
from nesa_collab.errors import DomainError
from nesa_collab.network import services as network
from nesa_collab.network.models import Collaborative, Interest, Membership, NormsRevision, School

from ..conftest import post_form


def count(database, model) -> int:
    with database.transaction() as db:
        return db.scalar(select(func.count()).select_from(model))


# --- N1, N2, N3 ------------------------------------------------------------------------------

def test_n1_school_records_zone_and_weekend(factory, database):
    school = factory.school("Cairo American College", time_zone="Africa/Cairo", weekend=["fri", "sat"],
                            city="Cairo", country="Egypt")
    assert school.weekend_days == ("fri", "sat")
    assert school.weekend_weekdays == {4, 5}
    with database.transaction() as db, pytest.raises(DomainError) as err:
        network.create_school(db, SYSTEM, name="X", city="Y", country="Z", time_zone="Mars/Olympus")
    assert err.value.field == "time_zone"


def test_n1_weekend_must_be_days(database):
    with database.transaction() as db, pytest.raises(DomainError) as err:
        network.create_school(db, SYSTEM, name="X", city="Y", country="Z", time_zone="Asia/Dubai", weekend="funday")
    assert (err.value.rule, err.value.field) == ("N1", "weekend")


def test_n2_people_of_a_lapsed_school_cannot_join(factory, database):
    school = factory.school()
    teacher = factory.educator(school)
    collab = factory.collaborative()
    with database.transaction() as db:
        network.lapse_school(db, SYSTEM, db.get(School, school.id), date(2026, 6, 30))
    with database.transaction() as db, pytest.raises(DomainError) as err:
        network.join(db, SYSTEM, db.get(Person, teacher.id), db.get(Collaborative, collab.id), date(2026, 11, 1))
    assert err.value.rule == "N2"
    assert count(database, Membership) == 0


def test_n2_lapsing_twice_is_refused_and_reinstating_works(factory, database):
    school = factory.school()
    with database.transaction() as db:
        network.lapse_school(db, SYSTEM, db.get(School, school.id), date(2026, 6, 30))
    with database.transaction() as db, pytest.raises(DomainError):
        network.lapse_school(db, SYSTEM, db.get(School, school.id), date(2026, 7, 30))
    with database.transaction() as db:
        s = network.reinstate_school(db, SYSTEM, db.get(School, school.id))
        assert s.is_active and s.lapsed_on is None


def test_n3_duplicate_email_in_another_case_is_refused_and_nothing_written(factory, database, settings):
    factory.person(email="Priya.Sharma@aes.example")
    before = count(database, Person), count(database, AuditEntry)
    with database.transaction() as db, pytest.raises(DomainError) as err:
        create_person(db, SYSTEM, name="Other Priya", email="priya.sharma@AES.example", settings=settings)
    assert (err.value.rule, err.value.field) == ("N3", "email")
    assert (count(database, Person), count(database, AuditEntry)) == before


def test_n3_duplicate_email_refused_through_the_dpl_form(factory, as_, database):
    dpl = factory.dpl()
    factory.person(email="omar@example.org")
    client = as_(dpl)
    before = count(database, Person)
    r = post_form(client, "/people/new", {"name": "Omar K", "email": "OMAR@example.org", "roles": "member"})
    assert r.status_code == 422
    assert "N3:" in r.text and "already used" in r.text
    assert 'value="OMAR@example.org"' in r.text  # the form stays filled in
    assert count(database, Person) == before


def test_n3_emails_are_never_shown_to_the_public(factory, client):
    school = factory.school()
    collab = factory.collaborative("Literacy")
    teacher = factory.educator(school, email="secret.teacher@school.example")
    factory.member(teacher, collab)
    for url in ("/", "/collaboratives", f"/collaboratives/{collab.slug}", "/api/v1/collaboratives",
                f"/api/v1/collaboratives/{collab.slug}"):
        r = client.get(url)
        assert r.status_code == 200
        assert "secret.teacher" not in r.text
    assert client.get(f"/api/v1/collaboratives/{collab.slug}/members").status_code == 401


# --- K1, K2 ----------------------------------------------------------------------------------

def test_k1_slug_is_unique_and_well_formed(factory, database):
    factory.collaborative("Math")
    with database.transaction() as db, pytest.raises(DomainError) as err:
        network.create_collaborative(db, SYSTEM, name="Mathematics", slug="math", kind="discipline",
                                     today=date(2026, 11, 1))
    assert (err.value.rule, err.value.field) == ("K1", "slug")
    with database.transaction() as db, pytest.raises(DomainError) as err:
        network.create_collaborative(db, SYSTEM, name="Bad", slug="Bad Slug!", kind="discipline",
                                     today=date(2026, 11, 1))
    assert err.value.field == "slug"


def test_k1_status_moves_forming_active_retired(factory, database):
    collab = factory.collaborative("Coaches", status="forming")
    with database.transaction() as db:
        c = db.get(Collaborative, collab.id)
        network.set_collaborative_status(db, SYSTEM, c, "activate", date(2026, 11, 1))
        with pytest.raises(DomainError):
            network.set_collaborative_status(db, SYSTEM, c, "activate", date(2026, 11, 2))
        network.set_collaborative_status(db, SYSTEM, c, "retire", date(2026, 12, 1))
        assert (c.status, c.activated_on, c.retired_on) == ("retired", date(2026, 11, 1), date(2026, 12, 1))


def test_k2_a_non_dpl_creating_a_collaborative_is_refused_and_nothing_written(factory, as_, database):
    school = factory.school()
    for person in (factory.educator(school), factory.person(Role.EXECUTIVE_DIRECTOR),
                   factory.person(Role.CENTER_STAFF), factory.educator(school, Role.PDAC)):
        client = as_(person)
        token = factory.token(person)
        before = count(database, Collaborative), count(database, AuditEntry)
        r = post_form(client, "/collaboratives/new", {"name": "Rogue", "kind": "discipline"})
        assert r.status_code == 403
        r = client.post("/api/v1/collaboratives", json={"name": "Rogue", "kind": "discipline"},
                        headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 403 and r.json()["status"] == 403
        assert (count(database, Collaborative), count(database, AuditEntry)) == before


def test_k2_dpl_turns_an_interest_into_a_forming_collaborative_and_it_is_audited(factory, as_, database):
    school = factory.school()
    teacher = factory.educator(school, name="Shreya Subramanian")
    supporter = factory.educator(school)
    dpl = factory.dpl()

    t = as_(teacher)
    r = post_form(t, "/interests/new", {"name": "Outdoor Education", "kind": "discipline",
                                        "description": "Residential trips and outdoor learning."})
    assert r.status_code == 303
    with database.transaction() as db:
        interest = db.scalar(select(Interest))
    r = post_form(as_(supporter), f"/interests/{interest.id}/support")
    assert r.status_code == 303

    d = as_(dpl)
    r = post_form(d, f"/interests/{interest.id}/convert",
                  {"name": "Outdoor Education Collaborative", "slug": "outdoor-education",
                   "description": "Residential trips.", "network_url": "https://groups.example.org/outdoor"})
    assert r.status_code == 303 and r.headers["location"] == "/collaboratives/outdoor-education"
    with database.transaction() as db:
        collab = db.scalar(select(Collaborative).where(Collaborative.slug == "outdoor-education"))
        assert collab.status == "forming"
        interest = db.get(Interest, interest.id)
        assert interest.status == "accepted" and interest.collaborative_id == collab.id
        actions = db.scalars(select(AuditEntry.action).where(AuditEntry.collaborative_id == collab.id)).all()
        assert "collaborative.create" in actions and "interest.convert" in actions
    log = d.get("/audit", params={"collaborative": collab.id})
    assert "Outdoor Education Collaborative" in log.text and "Maya Haddad" in log.text
    # Converting twice is refused.
    r = post_form(d, f"/interests/{interest.id}/convert", {"name": "Again", "slug": "again"})
    assert r.status_code == 422 and "K2:" in r.text


def test_k2_people_without_an_active_school_cannot_register_interest(factory, as_):
    staff = factory.person(Role.CENTER_STAFF)
    assert post_form(as_(staff), "/interests/new", {"name": "X", "kind": "discipline",
                                                    "description": "y"}).status_code == 403


# --- K3 ------------------------------------------------------------------------------------------

def test_k3_norms_keep_history_of_who_changed_what(factory, as_, database):
    dpl = factory.dpl()
    collab = factory.collaborative("Librarians")
    d = as_(dpl)
    assert post_form(d, f"/collaboratives/{collab.slug}/norms/edit",
                     {"text": "We start on time.", "summary": "first"}).status_code == 303
    assert post_form(d, f"/collaboratives/{collab.slug}/norms/edit",
                     {"text": "We start on time.\nWe share minutes within a week.",
                      "summary": "minutes"}).status_code == 303
    with database.transaction() as db:
        history = network.norms_history(db, SYSTEM, db.get(Collaborative, collab.id))
        assert [h.summary for h in history] == ["minutes", "first"]
        assert all(h.author_id == dpl.id for h in history)
    page = d.get(f"/collaboratives/{collab.slug}/norms")
    assert page.text.index("We share minutes") < page.text.index("first")


def test_k3_a_plain_member_cannot_edit_norms(factory, as_, database):
    collab = factory.collaborative()
    member = factory.educator()
    factory.member(member, collab)
    r = post_form(as_(member), f"/collaboratives/{collab.slug}/norms/edit", {"text": "Mine now"})
    assert r.status_code == 403
    assert count(database, NormsRevision) == 0


# --- K4 ------------------------------------------------------------------------------------------

def test_k4_leaving_before_two_years_needs_a_reason_and_nothing_is_written_without_one(factory, as_, database):
    collab = factory.collaborative("Science")
    member = factory.educator()
    factory.member(member, collab, joined_on=date(2025, 9, 1))
    client = as_(member)
    audit_before = count(database, AuditEntry)
    r = post_form(client, f"/collaboratives/{collab.slug}/leave", {"reason": ""})
    assert r.status_code == 422
    assert "K4:" in r.text and "31 August 2027" in r.text
    assert count(database, AuditEntry) == audit_before
    with database.transaction() as db:
        assert network.current_membership(db, member.id, collab.id) is not None

    r = post_form(client, f"/collaboratives/{collab.slug}/leave", {"reason": "Moved to a school outside the region"})
    assert r.status_code == 303
    with database.transaction() as db:
        m = db.scalar(select(Membership).where(Membership.person_id == member.id))
        assert m.left_on is not None and m.leave_reason == "Moved to a school outside the region"


def test_k4_commitment_boundary(factory, database):
    collab = factory.collaborative()
    member = factory.educator()
    m = factory.member(member, collab, joined_on=date(2024, 8, 1))
    with database.transaction() as db:
        with pytest.raises(DomainError):  # one day short of two years: a reason is needed
            network.leave(db, SYSTEM, db.get(Membership, m.id), date(2026, 7, 30))
        network.leave(db, SYSTEM, db.get(Membership, m.id), date(2026, 7, 31))  # two years served


def test_k4_join_twice_is_refused_and_rejoining_after_leaving_works(factory, as_, database):
    collab = factory.collaborative("World Languages")
    member = factory.educator()
    client = as_(member)
    assert post_form(client, f"/collaboratives/{collab.slug}/join").status_code == 303
    assert post_form(client, f"/collaboratives/{collab.slug}/join").status_code == 422
    assert post_form(client, f"/collaboratives/{collab.slug}/leave", {"reason": "workload"}).status_code == 303
    assert post_form(client, f"/collaboratives/{collab.slug}/join").status_code == 303
    assert count(database, Membership) == 2


def test_k4_a_retired_collaborative_takes_no_members(factory, as_):
    collab = factory.collaborative("Arts", status="retired")
    member = factory.educator()
    assert post_form(as_(member), f"/collaboratives/{collab.slug}/join").status_code == 422


def test_directory_shows_active_collaboratives_with_counts_and_schools(factory, client):
    delhi = factory.school("AES New Delhi")
    cairo = factory.school("Cairo American College", time_zone="Africa/Cairo")
    lit = factory.collaborative("Literacy")
    factory.collaborative("Outdoor", status="forming")
    for school in (delhi, delhi, cairo):
        factory.member(factory.educator(school), lit)
    page = client.get("/collaboratives")
    assert "Literacy" in page.text and "Outdoor" not in page.text
    entries = page.context["entries"]
    assert [(e.collaborative.name, e.member_count, sorted(s.name for s in e.schools)) for e in entries] == [
        ("Literacy", 3, ["AES New Delhi", "Cairo American College"])]
    assert client.get("/collaboratives/outdoor").status_code == 404  # forming: not public
