"""Scenario tests for the Core rules C1–C10, through the services and through HTTP."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from nesa_collab.permissions import SYSTEM
from nesa_collab import clock
from nesa_collab.audit.models import AuditEntry
from nesa_collab.auth.models import Person, Role
from nesa_collab.auth.services import update_person
from nesa_collab.cores.services import load_actor
from nesa_collab.cores import services as cores
from nesa_collab.cores.models import Appointment, Candidacy
from nesa_collab.errors import DomainError
from nesa_collab.network import services as network
from nesa_collab.network.models import Collaborative, Membership, School
from nesa_collab.notifications.models import OutboxMessage

from ..conftest import post_form

TODAY = date(2026, 11, 27)
ED, PDAC = date(2027, 3, 3), date(2027, 3, 10)


def consulted(ed=date(2026, 11, 3), pdac=date(2026, 11, 10)):
    return [cores.ConsultationInput("executive_director", ed, "email", "Agrees"),
            cores.ConsultationInput("pdac", pdac, "meeting", "")]


def rows(database, model) -> int:
    with database.session(write=False) as db:
        return db.scalar(select(func.count()).select_from(model))


def appoint(database, collab, person, starts_on=date(2027, 8, 1), ends_on=date(2029, 7, 31), today=TODAY,
            consultations=None, **kw):
    with database.transaction() as db:
        return cores.appoint(db, SYSTEM, db.get(Collaborative, collab.id), db.get(Person, person.id),
                             starts_on=starts_on, ends_on=ends_on,
                             consultations=consulted() if consultations is None else consultations,
                             today=today, **kw)


@pytest.fixture
def math(factory):
    return factory.collaborative("Math")


def full_core(factory, collab, n=8, starts_on=date(2026, 8, 1), ends_on=date(2028, 7, 31)):
    school = factory.school()
    people = [factory.educator(school, password=False) for _ in range(n)]
    return [factory.core_member(p, collab, starts_on, ends_on, today=starts_on - timedelta(days=30)) for p in people]


# --- C1 ------------------------------------------------------------------------------------------

def test_c1_appointing_without_the_consultation_recorded_is_refused_and_nothing_written(factory, database, math):
    person = factory.educator()
    before = rows(database, Appointment), rows(database, AuditEntry), rows(database, Membership)
    with pytest.raises(DomainError) as err:
        appoint(database, math, person, consultations=[cores.ConsultationInput("executive_director", TODAY)])
    assert err.value.rule == "C1" and err.value.field == "pdac_consulted_on"
    with pytest.raises(DomainError) as err:
        appoint(database, math, person, consultations=consulted(ed=date(2026, 12, 24)))
    assert err.value.rule == "C1" and "future" in err.value.message
    assert (rows(database, Appointment), rows(database, AuditEntry), rows(database, Membership)) == before


def test_c1_consultations_and_appointer_are_recorded(factory, database, math):
    dpl, person = factory.dpl(), factory.educator()
    with database.transaction() as db:
        actor = load_actor(db, db.get(Person, dpl.id), TODAY)
        term = cores.appoint(db, actor, db.get(Collaborative, math.id), db.get(Person, person.id),
                             starts_on=date(2027, 8, 1), ends_on=date(2029, 7, 31), consultations=consulted(),
                             today=TODAY)
        assert term.appointed_by_id == dpl.id
        assert [(c.body, c.consulted_on, c.method, c.note) for c in term.consultations] == [
            ("executive_director", date(2026, 11, 3), "email", "Agrees"), ("pdac", date(2026, 11, 10), "meeting", "")]


# --- C2 ------------------------------------------------------------------------------------------

def test_c2_ninth_core_member_is_refused_and_nothing_written(factory, database, math):
    full_core(factory, math)
    ninth = factory.educator()
    before = rows(database, Appointment), rows(database, AuditEntry), rows(database, OutboxMessage)
    with pytest.raises(DomainError) as err:
        appoint(database, math, ninth, starts_on=date(2027, 8, 1), ends_on=date(2029, 7, 31))
    assert err.value.rule == "C2"
    assert str(err.value) == "C2: an active Core has at most 8 members; Math has 8 on 1 August 2027"
    assert (rows(database, Appointment), rows(database, AuditEntry), rows(database, OutboxMessage)) == before


def test_c2_a_seat_freed_by_a_term_ending_can_be_filled_from_the_next_day(factory, database, math):
    terms = full_core(factory, math, ends_on=date(2028, 7, 31))
    with database.transaction() as db:
        cores.end_early(db, SYSTEM, db.get(Appointment, terms[0].id), ended_on=date(2027, 12, 31),
                        reason="resignation")
    newcomer = factory.educator()
    with pytest.raises(DomainError):  # still 8 on 31 December
        appoint(database, math, newcomer, starts_on=date(2027, 12, 31), ends_on=date(2029, 12, 30))
    term = appoint(database, math, newcomer, starts_on=date(2028, 1, 1), ends_on=date(2029, 12, 31))
    assert term.id is not None


def test_c2_two_appointments_racing_for_the_last_seat_end_with_exactly_eight(factory, database, math):
    """Threads against a file database, repeated: the collaborative's row lock serializes them."""
    full_core(factory, math, n=7)
    school = factory.school()
    for attempt in range(50):
        a, b = factory.educator(school, password=False), factory.educator(school, password=False)
        start = date(2026, 8, 1)
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def go(person):
            barrier.wait()
            try:
                appoint(database, math, person, starts_on=start, ends_on=date(2028, 7, 31), today=TODAY)
                outcomes.append("ok")
            except DomainError as exc:
                outcomes.append(exc.rule)

        threads = [threading.Thread(target=go, args=(p,)) for p in (a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(outcomes) == ["C2", "ok"], (attempt, outcomes)
        with database.session(write=False) as db:
            assert len(cores.current_core(db, math.id, TODAY)) == 8
        # Free the seat again for the next round.
        with database.transaction() as db:
            last = db.scalar(select(Appointment).where(Appointment.collaborative_id == math.id)
                             .order_by(Appointment.id.desc()))
            db.delete(last)


# --- C3 ------------------------------------------------------------------------------------------

def test_c3_a_term_of_exactly_two_years_is_accepted(factory, database, math):
    term = appoint(database, math, factory.educator(), starts_on=date(2027, 8, 1), ends_on=date(2029, 7, 31))
    assert (term.starts_on, term.ends_on) == (date(2027, 8, 1), date(2029, 7, 31))


def test_c3_one_day_less_than_two_years_is_refused(factory, database, math):
    with pytest.raises(DomainError) as err:
        appoint(database, math, factory.educator(), starts_on=date(2027, 8, 1), ends_on=date(2029, 7, 30))
    assert err.value.rule == "C3" and err.value.field == "ends_on"
    assert "31 July 2029" in err.value.message
    assert rows(database, Appointment) == 0


def test_c3_a_one_year_term_is_refused(factory, database, math):
    with pytest.raises(DomainError) as err:
        appoint(database, math, factory.educator(), starts_on=date(2027, 8, 1), ends_on=date(2028, 7, 31))
    assert err.value.rule == "C3"


def test_c3_the_anniversary_of_29_february_is_28_february(factory, database, math):
    with pytest.raises(DomainError):
        appoint(database, math, factory.educator(), starts_on=date(2028, 2, 29), ends_on=date(2030, 2, 26))
    term = appoint(database, math, factory.educator(), starts_on=date(2028, 2, 29), ends_on=date(2030, 2, 27))
    assert term.ends_on == date(2030, 2, 27)


def test_c3_the_form_proposes_two_school_years(factory, as_, math):
    """For a Core in range (5 to 7 members, a seat open): the next school year. (A Core short now is
    offered a term from today, a full one the day a seat opens: tests/cores/test_appoint_form.py.)"""
    clock.freeze(datetime(2026, 11, 27, 9, tzinfo=timezone.utc))
    full_core(factory, math, n=6, ends_on=date(2029, 7, 31))
    page = as_(factory.dpl()).get(f"/collaboratives/{math.slug}/core/appoint")
    assert page.context["form"]["starts_on"] == "2027-08-01"
    assert page.context["form"]["ends_on"] == "2029-07-31"


# --- C4, N2 ------------------------------------------------------------------------------------------

def test_c4_appointment_makes_the_person_a_member(factory, database, math):
    person = factory.educator()
    appoint(database, math, person)
    with database.session(write=False) as db:
        assert network.current_membership(db, person.id, math.id) is not None


def test_c4_a_person_of_a_lapsed_school_cannot_be_appointed(factory, database, math):
    school = factory.school("QSI Dushanbe", time_zone="Asia/Dushanbe")
    person = factory.educator(school)
    with database.transaction() as db:
        network.lapse_school(db, SYSTEM, db.get(School, school.id), date(2026, 6, 30))
    with pytest.raises(DomainError) as err:
        appoint(database, math, person)
    assert err.value.rule == "C4" and "N2" in err.value.message and "30 June 2026" in err.value.message
    assert rows(database, Appointment) == 0


def test_c4_network_staff_without_a_school_cannot_be_appointed(factory, database, math):
    with pytest.raises(DomainError) as err:
        appoint(database, math, factory.person(Role.CENTER_STAFF))
    assert err.value.rule == "C4"


# --- C5 ----------------------------------------------------------------------------------------------

def test_c5_ending_early_keeps_the_record(factory, database, math):
    term = factory.core_member(factory.educator(), math, date(2025, 8, 1), date(2027, 7, 31))
    with database.transaction() as db:
        cores.end_early(db, SYSTEM, db.get(Appointment, term.id), ended_on=date(2026, 1, 31), reason="moved_school")
    with database.session(write=False) as db:
        t = db.get(Appointment, term.id)
        assert (t.ended_on, t.end_reason, t.ends_on, t.ended_early) == (
            date(2026, 1, 31), "moved_school", date(2027, 7, 31), True)
        assert t.status(TODAY) == "ended early"
        assert cores.current_core(db, math.id, TODAY) == []


@pytest.mark.parametrize(("ended_on", "reason", "field"), [
    (None, "resignation", "ended_on"),
    (date(2026, 1, 31), "", "reason"),
    (date(2025, 7, 31), "resignation", "ended_on"),  # before the term starts
    (date(2027, 7, 31), "resignation", "ended_on"),  # the planned end is not early
    (date(2026, 1, 31), "other", "note"),  # "other" needs the details
])
def test_c5_early_end_refusals(factory, database, math, ended_on, reason, field):
    term = factory.core_member(factory.educator(), math, date(2025, 8, 1), date(2027, 7, 31))
    with database.transaction() as db, pytest.raises(DomainError) as err:
        cores.end_early(db, SYSTEM, db.get(Appointment, term.id), ended_on=ended_on, reason=reason)
    assert (err.value.rule, err.value.field) == ("C5", field)


# --- C6 ----------------------------------------------------------------------------------------------

def test_c6_an_under_strength_core_is_allowed_but_flagged(factory, database, math):
    full_core(factory, math, n=4)
    forming = factory.collaborative("Technology", status="forming", activated_on=date(2026, 9, 15))
    full_core(factory, forming, n=2)
    with database.session(write=False) as db:
        s_math, s_forming = cores.summarize(db, [db.get(Collaborative, math.id), db.get(Collaborative, forming.id)],
                                            TODAY)
        assert s_math.strength == 4 and any(f.startswith("F3/C6") for f in s_math.flags)
        assert s_forming.flags == []  # forming for less than six months
        later = cores.summarize(db, [db.get(Collaborative, forming.id)], date(2027, 3, 20))[0]
        assert any(f.startswith("F3/C6: forming since") for f in later.flags)


# --- C7 ----------------------------------------------------------------------------------------------

def test_c7_reappointment_starts_the_day_after_and_reads_as_continuous(factory, as_, database, math):
    person = factory.educator(name="Karen Whitfield")
    term = factory.core_member(person, math, date(2025, 8, 1), date(2027, 7, 31))
    with database.transaction() as db:
        new = cores.reappoint(db, SYSTEM, db.get(Appointment, term.id), ends_on=date(2029, 7, 31),
                              consultations=consulted(), today=TODAY)
        assert (new.starts_on, new.previous_id) == (date(2027, 8, 1), term.id)
    with database.transaction() as db, pytest.raises(DomainError) as err:
        cores.reappoint(db, SYSTEM, db.get(Appointment, term.id), ends_on=date(2029, 7, 31),
                        consultations=consulted(), today=TODAY)
    assert err.value.rule == "C7"
    clock.freeze(datetime(2026, 11, 27, 9, tzinfo=timezone.utc))
    page = as_(factory.dpl()).get(f"/collaboratives/{math.slug}/core")
    row = [r for r in page.context["rows"] if r.person.id == person.id][0]
    assert row.continuous and len(row.bars) == 2 and row.service_from == date(2025, 8, 1)
    assert row.service_to == date(2029, 7, 31)
    assert "continuous since Aug 2025" in page.text


def test_c7_reappointment_is_still_held_to_c2(factory, database, math):
    """A reappointment is a new term (C7), so it is refused when its first day would make a ninth."""
    terms = full_core(factory, math, n=7, ends_on=date(2028, 7, 31))
    early = factory.core_member(factory.educator(), math, date(2026, 7, 31), date(2028, 7, 30),
                                today=date(2026, 7, 1))
    # Someone new takes the seat the early term leaves: on 31 July 2028 the Core is 7 + 1 = 8.
    appoint(database, math, factory.educator(), starts_on=date(2028, 7, 31), ends_on=date(2030, 7, 30))
    before = rows(database, Appointment), rows(database, AuditEntry)
    with pytest.raises(DomainError) as err, database.transaction() as db:
        cores.reappoint(db, SYSTEM, db.get(Appointment, early.id), ends_on=date(2030, 7, 30),
                        consultations=consulted(), today=TODAY)
    assert err.value.rule == "C2" and "31 July 2028" in str(err.value)
    assert (rows(database, Appointment), rows(database, AuditEntry)) == before  # nothing written
    with database.transaction() as db:  # from 1 August 2028 the seven have left: room again
        again = cores.reappoint(db, SYSTEM, db.get(Appointment, terms[0].id), ends_on=date(2030, 7, 31),
                                consultations=consulted(), today=TODAY)
        assert again.starts_on == date(2028, 8, 1) and again.previous_id == terms[0].id


# --- C8 ----------------------------------------------------------------------------------------------

def test_c8_overlapping_terms_of_one_person_are_refused(factory, database, math):
    person = factory.educator()
    factory.core_member(person, math, date(2025, 8, 1), date(2027, 7, 31))
    with pytest.raises(DomainError) as err:
        appoint(database, math, person, starts_on=date(2027, 7, 31), ends_on=date(2029, 7, 31))
    assert err.value.rule == "C8"
    appoint(database, math, person, starts_on=date(2027, 8, 1), ends_on=date(2029, 7, 31))  # adjacent: fine


def test_c8_the_database_itself_refuses_overlapping_terms(factory, database, math):
    person = factory.educator()
    term = factory.core_member(person, math, date(2025, 8, 1), date(2027, 7, 31))
    from sqlalchemy.exc import IntegrityError

    with database.session(write=True) as db:
        db.add(Appointment(collaborative_id=math.id, person_id=person.id, starts_on=date(2026, 1, 1),
                           ends_on=date(2028, 1, 1)))
        with pytest.raises(IntegrityError, match="C8|no_overlap"):
            db.flush()
    assert rows(database, Appointment) == 1 and term.id


# --- C9 ----------------------------------------------------------------------------------------------

def test_c9_apply_nominate_and_appoint_from_the_candidates(factory, as_, database):
    clock.freeze(datetime(2026, 11, 27, 9, tzinfo=timezone.utc))
    literacy = factory.collaborative("Literacy")
    school = factory.school("AES New Delhi")
    core = [factory.educator(school) for _ in range(6)]
    for i, person in enumerate(core):
        start = date(2025, 8, 1) if i < 2 else date(2026, 8, 1)
        factory.core_member(person, literacy, start, date(start.year + 2, 7, 31), today=date(start.year, 7, 1))
    coordinator = factory.educator(school, Role.MEMBER, Role.SCHOOL_COORDINATOR, name="Anita Rao")
    priya = factory.educator(school, name="Priya Sharma")
    colleague = factory.educator(school, name="Andrew Caldwell")
    factory.member(colleague, literacy)
    dpl = factory.dpl()

    applicant = as_(priya)
    assert "Apply for a seat" in applicant.get(f"/collaboratives/{literacy.slug}/seats").text
    r = post_form(applicant, f"/collaboratives/{literacy.slug}/seats/apply",
                  {"statement": "I lead our structured-literacy pilot."})
    assert r.status_code == 303
    after = applicant.get(f"/collaboratives/{literacy.slug}/seats").text  # her candidacy, to withdraw; no second form
    assert "Your candidacies" in after and "Apply for a seat" not in after
    r = post_form(as_(core[0]), f"/collaboratives/{literacy.slug}/seats/nominate",
                  {"person_id": str(colleague.id), "statement": "Andrew leads writing workshop."})
    assert r.status_code == 303
    d = as_(dpl)
    seats = d.get(f"/collaboratives/{literacy.slug}/seats")
    assert [c.person.name for c in seats.context["candidates"]] == ["Priya Sharma", "Andrew Caldwell"]
    assert seats.context["seats"].open == 4  # two terms end within the year, two seats were never filled
    with database.session(write=False) as db:
        candidacy = db.scalar(select(Candidacy).where(Candidacy.person_id == priya.id))
    form = d.get(f"/collaboratives/{literacy.slug}/core/appoint", params={"candidacy": candidacy.id}).context["form"]
    assert form["person_id"] == str(priya.id)
    r = post_form(d, f"/collaboratives/{literacy.slug}/core/appoint", {
        **form, "ed_consulted_on": "2026-11-03", "ed_method": "email", "pdac_consulted_on": "2026-11-10",
        "pdac_method": "meeting"})
    assert r.status_code == 303, r.text
    with database.session(write=False) as db:
        candidacy = db.get(Candidacy, candidacy.id)
        assert candidacy.status == "appointed" and candidacy.appointment_id is not None
        told = {(m.person_id, m.kind) for m in db.scalars(select(OutboxMessage))}
        assert (priya.id, "core.appointed") in told and (coordinator.id, "core.appointed.school") in told
        entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "core.appoint")
                          .order_by(AuditEntry.id.desc()).limit(1))
        assert entry.actor_id == dpl.id and entry.after["consultations"][1]["consulted_on"] == "2026-11-10"
    log = d.get("/audit", params={"action": "core."})
    assert "Appointed Priya Sharma to the Literacy Core" in log.text


