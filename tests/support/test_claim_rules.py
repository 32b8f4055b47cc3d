"""S3 through the services: a Core member claims one hotel night; every refusal names S3 and the
field and writes nothing (no claim, no audit entry, no receipt file); one claim per person per
conference also when two are sent at once; Center staff approve, reject and pay, each audited (A1)."""

from __future__ import annotations

import hashlib
import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import delete, select

from nesa_collab.audit.models import AuditEntry
from nesa_collab.errors import DomainError, PermissionDenied
from nesa_collab.meetings import conferences
from nesa_collab.meetings.models import Meeting
from nesa_collab.notifications.models import OutboxMessage
from nesa_collab.permissions import SYSTEM
from nesa_collab.support import claims
from nesa_collab.support.models import Claim, ClaimStatus

from .conftest import MAX_BYTES, PDF, PNG, planning_meeting, stored_files, written


def test_s3_a_core_member_claims_the_night_and_the_claim_is_audited(world, database, claim_night):
    claim = claim_night(world.core)
    assert (claim.status, claim.amount, claim.currency, claim.night_on) == (
        ClaimStatus.SUBMITTED, Decimal("139.50"), "USD", date(2027, 3, 24))
    assert claim.conference_id == world.conference.id and claim.meeting_id == world.meeting.id
    [stored] = stored_files(world.store)
    assert stored.name == claim.receipt_file and stored.read_bytes() == PDF  # a random name, not the uploaded one
    assert claim.receipt_name == "riverside.pdf" and claim.receipt_type == "application/pdf"
    assert claim.receipt_size == len(PDF) and claim.receipt_sha256 == hashlib.sha256(PDF).hexdigest()
    with database.session(write=False) as db:
        entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "claim.submit"))
        assert entry.actor_id == world.core.id and entry.subject_id == claim.id
        assert entry.collaborative_id == world.collab.id
        assert entry.after["amount"] == "139.50" and entry.after["status"] == "submitted"


def test_s3_the_night_of_the_meeting_day_may_be_claimed_too(world, claim_night):
    assert claim_night(world.core, night_on=date(2027, 3, 25), receipt=PNG).receipt_type == "image/png"


REFUSALS = {
    "more than one night": ({"nights": 2}, "nights", "one night"),
    "a night two days before": ({"night_on": date(2027, 3, 23)}, "night_on", "not beside the meeting"),
    "the night after the meeting day": ({"night_on": date(2027, 3, 26)}, "night_on", "not beside the meeting"),
    "no night": ({"night_on": None}, "night_on", "give the night"),
    "over the cap": ({"amount": "145.01"}, "amount", "over the nightly cap of 145.00 USD"),
    "another currency": ({"currency": "EUR"}, "currency", "claim in USD"),
    "not a currency": ({"currency": "US$"}, "currency", "not a currency"),
    "nothing": ({"amount": "0.00"}, "amount", "more than 0"),
    "a float": ({"amount": 139.5}, "amount", "as a string"),
    "three decimal places": ({"amount": "139.505"}, "amount", "at most two decimal places"),
    "an exponent": ({"amount": "1e2"}, "amount", "not an amount"),
    "a negative amount": ({"amount": "-5"}, "amount", "not an amount"),
    "words": ({"amount": "a hundred"}, "amount", "not an amount"),
    "no receipt": ({"receipt": b""}, "receipt", "attach the hotel's receipt"),
    "an oversized receipt": ({"receipt": PDF + b"\0" * MAX_BYTES}, "receipt", "at most"),
    "a renamed HTML page": ({"receipt": b"<!doctype html><script>alert(1)</script>", "receipt_name": "receipt.pdf"},
                           "receipt", "must be a PDF, JPEG or PNG"),
}


def test_s3_refusals_name_the_rule_and_the_field_and_write_nothing(world, database, claim_night):
    """Each case against the same world (a refusal leaves it as it was, which is the point)."""
    before = written(database, world.store)
    assert before[0] == before[2] == 0
    for case, (changes, field, words) in REFUSALS.items():
        with pytest.raises(DomainError) as refused:
            claim_night(world.core, **changes)
        assert (refused.value.rule, refused.value.field) == ("S3", field), case
        assert words in refused.value.message, (case, refused.value.message)
        assert written(database, world.store) == before, case


def test_s3_someone_not_on_the_meetings_core_on_the_meeting_day_is_refused(world, database, factory, claim_night):
    """A Core member of another collaborative, and one whose term ends before the meeting day."""
    leaving = factory.educator(name="Ben Fitzgerald")
    factory.core_member(leaving, world.collab, date(2025, 3, 1), date(2027, 2, 28))
    before = written(database, world.store)
    for person, name in ((world.other_core, "Rahul Pillai"), (leaving, "Ben Fitzgerald")):
        with pytest.raises(DomainError) as refused:
            claim_night(person)
        assert refused.value.rule == "S3" and refused.value.field == "meeting"
        assert f"{name} was not on the Librarians Core on Thursday 25 March 2027" in refused.value.message
    assert written(database, world.store) == before


