"""Edge cases of the Core rules: C4 on leaving, consultations in the API (C1), candidacies settled
on appointment (C9), backdated terms (C3), C10 for future terms, out-of-range ids."""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import func, select

from nesa_collab.permissions import SYSTEM
from nesa_collab import clock
from nesa_collab.auth.models import Person, Role
from nesa_collab.auth.services import update_person
from nesa_collab.cores import services as cores
from nesa_collab.cores.models import Appointment, Candidacy
from nesa_collab.errors import DomainError
from nesa_collab.network.models import Collaborative, Membership

from ..conftest import csrf_of, post_form

NOW = datetime(2026, 11, 27, 9, tzinfo=timezone.utc)


def consulted():
    return [cores.ConsultationInput("executive_director", date(2026, 11, 3), "email", "Agrees"),
            cores.ConsultationInput("pdac", date(2026, 11, 10), "meeting", "Unanimous")]


def test_c4_a_core_member_cannot_leave_the_collaborative_while_serving(factory, as_, database):
    clock.freeze(NOW)
    math = factory.collaborative("Math")
    omar = factory.educator(name="Omar Khalil")
    factory.core_member(omar, math, date(2026, 8, 1), date(2028, 7, 31), today=date(2026, 7, 1))
    client = as_(omar)
    r = post_form(client, f"/collaboratives/{math.slug}/leave", {"reason": "workload"})
    assert r.status_code == 422 and "C4:" in r.text and "31 July 2028" in r.text
    api = client.post(f"/api/v1/collaboratives/{math.slug}/membership/leave", json={"reason": "workload"},
                      headers={"X-CSRF-Token": csrf_of(client)})
    assert api.status_code == 422 and api.json()["rule"] == "C4"
    with database.session(write=False) as db:
        assert db.scalar(select(func.count()).select_from(Membership).where(Membership.left_on.is_not(None))) == 0


def test_k4_the_api_does_not_let_a_member_choose_their_leaving_date(factory, as_, database):
    clock.freeze(NOW)
    collab = factory.collaborative("World Languages")
    nadia = factory.educator(name="Nadia Rahman")
    factory.member(nadia, collab, date(2025, 9, 1))
    client = as_(nadia)
    h = {"X-CSRF-Token": csrf_of(client)}
    r = client.post(f"/api/v1/collaboratives/{collab.slug}/membership/leave", json={"left_on": "2099-01-01"}, headers=h)
    assert r.status_code == 422 and r.json()["rule"] == "K4"  # still early, still needs a reason
    r = client.post(f"/api/v1/collaboratives/{collab.slug}/membership/leave",
                    json={"left_on": "2099-01-01", "reason": "moved"}, headers=h)
    assert r.status_code == 200 and r.json()["left_on"] == "2026-11-27"


def test_c1_consultations_are_shown_only_to_the_dpl_ed_and_pdac_in_the_api(factory, as_):
    clock.freeze(NOW)
    math = factory.collaborative("Math")
    factory.core_member(factory.educator(), math, date(2026, 8, 1), date(2028, 7, 31), today=date(2026, 7, 1))
    member, ed = factory.educator(), factory.person(Role.EXECUTIVE_DIRECTOR)
    plain = as_(member).get(f"/api/v1/collaboratives/{math.slug}/core").json()
    detail = as_(ed).get(f"/api/v1/collaboratives/{math.slug}/core").json()
    assert "consultations" not in plain[0] and "note" not in plain[0]
    assert [c["body"] for c in detail[0]["consultations"]] == ["executive_director", "pdac"]


def test_c9_appointing_a_candidate_settles_their_candidacy_even_without_naming_it(factory, database):
    literacy = factory.collaborative("Literacy")
    priya = factory.educator(name="Priya Sharma")
    with database.transaction() as db:
        from nesa_collab.cores.services import load_actor

        cores.apply_for_seat(db, load_actor(db, db.get(Person, priya.id), date(2026, 11, 27)),
                             db.get(Collaborative, literacy.id), "I lead our pilot.", date(2026, 11, 27))
    with database.transaction() as db:
        cores.appoint(db, SYSTEM, db.get(Collaborative, literacy.id), db.get(Person, priya.id),
                      starts_on=date(2027, 8, 1), ends_on=date(2029, 7, 31), consultations=consulted(),
                      today=date(2026, 11, 27))
    with database.session(write=False) as db:
        c = db.scalar(select(Candidacy))
        assert c.status == "appointed" and c.appointment_id is not None


def test_c3_a_term_cannot_be_backdated_far(factory, database):
    science = factory.collaborative("Science")
    person = factory.educator()
    with database.transaction() as db:
        try:
            cores.appoint(db, SYSTEM, db.get(Collaborative, science.id), db.get(Person, person.id),
                          starts_on=date(1990, 8, 1), ends_on=date(1992, 7, 31), consultations=consulted(),
                          today=date(2026, 11, 27))
        except DomainError as exc:
            assert (exc.rule, exc.field) == ("C3", "starts_on")
        else:
            raise AssertionError("a 1990 term was accepted")
    with database.session(write=False) as db:
        assert db.scalar(select(func.count()).select_from(Appointment)) == 0


def test_c10_a_future_term_of_someone_whose_school_changed_is_flagged(factory, database):
    math = factory.collaborative("Math")
    a, b = factory.school("A school"), factory.school("B school")
    person = factory.educator(a, name="Future Member")
    factory.core_member(person, math, date(2027, 8, 1), date(2029, 7, 31), today=date(2026, 11, 1))
    with database.transaction() as db:
        update_person(db, SYSTEM, db.get(Person, person.id), school_id=b.id, today=date(2026, 11, 27))
    with database.session(write=False) as db:
        s = cores.summarize(db, [db.get(Collaborative, math.id)], date(2026, 11, 27))[0]
        assert any("Future Member moved to B school" in f for f in s.flags)


def test_out_of_range_ids_are_not_found_not_errors(factory, as_):
    dpl = as_(factory.dpl())
    huge = 10**20
    for url in (f"/core/terms/{huge}/end", f"/people/{huge}/edit", f"/interests/{huge}/convert",
                f"/api/v1/people/{huge}"):
        assert dpl.get(url).status_code == 404, url
    r = dpl.post("/api/v1/people", json={"name": "X", "email": "x@example.org", "school_id": huge},
                 headers={"X-CSRF-Token": csrf_of(dpl)})
    assert r.status_code == 422


def test_error_pages_keep_the_signed_in_navigation(factory, as_):
    member = factory.educator(name="Nadia Rahman")
    page = as_(member).get("/audit")
    assert page.status_code == 403 and "Nadia Rahman" in page.text and "Sign out" in page.text


def test_the_appointment_form_finds_educators_by_name_or_school(factory, as_):
    math = factory.collaborative("Math")
    kathmandu = factory.school("Lincoln School", time_zone="Asia/Kathmandu")
    factory.educator(kathmandu, name="Sita Gurung")
    factory.educator(name="Someone Else")
    page = as_(factory.dpl()).get(f"/collaboratives/{math.slug}/core/appoint", params={"q": "lincoln"})
    others = [p.name for p in page.context["choices"]["Other educators"]]
    assert others == ["Sita Gurung"]