def test_c9_no_open_seat_means_no_applications(factory, database, math):
    full_core(factory, math, starts_on=date(2026, 8, 1), ends_on=date(2029, 7, 31))
    person = factory.educator()
    with database.transaction() as db, pytest.raises(DomainError) as err:
        cores.apply_for_seat(db, load_actor(db, db.get(Person, person.id), TODAY), db.get(Collaborative, math.id),
                             "Me please", TODAY)
    assert err.value.rule == "C9"


def test_c9_a_statement_is_needed_and_candidates_can_withdraw(factory, as_, database, math):
    person = factory.educator()
    client = as_(person)
    r = post_form(client, f"/collaboratives/{math.slug}/seats/apply", {"statement": " "})
    assert r.status_code == 422 and "C9:" in r.text
    assert post_form(client, f"/collaboratives/{math.slug}/seats/apply", {"statement": "Me"}).status_code == 303
    assert post_form(client, f"/collaboratives/{math.slug}/seats/apply", {"statement": "Me"}).status_code == 422
    with database.session(write=False) as db:
        c = db.scalar(select(Candidacy))
    other = as_(factory.educator())
    assert post_form(other, f"/core/candidacies/{c.id}/withdraw").status_code == 404
    assert post_form(client, f"/core/candidacies/{c.id}/withdraw").status_code == 303
    with database.session(write=False) as db:
        assert db.get(Candidacy, c.id).status == "withdrawn"


