"""S3, one hotel night: a Core member who attends a planning meeting beside a conference claims one
night at the conference hotel, up to the conference's nightly cap, with the hotel's receipt; Center
staff approve it, reject it with a reason, or mark it paid with the payment's reference.

Every refusal names S3 and the field, and leaves nothing behind: every check runs before the first
write, and the receipt's file is written last, inside the claim's transaction (removed again if it
rolls back). Services flush, never commit; every change is audited (A1) with its before and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..audit.services import record, snapshot
from ..auth.models import Person
from ..clock import now_utc
from ..cores import services as cores
from ..db import get_or_not_found, lock_row
from ..errors import DomainError, PermissionDenied
from ..meetings.models import Conference, Meeting, MeetingStatus
from ..money import format_money, parse_amount, parse_currency
from ..network.models import Collaborative, School
from ..notifications.services import tell
from ..permissions import Actor, require, require_visible
from .models import WAITING, Claim, ClaimStatus
from .receipts import ReceiptStore, check_receipt

CLAIM_FIELDS = ["person_id", "conference_id", "meeting_id", "night_on", "amount", "currency", "status",
                "rejection_reason", "payment_reference", "decided_by_id", "decided_at", "paid_by_id", "paid_at",
                "receipt_name", "receipt_type", "receipt_size", "receipt_sha256"]
MAX_REASON = 2000
MAX_REFERENCE = 100


def fmt(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def meeting_day(meeting: Meeting) -> date:
    """The planning meeting's day, in its own zone (a planning meeting is face to face: one day)."""
    return meeting.local_start.date()


def claimable_nights(meeting: Meeting) -> tuple[date, date]:
    """S3: the nights adjacent to the meeting: the one before its day, and the one of its day."""
    day = meeting_day(meeting)
    return day - timedelta(days=1), day


def _snapshot(claim: Claim) -> dict[str, Any]:
    return snapshot(claim, CLAIM_FIELDS)


# --- the checks (S3), each before anything is written ---------------------------------------------

def check_planning_meeting(meeting: Meeting) -> Conference:
    """S3: the night is claimed against a published planning meeting beside a conference (S2)."""
    if meeting.status != MeetingStatus.PUBLISHED or not meeting.is_planning or meeting.conference is None:
        raise DomainError("S3", f"“{meeting.title}” is not a published planning meeting beside a conference; "
                          "the hotel night is claimed against one", field="meeting")
    return meeting.conference


def check_on_the_core(db: Session, person: Person, meeting: Meeting) -> None:
    """S3: only someone on the meeting's collaborative's Core on the meeting day claims the night."""
    day = meeting_day(meeting)
    if meeting.collaborative_id not in cores.collaboratives_served(db, person.id, day):
        raise DomainError("S3", f"{person.name} was not on the {meeting.collaborative.name} Core on {fmt(day)}, the "
                          "day of the meeting; only its Core members claim the hotel night", field="meeting")


def claim_of(db: Session, person_id: int, conference_id: int) -> Claim | None:
    """S3: the one claim ``person_id`` has made for the conference, if any."""
    return db.scalar(select(Claim).where(Claim.person_id == person_id, Claim.conference_id == conference_id))


def _already_claimed(person: Person, conf: Conference, claim: Claim) -> DomainError:
    return DomainError("S3", f"{person.name} has already claimed the hotel night for {conf.name} (claim "
                       f"#{claim.id}, {claim.status.value}); the network pays one claim per person per "
                       "conference", field="meeting")


def check_first_claim(db: Session, person: Person, conf: Conference) -> None:
    """S3: one claim per person per conference (a rejected one counts: it was decided)."""
    existing = claim_of(db, person.id, conf.id)
    if existing is not None:
        raise _already_claimed(person, conf, existing)