def test_s3_a_member_may_not_claim_at_all(world, claim_night):
    with pytest.raises(PermissionDenied):
        claim_night(world.member)


def test_s3_only_a_published_planning_meeting_beside_a_conference_earns_the_night(world, database, act,
                                                                                   claim_night):
    with database.transaction() as db:
        draft = planning_meeting(db, world.collab, publish=False, title="Draft planning day")
        virtual = planning_meeting(db, world.collab, title="Online planning", mode="virtual",
                                   join_url="https://meet.example.org/x", place="")
        away = planning_meeting(db, world.collab, day=date(2027, 3, 20), title="Too early to be beside it")
    before = written(database, world.store)
    for meeting in (draft, virtual, away):
        with pytest.raises(DomainError) as refused:
            claim_night(world.core, meeting=meeting)
        assert refused.value.rule == "S3" and "not a published planning meeting" in refused.value.message
    assert written(database, world.store) == before


def test_s3_no_claims_before_the_conference_has_a_cap(world, database, act, claim_night):
    act(None, conferences.update_conference, world.conference, hotel_night_cap="", hotel_cap_currency="")
    before = written(database, world.store)
    with pytest.raises(DomainError) as refused:
        claim_night(world.core)
    assert refused.value.rule == "S3" and "has no nightly cap yet" in refused.value.message
    assert written(database, world.store) == before


def test_s3_a_second_claim_for_the_same_conference_is_refused(world, database, claim_night):
    first = claim_night(world.core)
    before = written(database, world.store)
    with pytest.raises(DomainError) as refused:
        claim_night(world.core, night_on=date(2027, 3, 25), amount="20.00")
    assert refused.value.rule == "S3" and "already claimed the hotel night" in refused.value.message
    assert f"claim #{first.id}" in refused.value.message
    assert written(database, world.store) == before


def test_s3_a_claim_losing_the_unique_key_is_refused_like_a_second_claim(world, database, claim_night, monkeypatch):
    """What PostgreSQL does when two claims pass the check at once: the insert that loses the unique
    key is undone in its savepoint and answered with the same S3 refusal; no file is left."""
    claim_night(world.core)
    monkeypatch.setattr(claims, "check_first_claim", lambda *args: None)
    before = written(database, world.store)
    with pytest.raises(DomainError) as refused:
        claim_night(world.core, night_on=date(2027, 3, 25))
    assert refused.value.rule == "S3" and "already claimed" in refused.value.message
    assert written(database, world.store) == before


