"""C1 in the product: the DPL proposes an appointment and asks the Executive Director and the PDAC;
each answers here (agree, or concerns with a note); the answers become the appointment's recorded
consultations. A consultation held elsewhere is still recorded as such."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from nesa_collab import clock
from nesa_collab.audit.models import AuditEntry
from nesa_collab.auth.models import Person, Role
from nesa_collab.cores import consultations, services as cores
from nesa_collab.cores.models import (Appointment, Candidacy, ConsultationRequest, ConsultedBody, ProposalStatus,
                                      ProposedAppointment)
from nesa_collab.cores.services import load_actor
from nesa_collab.errors import DomainError, PermissionDenied
from nesa_collab.network.models import Collaborative
from nesa_collab.notifications.models import OutboxMessage
from nesa_collab.permissions import SYSTEM

from ..conftest import post_form

TODAY = date(2026, 11, 27)
MORNING = datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc)


def count(database, model, *where) -> int:
    with database.session(write=False) as db:
        return db.scalar(select(func.count()).select_from(model).where(*where))


def nothing_written(database) -> tuple[int, ...]:
    return tuple(count(database, m) for m in (Appointment, ProposedAppointment, ConsultationRequest, AuditEntry,
                                              OutboxMessage))


@pytest.fixture
def world(factory):
    """Literacy with a Core of six, a candidate (Priya), the Executive Director, two PDAC members, a
    member and the DPL."""
    clock.freeze(MORNING)
    literacy = factory.collaborative("Literacy")
    school = factory.school("AES New Delhi")
    for i in range(6):
        start = date(2025, 8, 1) if i < 2 else date(2026, 8, 1)
        factory.core_member(factory.educator(school, password=False), literacy, start, date(start.year + 2, 7, 31),
                            today=date(start.year, 7, 1))
    priya = factory.educator(school, name="Priya Sharma")
    with factory.database.transaction() as db:
        candidacy = cores.apply_for_seat(db, load_actor(db, db.get(Person, priya.id), TODAY),
                                         db.get(Collaborative, literacy.id), "I lead our structured-literacy pilot.",
                                         TODAY)
        db.flush()
        candidacy_id = candidacy.id
    return {
        "literacy": literacy, "school": school, "priya": priya, "candidacy_id": candidacy_id,
        "ed": factory.person(Role.EXECUTIVE_DIRECTOR, name="Jonathan Mercer"),
        "pdac": factory.educator(school, Role.MEMBER, Role.PDAC, name="Pinar Sahin"),
        "pdac2": factory.educator(school, Role.MEMBER, Role.PDAC, name="Second PDAC"),
        "member": factory.educator(school, name="Plain Member"),
        "dpl": factory.dpl(),
    }


def propose(database, world, person=None, collab=None, starts_on=date(2027, 8, 1), ends_on=date(2029, 7, 31),
            **kw) -> ProposedAppointment:
    with database.transaction() as db:
        dpl = load_actor(db, db.get(Person, world["dpl"].id), TODAY)
        return consultations.propose(db, dpl, db.get(Collaborative, (collab or world["literacy"]).id),
                                     db.get(Person, (person or world["priya"]).id), starts_on=starts_on,
                                     ends_on=ends_on, today=TODAY, **kw)


def request_of(database, proposal, body: str) -> ConsultationRequest:
    with database.session(write=False) as db:
        return db.scalar(select(ConsultationRequest).where(ConsultationRequest.proposal_id == proposal.id,
                                                           ConsultationRequest.body == body))


def answer(database, person, request, value="agree", note="", today=TODAY):
    with database.transaction() as db:
        return consultations.answer(db, load_actor(db, db.get(Person, person.id), today),
                                    db.get(ConsultationRequest, request.id), answer=value, note=note, today=today)


def appoint_from(database, world, proposal, **kw):
    with database.transaction() as db:
        dpl = load_actor(db, db.get(Person, world["dpl"].id), TODAY)
        return consultations.appoint_from_proposal(db, dpl, db.get(ProposedAppointment, proposal.id),
                                                   today=kw.pop("today", TODAY), **kw)


# --- the journey (SCENARIOS 1, asked in the product) ------------------------------------------------

def test_c1_the_director_asks_both_bodies_each_answers_and_the_answers_become_the_consultations(world, as_, database):
    literacy, priya = world["literacy"], world["priya"]
    dpl = as_(world["dpl"])
    form = dpl.get(f"/collaboratives/{literacy.slug}/core/propose",
                   params={"candidacy": world["candidacy_id"]}).context["form"]
    assert form["person_id"] == str(priya.id) and form["starts_on"] == "2027-08-01"
    r = post_form(dpl, f"/collaboratives/{literacy.slug}/core/propose", {**form, "note": "Strong pilot results."})
    assert r.status_code == 303 and r.headers["location"] == "/consultations", r.text
    with database.session(write=False) as db:
        proposal = db.scalar(select(ProposedAppointment))
        assert (proposal.person_id, proposal.candidacy_id, proposal.status) == (priya.id, world["candidacy_id"], "open")
        asked = {(m.person_id, m.kind) for m in db.scalars(select(OutboxMessage)
                                                           .where(OutboxMessage.kind.like("core.consultation%")))}
    assert asked == {(world[k].id, "core.consultation.requested") for k in ("ed", "pdac", "pdac2")}

    # The Executive Director sees the request waiting, with the candidate's statement and the Core's strength.
    ed = as_(world["ed"])
    page = ed.get("/consultations")
    [waiting] = page.context["board"].to_answer
    assert waiting.body == ConsultedBody.EXECUTIVE_DIRECTOR and page.context["board"].strength[literacy.id] == 6
    assert "I lead our structured-literacy pilot." in page.text and "Priya Sharma" in page.text
    r = post_form(ed, f"/consultations/{waiting.id}/answer", {"answer": "agree", "note": "Strong candidate."})
    assert r.status_code == 303, r.text

    # The PDAC answers late in the evening: the consultation's date is the network's (Athens) day.
    clock.freeze(datetime(2026, 11, 28, 22, 30, tzinfo=timezone.utc))
    pdac = as_(world["pdac"])
    [pdac_request] = pdac.get("/consultations").context["board"].to_answer
    r = post_form(pdac, f"/consultations/{pdac_request.id}/answer",
                  {"answer": "concerns", "note": "She already leads two projects."})
    assert r.status_code == 303, r.text
    assert as_(world["pdac2"]).get("/consultations").context["board"].to_answer == []  # the PDAC has answered

    with database.session(write=False) as db:
        told = [m.kind for m in db.scalars(select(OutboxMessage).where(OutboxMessage.person_id == world["dpl"].id))]
        assert told.count("core.consultation.answered") == 2
        [ready] = consultations.waiting_for(db, load_actor(db, db.get(Person, world["dpl"].id), TODAY))
        assert ready.kind == "appoint" and ready.params == {"slug": literacy.slug}
        assert ready.query == {"proposal": proposal.id}

    # The Director appoints from the proposal: the form is filled from it.
    form = dpl.get(f"/collaboratives/{literacy.slug}/core/appoint", params={"proposal": proposal.id}).context["form"]
    assert (form["person_id"], form["starts_on"], form["ends_on"]) == (str(priya.id), "2027-08-01", "2029-07-31")
    r = post_form(dpl, f"/collaboratives/{literacy.slug}/core/appoint", form)
    assert r.status_code == 303, r.text
    with database.session(write=False) as db:
        term = db.scalar(select(Appointment).where(Appointment.person_id == priya.id))
        assert [(c.body, c.consulted_on, c.method, c.note) for c in term.consultations] == [
            ("executive_director", TODAY, "in the product",
             "Agree — Strong candidate. (answered by Jonathan Mercer)"),
            ("pdac", date(2026, 11, 29), "in the product",
             "Concerns — She already leads two projects. (answered by Pinar Sahin)")]
        assert term.note == "Strong pilot results."
        proposal = db.get(ProposedAppointment, proposal.id)
        assert proposal.status == ProposalStatus.APPOINTED and proposal.appointment_id == term.id
        assert db.get(Candidacy, world["candidacy_id"]).status == "appointed"
        assert consultations.waiting_for(db, load_actor(db, db.get(Person, world["dpl"].id), TODAY)) == []
        actions = list(db.scalars(select(AuditEntry.action).order_by(AuditEntry.id)
                                  .where(AuditEntry.action.like("core.%"), AuditEntry.actor_id.is_not(None))))
    assert actions[-6:] == ["core.apply", "core.propose", "core.consultation.answer", "core.consultation.answer",
                            "core.appoint", "core.proposal.appointed"]
    log = dpl.get("/audit", params={"action": "core."}).text
    assert "Pinar Sahin answered for the PDAC on appointing Priya Sharma to the Literacy Core: concerns" in log
    assert "Asked the Executive Director and the PDAC about appointing Priya Sharma" in log


def test_c1_the_consultations_page_shows_the_director_every_open_proposal_with_its_answers(world, as_, database):
    proposal = propose(database, world)
    answer(database, world["ed"], request_of(database, proposal, "executive_director"), "agree", "Yes.")
    page = as_(world["dpl"]).get("/consultations")
    [shown] = page.context["board"].proposals
    assert shown.id == proposal.id and not shown.all_answered
    assert "Appoint, recording a consultation held elsewhere" in page.text and "waiting since" in page.text


# --- refusals ----------------------------------------------------------------------------------------

def test_c1_appointing_before_both_answered_is_refused_and_nothing_written(world, as_, database):
    proposal = propose(database, world)
    answer(database, world["ed"], request_of(database, proposal, "executive_director"))
    before = nothing_written(database)
    with pytest.raises(DomainError) as err:
        appoint_from(database, world, proposal)
    assert err.value.rule == "C1" and err.value.field == "pdac_consulted_on"
    assert str(err.value) == ("C1: the PDAC has not answered yet: wait for their answer, or record when and how they "
                              "were consulted elsewhere")
    assert nothing_written(database) == before

    # Through the form: the page comes back, the message beside the PDAC's fields.
    dpl = as_(world["dpl"])
    form = dpl.get(f"/collaboratives/{world['literacy'].slug}/core/appoint",
                   params={"proposal": proposal.id}).context["form"]
    r = post_form(dpl, f"/collaboratives/{world['literacy'].slug}/core/appoint", form)
    assert r.status_code == 422 and "C1: the PDAC has not answered yet" in r.text
    assert 'id="pdac_consulted_on-error"' in r.text
    assert nothing_written(database) == before


def test_c1_a_body_that_has_not_answered_is_recorded_as_consulted_elsewhere(world, as_, database):
    proposal = propose(database, world)
    answer(database, world["ed"], request_of(database, proposal, "executive_director"), "agree")
    dpl = as_(world["dpl"])
    url = f"/collaboratives/{world['literacy'].slug}/core/appoint"
    form = dpl.get(url, params={"proposal": proposal.id}).context["form"]
    r = post_form(dpl, url, {**form, "pdac_consulted_on": "2026-11-20", "pdac_method": "meeting",
                             "pdac_note": "No objection at the November meeting."})
    assert r.status_code == 303, r.text
    with database.session(write=False) as db:
        term = db.scalar(select(Appointment).where(Appointment.person_id == world["priya"].id))
        assert sorted((c.body, c.consulted_on, c.method) for c in term.consultations) == [
            ("executive_director", TODAY, "in the product"), ("pdac", date(2026, 11, 20), "meeting")]


def test_c1_a_body_that_answered_here_cannot_also_be_recorded_as_consulted_elsewhere(world, database):
    proposal = propose(database, world)
    for key, body in (("ed", "executive_director"), ("pdac", "pdac")):
        answer(database, world[key], request_of(database, proposal, body))
    with pytest.raises(DomainError) as err:
        appoint_from(database, world, proposal,
                     elsewhere=[cores.ConsultationInput("pdac", date(2026, 11, 20), "meeting")])
    assert err.value.rule == "C1" and "answered here" in err.value.message


def test_c1_the_pdac_member_cannot_answer_the_executive_directors_request_nor_a_member_either(world, as_, database):
    proposal = propose(database, world)
    ed_request = request_of(database, proposal, "executive_director")
    with pytest.raises(PermissionDenied):
        answer(database, world["pdac"], ed_request)
    with pytest.raises(PermissionDenied):
        answer(database, world["ed"], request_of(database, proposal, "pdac"))
    with pytest.raises(PermissionDenied):
        answer(database, world["dpl"], ed_request)  # the Director asks; they do not answer
    assert post_form(as_(world["pdac"]), f"/consultations/{ed_request.id}/answer",
                     {"answer": "agree"}).status_code == 403
    assert post_form(as_(world["member"]), f"/consultations/{ed_request.id}/answer",
                     {"answer": "agree"}).status_code == 403
    assert request_of(database, proposal, "executive_director").answer is None


def test_c1_an_answer_may_change_until_the_appointment_then_it_stands(world, database):
    proposal = propose(database, world)
    ed_request = request_of(database, proposal, "executive_director")
    answer(database, world["ed"], ed_request, "agree")
    with pytest.raises(DomainError) as err:
        answer(database, world["ed"], ed_request, "concerns", " ")
    assert err.value.rule == "C1" and err.value.field == "note"  # concerns come with a note
    answer(database, world["ed"], ed_request, "concerns", "Her school is short-staffed.", today=TODAY + timedelta(1))
    with database.session(write=False) as db:
        entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "core.consultation.answer")
                          .order_by(AuditEntry.id.desc()).limit(1))
        assert entry.before["answer"] == "agree" and entry.after["answer"] == "concerns"
        assert entry.after["answered_on"] == "2026-11-28"
    answer(database, world["pdac"], request_of(database, proposal, "pdac"), "agree")
    appoint_from(database, world, proposal, today=TODAY + timedelta(1))
    with pytest.raises(DomainError) as err:
        answer(database, world["ed"], ed_request, "agree")
    assert err.value.rule == "C1" and "appointed" in err.value.message


def test_c1_an_answer_given_after_the_page_was_read_refuses_the_appointment(world, database):
    proposal = propose(database, world)
    answer(database, world["ed"], request_of(database, proposal, "executive_director"), "agree")
    answer(database, world["pdac"], request_of(database, proposal, "pdac"), "agree")
    with database.session(write=False) as db:
        seen = db.get(ProposedAppointment, proposal.id).answers_version
    answer(database, world["pdac"], request_of(database, proposal, "pdac"), "concerns", "On reflection, no.")
    with pytest.raises(DomainError) as err:
        appoint_from(database, world, proposal, answers_seen=seen)
    assert err.value.rule == "C1" and "changed since" in err.value.message
    assert count(database, Appointment, Appointment.person_id == world["priya"].id) == 0


def test_c1_the_appointment_form_refuses_when_an_answer_changed_and_shows_the_new_one(world, as_, database):
    proposal = propose(database, world)
    for key, body in (("ed", "executive_director"), ("pdac", "pdac")):
        answer(database, world[key], request_of(database, proposal, body))
    dpl = as_(world["dpl"])
    url = f"/collaboratives/{world['literacy'].slug}/core/appoint"
    form = dpl.get(url, params={"proposal": proposal.id}).context["form"]
    answer(database, world["pdac"], request_of(database, proposal, "pdac"), "concerns", "Two projects already.")
    r = post_form(dpl, url, form)
    assert r.status_code == 422 and "C1: an answer was given or changed since this page was opened" in r.text
    assert "Concerns — Two projects already." in r.text
    fresh = dict(form, answers_seen=re.search(r'name="answers_seen" value="([^"]*)"', r.text).group(1))
    assert post_form(dpl, url, fresh).status_code == 303  # read, then appointed


def _full(factory, collab, n=8):
    school = factory.school()
    for _ in range(n):
        factory.core_member(factory.educator(school, password=False), collab, date(2026, 8, 1), date(2028, 7, 31),
                            today=date(2026, 7, 1))


@pytest.mark.parametrize("rule", ["C2", "C3", "C4", "C8", "K1"])
def test_c1_a_proposal_is_refused_early_with_the_rule_the_appointment_would_be(rule, world, factory, database):
    collab, person = factory.collaborative("Math"), world["priya"]
    starts_on, ends_on = date(2027, 8, 1), date(2029, 7, 31)
    if rule == "C2":
        _full(factory, collab)
    elif rule == "C3":
        ends_on = date(2029, 7, 30)
    elif rule == "C4":
        person = factory.person(name="No School")
    elif rule == "C8":
        factory.core_member(person, collab, date(2026, 8, 1), date(2028, 7, 31), today=date(2026, 7, 1))
    elif rule == "K1":
        collab = factory.collaborative("Old", status="retired")
    before = nothing_written(database)
    with pytest.raises(DomainError) as proposed:
        propose(database, world, person=person, collab=collab, starts_on=starts_on, ends_on=ends_on)
    with database.transaction() as db, pytest.raises(DomainError) as appointed:
        cores.appoint(db, SYSTEM, db.get(Collaborative, collab.id), db.get(Person, person.id), starts_on=starts_on,
                      ends_on=ends_on, today=TODAY,
                      consultations=[cores.ConsultationInput("executive_director", TODAY),
                                     cores.ConsultationInput("pdac", TODAY)])
    assert proposed.value.rule == rule
    assert (str(proposed.value), proposed.value.field) == (str(appointed.value), appointed.value.field)
    assert nothing_written(database) == before


def test_c9_a_proposal_from_a_candidacy_that_is_not_open_is_refused(world, database):
    with database.transaction() as db:
        cores.withdraw(db, SYSTEM, db.get(Candidacy, world["candidacy_id"]))
        candidacy = db.get(Candidacy, world["candidacy_id"])
    with pytest.raises(DomainError) as err:
        propose(database, world, candidacy=candidacy)
    assert err.value.rule == "C9"


def test_c1_one_open_proposal_per_person_and_core_until_it_is_withdrawn(world, as_, database):
    proposal = propose(database, world)
    with pytest.raises(DomainError) as err:
        propose(database, world, starts_on=date(2028, 8, 1), ends_on=date(2030, 7, 31))
    assert err.value.rule == "C1" and "already proposed" in err.value.message
    r = post_form(as_(world["dpl"]), f"/core/proposals/{proposal.id}/withdraw")
    assert r.status_code == 303
    with database.session(write=False) as db:
        assert db.get(ProposedAppointment, proposal.id).status == ProposalStatus.WITHDRAWN
        assert consultations.waiting_for(db, load_actor(db, db.get(Person, world["ed"].id), TODAY)) == []
    assert count(database, AuditEntry, AuditEntry.action == "core.proposal.withdraw") == 1
    propose(database, world)  # asked again


# --- the consultation held elsewhere (the direct path) -------------------------------------------------

def test_c1_recording_a_consultation_held_elsewhere_still_works_and_settles_an_open_proposal(world, as_, database):
    proposal = propose(database, world)
    dpl = as_(world["dpl"])
    url = f"/collaboratives/{world['literacy'].slug}/core/appoint"
    form = dpl.get(url, params={"candidacy": world["candidacy_id"]}).context["form"]
    assert form["proposal_id"] == ""
    r = post_form(dpl, url, {**form, "ed_consulted_on": "2026-11-03", "ed_method": "email",
                             "pdac_consulted_on": "2026-11-10", "pdac_method": "meeting"})
    assert r.status_code == 303, r.text
    with database.session(write=False) as db:
        term = db.scalar(select(Appointment).where(Appointment.person_id == world["priya"].id))
        assert [(c.body, c.consulted_on, c.method) for c in term.consultations] == [
            ("executive_director", date(2026, 11, 3), "email"), ("pdac", date(2026, 11, 10), "meeting")]
        settled = db.get(ProposedAppointment, proposal.id)
        assert settled.status == ProposalStatus.APPOINTED and settled.appointment_id == term.id
        # Its requests no longer wait for anyone.
        assert consultations.waiting_for(db, load_actor(db, db.get(Person, world["pdac"].id), TODAY)) == []


# --- the API ---------------------------------------------------------------------------------------------

def test_c1_through_the_api(world, factory, app):
    from starlette.testclient import TestClient

    def client(person):
        return TestClient(app, headers={"Authorization": f"Bearer {factory.token(person)}"})

    with client(world["dpl"]) as dpl, client(world["ed"]) as ed, client(world["pdac"]) as pdac:
        r = dpl.post(f"/api/v1/collaboratives/{world['literacy'].slug}/proposals",
                     json={"person_id": world["priya"].id, "starts_on": "2027-08-01", "ends_on": "2029-07-31",
                           "candidacy_id": world["candidacy_id"]})
        assert r.status_code == 201, r.text
        proposal = r.json()
        assert [q["body"] for q in proposal["requests"]] == ["executive_director", "pdac"]
        [mine] = ed.get("/api/v1/consultations", params={"waiting": "true"}).json()
        assert mine["body"] == "executive_director" and mine["proposal"]["person"]["name"] == "Priya Sharma"
        pdac_id = next(q["id"] for q in proposal["requests"] if q["body"] == "pdac")
        r = pdac.post(f"/api/v1/consultations/{mine['id']}/answer", json={"answer": "agree"})
        assert r.status_code == 403  # the Executive Director's request
        assert ed.post(f"/api/v1/consultations/{mine['id']}/answer", json={"answer": "agree"}).status_code == 200
        r = dpl.post(f"/api/v1/core/proposals/{proposal['id']}/appoint", json={})
        assert r.status_code == 422 and r.json()["rule"] == "C1"
        r = pdac.post(f"/api/v1/consultations/{pdac_id}/answer", json={"answer": "concerns"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "note"
        r = pdac.post(f"/api/v1/consultations/{pdac_id}/answer", json={"answer": "concerns", "note": "Busy year."})
        assert r.status_code == 200 and r.json()["answered_by"]["name"] == "Pinar Sahin"
        assert len(dpl.get("/api/v1/consultations").json()) == 2
        [open_one] = dpl.get("/api/v1/core/proposals").json()
        r = dpl.post(f"/api/v1/core/proposals/{proposal['id']}/appoint",
                     json={"answers_seen": open_one["answers_version"]})
        assert r.status_code == 201, r.text
        assert [(c["body"], c["method"]) for c in r.json()["consultations"]] == [
            ("executive_director", "in the product"), ("pdac", "in the product")]
        assert dpl.get("/api/v1/core/proposals").json() == []


# --- "Waiting for you" ------------------------------------------------------------------------------------

def test_c1_waiting_for_takes_a_fixed_number_of_queries(world, factory, database, count_queries):
    def measure() -> tuple[int, int, int]:
        with database.session(write=False) as db:
            ed = load_actor(db, db.get(Person, world["ed"].id), TODAY)
            dpl = load_actor(db, db.get(Person, world["dpl"].id), TODAY)
            with count_queries() as ed_count:
                ed_items = consultations.waiting_for(db, ed)
            with count_queries() as dpl_count:
                consultations.waiting_for(db, dpl)
            return len(ed_items), ed_count.count, dpl_count.count

    def add(n: int) -> None:
        school = factory.school()
        for _ in range(n):
            p = propose(database, world, person=factory.educator(school, password=False))
            for key, body in (("ed", "executive_director"), ("pdac", "pdac")):
                answer(database, world[key], request_of(database, p, body))
            propose(database, world, person=factory.educator(school, password=False),
                    collab=factory.collaborative())

    add(1)
    few = measure()
    add(4)
    many = measure()
    assert (few[0], many[0]) == (1, 5)
    assert few[1:] == many[1:]


def test_c1_the_home_page_tells_the_pdac_member_what_waits_for_them(world, as_, database):
    proposal = propose(database, world)
    home = as_(world["pdac"]).get("/")
    assert "Consultations waiting for you" in home.text
    assert f"/consultations/{request_of(database, proposal, 'pdac').id}/answer" in home.text
    assert "Consultations waiting for you" not in as_(world["member"]).get("/").text


def test_c1_many_consultations_are_one_line_of_waiting_for_you_and_five_on_the_panel(world, as_, factory, database):
    """Three requests are three lines of "Waiting for you"; past that, one line to /consultations
    with how many, and the home panel names the five oldest, then "and N more"."""
    school = factory.school()
    proposals = [propose(database, world)]
    proposals += [propose(database, world, person=factory.educator(school, password=False)) for _ in range(2)]
    pdac = as_(world["pdac"])
    home = pdac.get("/").text
    assert all(f"/consultations/{request_of(database, p, 'pdac').id}/answer" in home for p in proposals)
    assert "consultations and appointments wait for you" not in home
    proposals += [propose(database, world, person=factory.educator(school, password=False)) for _ in range(4)]
    home = pdac.get("/").text
    waiting = home[home.index("Waiting for you"):home.index("Consultations waiting for you")]
    assert "7 consultations and appointments wait for you" in waiting and 'href="/consultations"' in waiting
    assert "/answer" not in waiting
    panel = home[home.index("Consultations waiting for you"):]
    panel = panel[:panel.index("</section>")]
    assert panel.count("/answer") == 5 and "and 2 more" in panel


def test_c1_the_daily_digest_tells_the_body_asked_until_it_answers(seeded):
    """The demo's proposal waits for the PDAC's answer: its members' digest lists it, the Executive
    Director's (who answered) does not."""
    from nesa_collab.auth.services import find_by_email
    from nesa_collab.cores.digest import requests_waiting
    from nesa_collab.db import Database

    world, _ = seeded
    database = Database(world.url)
    with database.session(write=False) as db:
        pdac = find_by_email(db, "pinar.sahin@robcol.example")
        ed = find_by_email(db, "jonathan.mercer@nesa-demo.org")
        items = requests_waiting(db, date(2026, 11, 27), None)
    database.dispose()
    assert [i.title for i in items[pdac.id]] == ["Appointing Priya Sharma to the Literacy Collaborative Core"]
    assert items[pdac.id][0].path.startswith("/consultations/") and ed.id not in items