def check_cap_set(conf: Conference) -> tuple[Decimal, str]:
    """S3: claims wait for the conference's nightly cap."""
    if conf.hotel_night_cap is None or conf.hotel_cap_currency is None:
        raise DomainError("S3", f"{conf.name} has no nightly cap yet; Center staff set it before claims are taken",
                          field="amount")
    return conf.hotel_night_cap, conf.hotel_cap_currency


def check_night(meeting: Meeting, night_on: date | None, nights: int = 1) -> date:
    """S3: one night, the one before the meeting day or the one of the meeting day."""
    before, of_day = claimable_nights(meeting)
    if nights != 1:
        raise DomainError("S3", f"the network pays one night per conference, not {nights}: claim the night before "
                          f"the meeting ({fmt(before)}) or of its day ({fmt(of_day)})", field="nights")
    if night_on is None:
        raise DomainError("S3", "give the night claimed", field="night_on")
    if night_on not in (before, of_day):
        raise DomainError("S3", f"the night of {fmt(night_on)} is not beside the meeting: claim the night of "
                          f"{fmt(before)} or of {fmt(of_day)}", field="night_on")
    return night_on


def check_amount(conf: Conference, amount: Any, currency: Any) -> tuple[Decimal, str]:
    """S3: an exact amount above zero, at most the nightly cap, in the cap's currency."""
    cap, cap_currency = check_cap_set(conf)
    value = parse_amount(amount, field="amount")
    code = parse_currency(currency, field="currency")
    if value <= 0:
        raise DomainError("S3", "the amount must be more than 0", field="amount")
    if code != cap_currency:
        raise DomainError("S3", f"the nightly cap for {conf.name} is in {cap_currency}; claim in {cap_currency}, "
                          f"not {code}", field="currency")
    if value > cap:
        raise DomainError("S3", f"{format_money(value, code)} is over the nightly cap of "
                          f"{format_money(cap, cap_currency)} for {conf.name}", field="amount")
    return value, code


# --- submitting ------------------------------------------------------------------------------------

def _claimant(actor: Actor, claimant: Person | None) -> Person:
    """A person claims for themselves; the installation (the seed) names the claimant."""
    if actor.is_system:
        if claimant is None:
            raise DomainError("S3", "name the claimant", field="person")
        return claimant
    if claimant is not None and claimant.id != actor.id:
        raise PermissionDenied("A Core member claims the hotel night for themselves.")
    return actor.person


def submit_claim(db: Session, actor: Actor, meeting: Meeting, *, night_on: date | None, amount: Any,
                 currency: Any, receipt: bytes | None, receipt_name: str | None, store: ReceiptStore,
                 nights: int = 1, claimant: Person | None = None) -> Claim:
    """S3: claim one hotel night against a planning meeting. Refused, with nothing written: someone not
    on the meeting's Core on the meeting day; not a published planning meeting beside a conference; a
    second claim for the conference (also when two are sent at once: the unique key refuses the
    second, and it is answered the same way); more than one night; a night not beside the meeting;
    a conference with no cap yet; an amount that is not exact, not above zero or over the cap; a
    currency other than the cap's; a receipt that is missing, too large, or not a PDF, JPEG or PNG."""
    require(actor, "claim.submit")
    person = _claimant(actor, claimant)
    conf = check_planning_meeting(meeting)
    check_on_the_core(db, person, meeting)
    check_first_claim(db, person, conf)
    check_cap_set(conf)
    night_on = check_night(meeting, night_on, nights)
    value, code = check_amount(conf, amount, currency)
    accepted = check_receipt(receipt, receipt_name, store.max_bytes)

    claim = Claim(person_id=person.id, conference_id=conf.id, meeting_id=meeting.id, night_on=night_on, amount=value,
                  currency=code, status=ClaimStatus.SUBMITTED, created_at=now_utc(),
                  receipt_file=store.new_name(accepted), receipt_name=accepted.original_name,
                  receipt_type=accepted.media_type, receipt_size=accepted.size, receipt_sha256=accepted.sha256)
    try:
        # In a savepoint: when a claim sent at the same moment took the unique key first (PostgreSQL
        # lets both pass the check above), only this insert is undone and the refusal is the same.
        with db.begin_nested():
            db.add(claim)
            db.flush()
    except IntegrityError:
        winner = claim_of(db, person.id, conf.id)
        if winner is None:
            raise
        raise _already_claimed(person, conf, winner) from None
    store.write(db, claim.receipt_file, accepted)
    record(db, actor, "claim.submit", claim,
           f"{person.name} claimed the hotel night of {fmt(night_on)} for {conf.name}: {format_money(value, code)}",
           after=_snapshot(claim), collaborative_id=meeting.collaborative_id)
    return claim