def test_s3_two_claims_racing_for_one_conference_end_with_exactly_one(world, database, claim_night):
    """Threads against a file database (or PostgreSQL), repeated: one claim is written, the other is
    refused with S3, and one receipt file is left."""
    for attempt in range(8):
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def go(night):
            barrier.wait()
            try:
                claim_night(world.core, night_on=night)
                outcomes.append("ok")
            except DomainError as exc:
                outcomes.append(exc.rule)

        threads = [threading.Thread(target=go, args=(night,)) for night in (date(2027, 3, 24), date(2027, 3, 25))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(outcomes) == ["S3", "ok"], (attempt, outcomes)
        with database.transaction() as db:
            assert len(db.scalars(select(Claim)).all()) == 1
            assert len(stored_files(world.store)) == 1
            db.execute(delete(Claim))
        for path in stored_files(world.store):
            path.unlink()


def test_s3_a_failed_transaction_removes_the_receipt_it_wrote(world, database):
    from nesa_collab.cores.services import load_actor
    from nesa_collab.auth.models import Person

    with pytest.raises(RuntimeError), database.transaction() as db:
        actor = load_actor(db, db.get(Person, world.core.id), date(2026, 12, 1))
        claims.submit_claim(db, actor, db.get(Meeting, world.meeting.id), night_on=date(2027, 3, 24),
                            amount="100.00", currency="USD", receipt=PDF, receipt_name="r.pdf", store=world.store)
        assert len(stored_files(world.store)) == 1
        raise RuntimeError("something later in the request failed")
    assert stored_files(world.store) == [] and written(database, world.store)[0] == 0


# --- deciding and paying --------------------------------------------------------------------------

def _audit(database, action: str) -> AuditEntry:
    with database.session(write=False) as db:
        return db.scalar(select(AuditEntry).where(AuditEntry.action == action))


def test_s3_center_staff_approve_then_pay_with_a_reference_each_audited(world, database, act, claim_night):
    claim = claim_night(world.core)
    approved = act(world.staff, claims.approve, claim)
    assert approved.status == ClaimStatus.APPROVED and approved.decided_by_id == world.staff.id
    entry = _audit(database, "claim.approve")
    assert entry.before["status"] == "submitted" and entry.after["status"] == "approved"
    assert entry.actor_id == world.staff.id and entry.collaborative_id == world.collab.id
    paid = act(world.staff, claims.mark_paid, claim, "  TRF-2027-0412 ")
    assert paid.status == ClaimStatus.PAID and paid.payment_reference == "TRF-2027-0412" and paid.paid_at
    entry = _audit(database, "claim.pay")
    assert entry.before["payment_reference"] is None and entry.after["payment_reference"] == "TRF-2027-0412"
    with database.session(write=False) as db:
        subjects = db.scalars(select(OutboxMessage.subject).where(OutboxMessage.person_id == world.core.id)
                              .order_by(OutboxMessage.id)).all()
    assert [s.rsplit(" is ", 1)[1] for s in subjects if "hotel-night" in s] == ["approved", "paid"]


def test_s3_a_rejection_needs_a_reason_which_the_claimant_sees(world, database, act, claim_night):
    claim = claim_night(world.core)
    before = written(database, world.store)
    with pytest.raises(DomainError) as refused:
        act(world.dpl, claims.reject, claim, "   ")
    assert (refused.value.rule, refused.value.field) == ("S3", "reason")
    assert written(database, world.store) == before
    rejected = act(world.dpl, claims.reject, claim, "The receipt is from another hotel.")
    assert rejected.status == ClaimStatus.REJECTED and rejected.rejection_reason == "The receipt is from another hotel."
    entry = _audit(database, "claim.reject")
    assert entry.before["status"] == "submitted" and entry.after["rejection_reason"].startswith("The receipt")
    with pytest.raises(DomainError) as refused:  # decided: it is not approved afterwards
        act(world.staff, claims.approve, claim)
    assert refused.value.rule == "S3" and "rejected" in refused.value.message
    with pytest.raises(DomainError) as refused:  # and it was the claim for this conference
        claim_night(world.core, night_on=date(2027, 3, 25))
    assert refused.value.rule == "S3" and "already claimed" in refused.value.message


STATE_REFUSALS = [
    ("pay a submitted claim", "submitted", claims.mark_paid, ("REF-1",), "only approved claims"),
    ("approve an approved claim", "approved", claims.approve, (), "only submitted claims"),
    ("pay without a reference", "approved", claims.mark_paid, ("",), "give the payment reference"),
    ("reject a paid claim", "paid", claims.reject, ("Too late",), "not yet paid"),
    ("approve a paid claim", "paid", claims.approve, (), "only submitted claims"),
]


def test_s3_a_claim_moves_only_forward(world, database, act, claim_night):
    claim = claim_night(world.core)
    for state in ("submitted", "approved", "paid"):
        if state == "approved":
            act(world.staff, claims.approve, claim)
        if state == "paid":
            act(world.staff, claims.mark_paid, claim, "REF-0")
        before = written(database, world.store)
        for case, _state, service, args, words in (c for c in STATE_REFUSALS if c[1] == state):
            with pytest.raises(DomainError) as refused:
                act(world.staff, service, claim, *args)
            assert refused.value.rule == "S3" and words in refused.value.message, case
            assert written(database, world.store) == before, case


def test_s3_only_center_staff_and_the_dpl_decide(world, act, claim_night):
    claim = claim_night(world.core)
    for person in (world.core, world.second_core, world.member):
        with pytest.raises(PermissionDenied):
            act(person, claims.approve, claim)


def test_s3_a_claim_is_seen_by_its_claimant_center_staff_and_the_dpl_only(world, act, claim_night):
    from nesa_collab.errors import NotFound

    claim = claim_night(world.core)
    for person in (world.core, world.staff, world.dpl):
        assert act(person, claims.get_claim, claim.id).id == claim.id
    for person in (world.second_core, world.other_core, world.member):
        with pytest.raises(NotFound):
            act(person, claims.get_claim, claim.id)
        with pytest.raises(NotFound):
            act(person, claims.receipt_of, claim.id, world.store)
    assert act(world.staff, claims.receipt_of, claim.id, world.store)[1] == PDF


def test_s3_the_queue_lists_waiting_claims_oldest_first(world, database, act, claim_night, factory):
    first = claim_night(world.core)
    second = claim_night(world.second_core)
    act(world.staff, claims.approve, first)
    with database.transaction() as db:
        conf = conferences.create_conference(db, SYSTEM, name="Summer Institute", starts_on=date(2027, 6, 10),
                                             ends_on=date(2027, 6, 12), city="Istanbul", time_zone="Europe/Istanbul",
                                             hotel_night_cap="160.00", hotel_cap_currency="EUR")
        istanbul = planning_meeting(db, world.collab, conference=conf.slug, day=date(2027, 6, 9))
    third = claim_night(world.core, meeting=istanbul, night_on=date(2027, 6, 8), amount="150", currency="eur")
    act(world.staff, claims.reject, second, "Duplicate booking")
    with database.session(write=False) as db:
        from nesa_collab.cores.services import load_actor
        from nesa_collab.auth.models import Person

        staff = load_actor(db, db.get(Person, world.staff.id), date(2026, 12, 1))
        assert [c.id for c in db.scalars(claims.queue_query(staff))] == [first.id, third.id]
        assert [c.id for c in db.scalars(claims.queue_query(staff, "rejected"))] == [second.id]
        assert len(db.scalars(claims.queue_query(staff, "all")).all()) == 3
        assert claims.waiting_summary(db, staff)[0] == 2
    assert third.amount == Decimal("150.00") and third.currency == "EUR"