# --- C10 ---------------------------------------------------------------------------------------------

def test_c10_a_school_change_or_lapse_is_flagged_not_ended(factory, database, math):
    a_school, b_school = factory.school("Kodaikanal"), factory.school("AES New Delhi")
    mover, stayer = factory.educator(a_school, name="Kavita Gupta"), factory.educator(b_school, name="Ben F")
    t1 = factory.core_member(mover, math, date(2025, 8, 1), date(2027, 7, 31))
    t2 = factory.core_member(stayer, math, date(2025, 8, 1), date(2027, 7, 31))
    with database.transaction() as db:
        update_person(db, SYSTEM, db.get(Person, mover.id), school_id=b_school.id, today=TODAY)
        network.lapse_school(db, SYSTEM, db.get(School, b_school.id), date(2026, 6, 30))
    with database.session(write=False) as db:
        s = cores.summarize(db, [db.get(Collaborative, math.id)], TODAY)[0]
        flagged = {t.id for t, _ in s.school_changes}
        assert flagged == {t1.id, t2.id}
        assert any("Kavita Gupta moved to AES New Delhi" in f for f in s.flags)
        assert any("lapsed on 30 June 2026" in f for f in s.flags)
        assert len(cores.current_core(db, math.id, TODAY)) == 2  # the terms did not end