# --- deciding and paying (Center staff, the DPL) ------------------------------------------------------

def _locked(db: Session, claim: Claim) -> Claim:
    # Two staff deciding the same claim at once: the second sees the first's decision.
    return lock_row(db, Claim, claim.id)


def _refuse_status(claim: Claim, doing: str, allowed: str) -> DomainError:
    return DomainError("S3", f"claim #{claim.id} is {claim.status.value}; only {allowed} claims can be {doing}",
                       field="status")


def _required_text(value: str | None, field: str, what: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError("S3", f"give {what}", field=field)
    if len(text) > limit:
        raise DomainError("S3", f"{what} is at most {limit} characters", field=field)
    return text


def _tell(db: Session, claim: Claim, kind: str, subject: str, body: str) -> None:
    person = claim.person
    tell(db, person, kind, subject, f"Dear {person.name},\n\n{body}\n")


def approve(db: Session, actor: Actor, claim: Claim) -> Claim:
    """S3: Center staff approve a submitted claim."""
    require(actor, "claim.decide", claim)
    claim = _locked(db, claim)
    if claim.status != ClaimStatus.SUBMITTED:
        raise _refuse_status(claim, "approved", "submitted")
    before = _snapshot(claim)
    claim.status, claim.decided_by_id, claim.decided_at = ClaimStatus.APPROVED, actor.id, now_utc()
    record(db, actor, "claim.approve", claim, f"Approved claim #{claim.id} of {claim.person.name}",
           before=before, after=_snapshot(claim), collaborative_id=claim.meeting.collaborative_id)
    _tell(db, claim, "claim.approved", f"Your hotel-night claim for {claim.conference.name} is approved",
          f"Your claim of {format_money(claim.amount, claim.currency)} for the night of {fmt(claim.night_on)} is "
          "approved; it will be paid shortly.")
    return claim


def reject(db: Session, actor: Actor, claim: Claim, reason: str | None) -> Claim:
    """S3: Center staff reject a claim not yet paid, with a reason the claimant sees."""
    require(actor, "claim.decide", claim)
    reason = _required_text(reason, "reason", "the reason for rejecting the claim", MAX_REASON)
    claim = _locked(db, claim)
    if claim.status not in WAITING:
        raise _refuse_status(claim, "rejected", "submitted or approved (not yet paid)")
    before = _snapshot(claim)
    claim.status, claim.rejection_reason = ClaimStatus.REJECTED, reason
    claim.decided_by_id, claim.decided_at = actor.id, now_utc()
    record(db, actor, "claim.reject", claim, f"Rejected claim #{claim.id} of {claim.person.name}: {reason}",
           before=before, after=_snapshot(claim), collaborative_id=claim.meeting.collaborative_id)
    _tell(db, claim, "claim.rejected", f"Your hotel-night claim for {claim.conference.name} is rejected",
          f"Your claim for the night of {fmt(claim.night_on)} is rejected: {reason}")
    return claim


def mark_paid(db: Session, actor: Actor, claim: Claim, reference: str | None) -> Claim:
    """S3: Center staff mark an approved claim paid, with the payment's reference."""
    require(actor, "claim.decide", claim)
    reference = _required_text(reference, "reference", "the payment reference", MAX_REFERENCE)
    claim = _locked(db, claim)
    if claim.status != ClaimStatus.APPROVED:
        raise _refuse_status(claim, "marked paid", "approved")
    before = _snapshot(claim)
    claim.status, claim.payment_reference = ClaimStatus.PAID, reference
    claim.paid_by_id, claim.paid_at = actor.id, now_utc()
    record(db, actor, "claim.pay", claim, f"Paid claim #{claim.id} of {claim.person.name} ({reference})",
           before=before, after=_snapshot(claim), collaborative_id=claim.meeting.collaborative_id)
    _tell(db, claim, "claim.paid", f"Your hotel-night claim for {claim.conference.name} is paid",
          f"{format_money(claim.amount, claim.currency)} for the night of {fmt(claim.night_on)} is paid "
          f"(reference {reference}).")
    return claim


# --- reading ------------------------------------------------------------------------------------------

def get_claim(db: Session, actor: Actor | None, claim_id: int) -> Claim:
    """S3: a claim, for its claimant, Center staff and the DPL; others are not told it exists."""
    claim = get_or_not_found(db, Claim, claim_id)
    require_visible(actor, "claim.view", claim)
    return claim


def receipt_of(db: Session, actor: Actor | None, claim_id: int, store: ReceiptStore) -> tuple[Claim, bytes]:
    """S3: a claim's receipt, for the same people as the claim."""
    claim = get_claim(db, actor, claim_id)
    return claim, store.read(claim.receipt_file)


def my_claims_query(actor: Actor) -> Select:
    """S3: the actor's own claims, newest first."""
    require(actor, "claim.view")
    return select(Claim).where(Claim.person_id == actor.id).order_by(Claim.created_at.desc(), Claim.id.desc())


QUEUE_FILTERS = ("waiting", "submitted", "approved", "paid", "rejected", "all")


def queue_query(actor: Actor, show: str = "waiting", *, conference: str | None = None,
                collaborative: str | None = None, school: str | None = None) -> Select:
    """S3: the claims queue for Center staff: by default those waiting (submitted, or approved and not
    yet paid), oldest first; or those of one status, or all, newest first; narrowed to one conference,
    one collaborative (of the meeting claimed against) or one school (the claimant's), by slug."""
    require(actor, "claim.decide")
    stmt = select(Claim)
    if conference:
        stmt = stmt.where(Claim.conference_id == select(Conference.id).where(Conference.slug == conference)
                          .scalar_subquery())
    if collaborative:
        stmt = stmt.where(Claim.meeting_id.in_(
            select(Meeting.id).join(Collaborative, Collaborative.id == Meeting.collaborative_id)
            .where(Collaborative.slug == collaborative)))
    if school:
        stmt = stmt.where(Claim.person_id.in_(
            select(Person.id).join(School, School.id == Person.school_id).where(School.slug == school)))
    if show == "waiting" or show not in QUEUE_FILTERS:
        return stmt.where(Claim.status.in_(WAITING)).order_by(Claim.created_at, Claim.id)
    if show != "all":
        stmt = stmt.where(Claim.status == ClaimStatus(show))
    return stmt.order_by(Claim.created_at.desc(), Claim.id.desc())


#: What a line of a list of claims shows: the claim's own columns and the names around it, read in
#: one query as columns, not as claims with their claimant, meeting and conference loaded.
_LINE_COLUMNS = (
    Claim.id, Claim.status, Claim.night_on, Claim.amount, Claim.currency, Claim.rejection_reason,
    Claim.payment_reference, Claim.created_at, Claim.decided_at, Claim.paid_at, Claim.meeting_id,
    Claim.receipt_name, Claim.receipt_type, Claim.receipt_size, Claim.receipt_sha256,
    Person.id.label("claimant_id"), Person.name.label("claimant_name"),
    School.slug.label("school_slug"), School.name.label("school_name"),
    Conference.slug.label("conference_slug"), Conference.name.label("conference_name"),
    Collaborative.slug.label("collaborative_slug"), Collaborative.name.label("collaborative_name"),
)


def lines(stmt: Select) -> Select:
    """S3: a query of claims (``my_claims_query``, ``queue_query``) as the lines a list shows, in the
    same order and with the same filters: one row per claim, no objects loaded."""
    return (stmt.with_only_columns(*_LINE_COLUMNS, maintain_column_froms=False).select_from(Claim)
            .join(Person, Person.id == Claim.person_id).outerjoin(School, School.id == Person.school_id)
            .join(Conference, Conference.id == Claim.conference_id).join(Meeting, Meeting.id == Claim.meeting_id)
            .join(Collaborative, Collaborative.id == Meeting.collaborative_id))


def filter_names(db: Session, *, conference: str | None = None, collaborative: str | None = None,
                 school: str | None = None) -> dict[str, str]:
    """The names of the conference, collaborative and school a list is narrowed to (by slug), for the
    page to say what it shows; a slug that names nothing is shown as given."""
    out = {}
    for key, model, slug in (("conference", Conference, conference), ("collaborative", Collaborative, collaborative),
                             ("school", School, school)):
        if slug:
            out[key] = db.scalar(select(model.name).where(model.slug == slug)) or slug
    return out


@dataclass(frozen=True)
class ClaimOption:
    """S3: whether a person may claim the hotel night against a meeting: their claim for its
    conference if they made one, else why not (None: they may)."""

    meeting: Meeting
    claim: Claim | None
    refusal: str | None

    @property
    def may_claim(self) -> bool:
        return self.claim is None and self.refusal is None


def claim_option(db: Session, actor: Actor, meeting: Meeting) -> ClaimOption:
    """S3: what the actor's "claim the hotel night" for ``meeting`` would meet (the checks that do not
    depend on what they type)."""
    require(actor, "claim.submit")
    person = actor.person
    try:
        conf = check_planning_meeting(meeting)
        existing = claim_of(db, person.id, conf.id)
        if existing is not None:
            return ClaimOption(meeting, existing, None)
        check_on_the_core(db, person, meeting)
        check_cap_set(conf)
    except DomainError as refusal:
        return ClaimOption(meeting, None, str(refusal))
    return ClaimOption(meeting, None, None)


#: How long after a planning meeting its Core members are still reminded to claim the night.
CLAIM_REMINDER_DAYS = 90


def claimable_meetings(db: Session, actor: Actor, today: date, limit: int = 5) -> list[Meeting]:
    """S3: the published planning meetings of the Cores the actor serves on (from
    ``CLAIM_REMINDER_DAYS`` before ``today``) whose conference they have not claimed the night for
    yet, soonest first — the claim itself checks the rest."""
    require(actor, "claim.submit")
    claimed = select(Claim.conference_id).where(Claim.person_id == actor.id)
    since = datetime.combine(today - timedelta(days=CLAIM_REMINDER_DAYS), time())
    return list(db.scalars(select(Meeting).where(
        Meeting.collaborative_id.in_(sorted(actor.core_of)), Meeting.is_planning.is_(True),
        Meeting.status == MeetingStatus.PUBLISHED, Meeting.conference_id.is_not(None),
        Meeting.conference_id.not_in(claimed), Meeting.local_start >= since)
        .order_by(Meeting.starts_at, Meeting.id).limit(limit)).unique())


def waiting_summary(db: Session, actor: Actor) -> tuple[int, Any]:
    """S3: how many claims wait for Center staff, and since when the oldest has."""
    require(actor, "claim.decide")
    count, oldest = db.execute(select(func.count(), func.min(Claim.created_at))
                               .where(Claim.status.in_(WAITING))).one()
    return count, oldest


def my_open_claims(db: Session, actor: Actor, limit: int = 5) -> list[Any]:
    """S3: the actor's claims not yet paid (submitted, approved or rejected), newest first: what their
    home page tells them about (as list lines: ``lines``)."""
    require(actor, "claim.view")
    return list(db.execute(lines(my_claims_query(actor).where(Claim.status != ClaimStatus.PAID).limit(limit))))