# --- the derived role ---------------------------------------------------------------------------------

def test_core_member_edits_norms_and_loses_it_when_the_term_ends(factory, as_, database, math):
    person = factory.educator()
    factory.core_member(person, math, date(2025, 8, 1), date(2027, 7, 31))
    clock.freeze(datetime(2027, 7, 31, 12, tzinfo=timezone.utc))
    client = as_(person)
    r = post_form(client, f"/collaboratives/{math.slug}/norms/edit", {"text": "We start on time."})
    assert r.status_code == 303 and r.headers["location"] == f"/collaboratives/{math.slug}/norms"
    clock.freeze(datetime(2027, 8, 1, 12, tzinfo=timezone.utc))
    assert post_form(client, f"/collaboratives/{math.slug}/norms/edit", {"text": "Changed later"}).status_code == 403
    other = factory.collaborative("Science")
    assert post_form(client, f"/collaboratives/{other.slug}/norms/edit", {"text": "x"}).status_code == 403


# --- the DPL's journey (SCENARIOS 1) -----------------------------------------------------------------

def test_dpl_is_refused_a_ninth_member_with_the_form_kept_and_a_message_beside_the_field(factory, as_, database, math):
    clock.freeze(datetime(2026, 11, 27, 9, tzinfo=timezone.utc))
    full_core(factory, math)
    ninth = factory.educator(name="Hessa Al-Harbi")
    d = as_(factory.dpl())
    form = {"person_id": str(ninth.id), "starts_on": "2027-08-01", "ends_on": "2029-07-31",
            "ed_consulted_on": "2026-11-03", "pdac_consulted_on": "2026-11-10", "note": "strong candidate"}
    before = rows(database, Appointment), rows(database, AuditEntry)
    r = post_form(d, f"/collaboratives/{math.slug}/core/appoint", form)
    assert r.status_code == 422
    assert "C2: an active Core has at most 8 members; Math has 8 on 1 August 2027" in r.text
    assert 'id="starts_on-error"' in r.text and 'value="2029-07-31"' in r.text and "strong candidate" in r.text
    r = post_form(d, f"/collaboratives/{math.slug}/core/appoint", {**form, "ends_on": "2028-07-31"})
    assert r.status_code == 422 and "C3:" in r.text
    assert (rows(database, Appointment), rows(database, AuditEntry)) == before
    api = d.post(f"/api/v1/collaboratives/{math.slug}/core", headers={"X-CSRF-Token": __import__(
        "tests.conftest", fromlist=["csrf_of"]).csrf_of(d)}, json={
        "person_id": ninth.id, "starts_on": "2027-08-01", "ends_on": "2029-07-31",
        "consultations": [{"body": "executive_director", "consulted_on": "2026-11-03"},
                          {"body": "pdac", "consulted_on": "2026-11-10"}]})
    assert api.status_code == 422 and api.json()["rule"] == "C2"
    assert api.json()["errors"][0]["field"] == "starts_on"


def test_dpl_ends_a_term_early_and_reappoints_through_the_pages(factory, as_, database, math):
    clock.freeze(datetime(2026, 11, 27, 9, tzinfo=timezone.utc))
    a = factory.core_member(factory.educator(name="Kevin Tanaka"), math, date(2025, 8, 1), date(2027, 7, 31))
    b = factory.core_member(factory.educator(name="Vivek Reddy"), math, date(2025, 8, 1), date(2027, 7, 31))
    d = as_(factory.dpl())
    assert "End the term" in d.get(f"/core/terms/{a.id}/end").text  # a confirmation page first
    r = post_form(d, f"/core/terms/{a.id}/end", {"ended_on": "2026-11-30", "reason": "resignation"})
    assert r.status_code == 303
    r = post_form(d, f"/core/terms/{b.id}/reappoint", {"ends_on": "2029-07-31", "ed_consulted_on": "2026-11-03",
                                                       "pdac_consulted_on": "2026-11-10"})
    assert r.status_code == 303
    actions = [e["action"] for e in d.get("/api/v1/audit", params={"action": "core."}).json()["items"]]
    assert actions[:2] == ["core.reappoint", "core.end_early"]


def test_the_dashboard_shows_short_now_and_short_within_a_year(factory, as_, math):
    clock.freeze(datetime(2026, 11, 27, 9, tzinfo=timezone.utc))
    literacy = factory.collaborative("Literacy")
    full_core(factory, math, n=4)
    full_core(factory, literacy, n=4, ends_on=date(2028, 7, 31))
    full_core(factory, literacy, n=2, starts_on=date(2025, 8, 1), ends_on=date(2027, 7, 31))
    page = as_(factory.dpl()).get("/cores")
    assert [s.collaborative.name for s in page.context["short_now"]] == ["Math"]
    assert [s.collaborative.name for s in page.context["short_soon"]] == ["Literacy"]
    lit = [s for s in page.context["summaries"] if s.collaborative.name == "Literacy"][0]
    assert lit.strength == 6 and lit.lowest == 4
    assert "F1: will fall to 4 by 1 August 2027" in page.text
