"""The Core rules C1–C10: appointing, terms, reappointment, early ends, open seats and candidates."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, contains_eager

from ..audit.services import record, snapshot
from ..auth.models import Person, PersonRole, Role
from ..permissions import Actor, can, require, require_visible
from ..auth.services import actor_for
from ..clock import now_utc
from .. import dates
from ..dates import earliest_two_year_end, lasts_two_years
from ..db import get_by_id, get_or_not_found, lock_row
from ..errors import DomainError, FieldError
from ..network import services as network
from ..network.models import Collaborative, CollaborativeStatus, Membership, School, SchoolStatus
from ..notifications.services import tell
from . import standing as standing_rules
from . import standing_store
from .standing_store import SHORT_LIST  # noqa: F401 - re-exported: how many the "short" lines name
from .standing import ENDING_SOON_DAYS, LOOK_AHEAD_DAYS, month_starts  # noqa: F401 - re-exported
from .models import (MAX_CORE, MIN_CORE, Appointment, Candidacy, CandidacyStatus, Consultation, ConsultedBody,
                     EndReason, ProposalStatus, ProposedAppointment)

TERM_FIELDS = ["collaborative_id", "person_id", "starts_on", "ends_on", "ended_on", "end_reason", "end_note",
               "previous_id", "note"]
#: Appointments are made ahead of the term; one recorded late may start at most this long before.
MAX_BACKDATE_DAYS = 180

#: What higher domains do when a term begins to exist or changes (an appointment, a reappointment, an
#: early end), in the same transaction: each is called as ``listener(db, term)``. ``create_app``
#: installs them (C9/O1: the school's support follows the term).
TERM_LISTENERS: list[Callable[[Session, "Appointment"], None]] = []


def _term_changed(db: Session, term: Appointment) -> None:
    standing_store.forget(db, [term.collaborative_id])  # F1–F3: the Core is judged again
    for listener in TERM_LISTENERS:
        listener(db, term)


def fmt(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


# --- reading terms ---------------------------------------------------------------------------------

def term_overlaps(start: date, end: date):
    """SQL: terms whose actual span [starts_on, last day] meets [start, end] (C5: an early end is
    the term's last day)."""
    last_day = Appointment.ended_on.is_(None)
    return and_(Appointment.starts_on <= end,
                or_(and_(last_day, Appointment.ends_on >= start),
                    and_(~last_day, Appointment.ended_on >= start)))


def terms_overlapping(db: Session, collab_ids, start: date, end: date) -> list[Appointment]:
    ids = [collab_ids] if isinstance(collab_ids, int) else list(collab_ids)
    if not ids:
        return []
    return list(db.scalars(select(Appointment).where(Appointment.collaborative_id.in_(ids),
                                                     term_overlaps(start, end))
                           .order_by(Appointment.starts_on, Appointment.id)))


def current_core(db: Session, collab_id: int, on: date) -> list[Appointment]:
    """The Core of a collaborative on ``on``."""
    return terms_overlapping(db, collab_id, on, on)


def collaboratives_served(db: Session, person_id: int, on: date) -> set[int]:
    """The collaboratives whose Core ``person_id`` serves on, on ``on`` (the derived role "Core member")."""
    return set(db.scalars(select(Appointment.collaborative_id).where(
        Appointment.person_id == person_id, term_overlaps(on, on))))


def is_serving(db: Session, person_id: int, on: date) -> bool:
    """Whether ``person_id`` serves on any Core on ``on``."""
    return bool(collaboratives_served(db, person_id, on))


def core_people_query(collab_id: int, on: date):
    """SQL: the ids of the people on the collaborative's Core on ``on`` (for a subquery)."""
    return select(Appointment.person_id).where(Appointment.collaborative_id == collab_id, term_overlaps(on, on))


def load_actor(db: Session, person: Person | None, today: date, *, by_token: bool = False) -> Actor | None:
    """Everything permission checks need about ``person`` on ``today``, in a constant number of
    queries: their roles, the collaboratives they are a member of, and the Cores they serve on —
    "Core member" is derived from the terms current ``today`` (C1), so a person whose term has
    ended loses what Core members may do. None: nobody is signed in."""
    if person is None:
        return None
    # One statement for both (every request asks): (True, id) for a Core served, (False, id) for a
    # membership.
    rows = db.execute(union_all(
        select(literal(False).label("core"), Membership.collaborative_id.label("id")).where(
            Membership.person_id == person.id, Membership.left_on.is_(None)),
        select(literal(True), Appointment.collaborative_id).where(
            Appointment.person_id == person.id, term_overlaps(today, today)))).all()
    return actor_for(person, core_of=frozenset(i for core, i in rows if core),
                     member_of=frozenset(i for core, i in rows if not core), by_token=by_token)


def serving_member_stays(db: Session, membership: Membership, on: date) -> None:
    """C4: a Core member is a member of the collaborative: they cannot leave it while a term of
    theirs (current or to come) runs on ``on`` or later; the DPL ends the term first."""
    term = db.scalar(select(Appointment).where(
        Appointment.person_id == membership.person_id, Appointment.collaborative_id == membership.collaborative_id,
        or_(and_(Appointment.ended_on.is_(None), Appointment.ends_on >= on), Appointment.ended_on >= on))
        .order_by(Appointment.starts_on.desc()).limit(1))
    if term is not None:
        raise DomainError("C4", f"{membership.person.name} serves on the {membership.collaborative.name} Core until "
                          f"{fmt(term.last_day)}; a Core member stays a member — the Director ends the term "
                          "first", field="membership")


def terms_of_collaborative(db: Session, actor: Actor | None, collab: Collaborative) -> list[Appointment]:
    """C1, C5, C7: every term of the collaborative's Core, past, current and future (signed-in people)."""
    require(actor, "core.view")
    collab_id = collab.id
    return list(db.scalars(select(Appointment).where(Appointment.collaborative_id == collab_id)
                           .order_by(Appointment.starts_on, Appointment.id)))


def max_concurrent(terms: list[Appointment], start: date, end: date) -> tuple[int, date | None]:
    """The largest number of ``terms`` current on one day in [start, end], and the first such day."""
    events: list[tuple[date, int]] = []
    for t in terms:
        s, e = max(t.starts_on, start), min(t.last_day, end)
        if s <= e:
            events += [(s, 1), (e + timedelta(days=1), -1)]
    events.sort(key=lambda ev: (ev[0], ev[1]))  # an end (-1) before a start (+1) on the same day
    best, best_day, running = 0, None, 0
    for day, delta in events:
        running += delta
        if running > best:
            best, best_day = running, day
    return best, best_day


# --- appointing (C1–C4, C7, C8, C9) -----------------------------------------------------------------

@dataclass
class ConsultationInput:
    body: str
    consulted_on: date | None
    method: str = ""
    note: str = ""


def _check_consultations(consultations: list[ConsultationInput], today: date) -> list[ConsultationInput]:
    """C1: the Executive Director and the PDAC were both consulted, on a date already past."""
    errors = []
    by_body = {c.body: c for c in consultations if c.consulted_on}
    for body in ConsultedBody:
        c = by_body.get(body.value)
        field = f"{body.form_prefix}_consulted_on"
        if c is None:
            errors.append(FieldError(field, f"record when the {body.label} was consulted before appointing", "C1"))
        elif c.consulted_on > today:
            errors.append(FieldError(field, f"the {body.label} consultation cannot be in the future", "C1"))
    if errors:
        raise DomainError("C1", errors[0].message, field=errors[0].field, errors=errors)
    return [by_body[b.value] for b in ConsultedBody]


def _check_school(person: Person) -> None:
    """C4/N2: a Core member belongs to an active member school."""
    if person.school is None:
        raise DomainError("C4", f"{person.name} has no member school; Core members come from member schools",
                          field="person_id")
    if not person.school.is_active:
        raise DomainError("C4", f"{person.name}'s school, {person.school.name}, is not an active member "
                          f"(its membership lapsed on {fmt(person.school.lapsed_on)}; N2)", field="person_id")


def _check_dates(starts_on: date | None, ends_on: date | None) -> None:
    """C3: a term lasts at least two years (inclusive dates; the 29 February rule)."""
    if starts_on is None:
        raise DomainError("C3", "give the first day of the term", field="starts_on")
    if ends_on is None:
        raise DomainError("C3", "give the last day of the term", field="ends_on")
    if not lasts_two_years(starts_on, ends_on):
        raise DomainError("C3", f"a term lasts at least two years: starting {fmt(starts_on)}, it ends no "
                          f"earlier than {fmt(earliest_two_year_end(starts_on))}", field="ends_on")


def _check_no_overlap(db: Session, collab: Collaborative, person: Person, starts_on: date, ends_on: date,
                      ignore_id: int | None = None) -> None:
    """C8: a person cannot hold two overlapping terms on the same Core."""
    for t in terms_overlapping(db, collab.id, starts_on, ends_on):
        if t.person_id == person.id and t.id != ignore_id:
            raise DomainError("C8", f"{person.name} already has a term on {collab.name}'s Core from "
                              f"{fmt(t.starts_on)} to {fmt(t.last_day)}, which overlaps", field="starts_on")


def _check_room(db: Session, collab: Collaborative, starts_on: date, ends_on: date) -> None:
    """C2: a Core has at most 8 members on any day. Call with the collaborative's row locked."""
    terms = terms_overlapping(db, collab.id, starts_on, ends_on)
    most, day = max_concurrent(terms, starts_on, ends_on)
    if most >= MAX_CORE:
        raise DomainError("C2", f"an active Core has at most {MAX_CORE} members; {collab.name} has {most} on "
                          f"{fmt(day)}", field="starts_on")


def _check_person_and_dates(collab: Collaborative, person: Person, starts_on: date | None, ends_on: date | None,
                            today: date) -> None:
    """K1, C4, C3: the Core takes appointments, the person comes from an active member school, the
    term lasts two years and is not recorded too late."""
    if collab.status == CollaborativeStatus.RETIRED:
        raise DomainError("K1", f"{collab.name} is retired; its Core takes no appointments", field="collaborative")
    _check_school(person)
    _check_dates(starts_on, ends_on)
    if starts_on < today - timedelta(days=MAX_BACKDATE_DAYS):
        raise DomainError("C3", f"a term starts at most {MAX_BACKDATE_DAYS} days before it is recorded; "
                          f"{fmt(starts_on)} is too far back", field="starts_on")


def _check_against_core(db: Session, collab: Collaborative, person: Person, starts_on: date, ends_on: date,
                        candidacy: Candidacy | None) -> None:
    """C8, C2, C9: no overlapping term of the person, room on the Core every day of the term, and the
    candidacy (if one is named) still open, for this Core and this person."""
    _check_no_overlap(db, collab, person, starts_on, ends_on)
    _check_room(db, collab, starts_on, ends_on)
    if candidacy is not None:
        if candidacy.status != CandidacyStatus.OPEN or candidacy.collaborative_id != collab.id:
            raise DomainError("C9", "this candidacy is no longer open", field="candidacy_id")
        if candidacy.person_id != person.id:
            raise DomainError("C9", "the candidacy is for someone else", field="candidacy_id")


def check_term(db: Session, actor: Actor, collab: Collaborative, person: Person, *, starts_on: date | None,
               ends_on: date | None, today: date, candidacy: Candidacy | None = None) -> None:
    """K1, C2–C4, C8, C9: every check ``appoint`` makes on the person and the term, without the
    consultation (C1) and without writing anything — for an appointment prepared before the
    Executive Director and the PDAC are asked (``cores.consultations``). ``appoint`` makes the same
    checks again when the appointment is made, under the collaborative's lock."""
    require(actor, "core.manage")
    _check_person_and_dates(collab, person, starts_on, ends_on, today)
    _check_against_core(db, collab, person, starts_on, ends_on, candidacy)


def appoint(db: Session, actor: Actor, collab: Collaborative, person: Person, *, starts_on: date | None,
            ends_on: date | None, consultations: list[ConsultationInput], today: date, note: str = "",
            candidacy: Candidacy | None = None, previous: Appointment | None = None) -> Appointment:
    """C1–C4, C8, C9: appoint ``person`` to ``collab``'s Core for a term.

    Refusals raise a DomainError naming the rule before anything is written. The collaborative's row
    is locked so that two concurrent appointments cannot both take the last seat (C2).
    """
    require(actor, "core.manage")
    _check_person_and_dates(collab, person, starts_on, ends_on, today)
    consulted = _check_consultations(consultations, today)
    lock_row(db, Collaborative, collab.id)
    _check_against_core(db, collab, person, starts_on, ends_on, candidacy)  # after the lock: racing requests

    appt = Appointment(collaborative_id=collab.id, person_id=person.id, starts_on=starts_on, ends_on=ends_on,
                       appointed_by_id=actor.id, note=(note or "").strip(),
                       previous_id=previous.id if previous else None, school_id_at_appointment=person.school_id,
                       appointed_at=now_utc())
    appt.consultations = [Consultation(body=c.body, consulted_on=c.consulted_on, method=(c.method or "").strip(),
                                       note=(c.note or "").strip()) for c in consulted]
    db.add(appt)
    if network.current_membership(db, person.id, collab.id) is None:
        network.join(db, actor, person, collab, min(today, starts_on), via="core")  # C4
    db.flush()
    # C9: the appointee's open candidacy for this Core is settled, whether or not the form named it.
    candidacy = candidacy or db.scalar(select(Candidacy).where(
        Candidacy.collaborative_id == collab.id, Candidacy.person_id == person.id,
        Candidacy.status == CandidacyStatus.OPEN))
    if candidacy is not None:
        candidacy.status, candidacy.appointment_id, candidacy.decided_at = (
            CandidacyStatus.APPOINTED, appt.id, now_utc())
    after = snapshot(appt, TERM_FIELDS)
    after["consultations"] = [snapshot(c, ["body", "consulted_on", "method", "note"]) for c in appt.consultations]
    verb = "Reappointed" if previous else "Appointed"
    record(db, actor, "core.reappoint" if previous else "core.appoint", appt,
           f"{verb} {person.name} to the {collab.name} Core, {fmt(starts_on)} – {fmt(ends_on)}",
           after=after, collaborative_id=collab.id)
    _settle_proposals(db, actor, appt)
    _tell_appointed(db, appt, person, collab, bool(previous))
    _term_changed(db, appt)
    return appt


def _settle_proposals(db: Session, actor: Actor, appt: Appointment) -> None:
    """C1: an open proposal of this person for this Core, for a term that meets this one, is settled
    by the appointment, whether it was made from the proposal or recorded directly: its requests are
    no longer waiting for an answer."""
    proposals = db.scalars(select(ProposedAppointment).where(
        ProposedAppointment.collaborative_id == appt.collaborative_id,
        ProposedAppointment.person_id == appt.person_id, ProposedAppointment.status == ProposalStatus.OPEN,
        ProposedAppointment.starts_on <= appt.ends_on, ProposedAppointment.ends_on >= appt.starts_on)).all()
    for proposal in proposals:
        proposal.status, proposal.appointment_id, proposal.decided_at = (
            ProposalStatus.APPOINTED, appt.id, now_utc())
        record(db, actor, "core.proposal.appointed", proposal,
               f"The proposal to appoint {appt.person.name} to the {appt.collaborative.name} Core is settled: "
               f"appointed, {fmt(appt.starts_on)} – {fmt(appt.ends_on)}",
               before={"status": ProposalStatus.OPEN.value},
               after={"status": proposal.status.value, "appointment_id": appt.id,
                      "answers": {r.body.value: r.answer.value if r.answer else None for r in proposal.requests}},
               collaborative_id=appt.collaborative_id)


def _tell_appointed(db: Session, appt: Appointment, person: Person, collab: Collaborative, again: bool) -> None:
    """C9: the appointee and their school's coordinator are told; the school's support starts (O1)."""
    term = f"{fmt(appt.starts_on)} – {fmt(appt.ends_on)}"
    tell(db, person, "core.appointed", f"You are {'re' if again else ''}appointed to the {collab.name} Core",
         f"Dear {person.name},\n\nYou are {'re' if again else ''}appointed to the Core of the {collab.name} "
         f"for the term {term}.\nCore members keep the collaborative's multi-year plan, organise its meetings "
         f"and serve at least two years.\n")
    coordinators = db.scalars(
        select(Person).join(PersonRole, PersonRole.person_id == Person.id)
        .where(Person.school_id == person.school_id, PersonRole.role == Role.SCHOOL_COORDINATOR,
               Person.id != person.id, Person.is_active.is_(True))).all()
    for coordinator in coordinators:
        tell(db, coordinator, "core.appointed.school",
             f"{person.name} is appointed to the {collab.name} Core",
             f"Dear {coordinator.name},\n\n{person.name} of {person.school.name} is appointed to the Core of the "
             f"{collab.name} for the term {term}.\nFrom {fmt(appt.starts_on)} the school supports them as a Core "
             f"member, including release for the one-day planning meeting beside the conference (O1).\n")


def appoint_by_ids(db: Session, actor: Actor, collab: Collaborative, *, person_id: int | None,
                   candidacy_id: int | None, **values) -> Appointment:
    """``appoint`` for a person (and, optionally, their candidacy) named by id, as the appointment
    form and the API give them."""
    require(actor, "core.manage")
    person, candidacy = chosen_candidate(db, person_id, candidacy_id, "appoint")
    return appoint(db, actor, collab, person, candidacy=candidacy, **values)


def chosen_candidate(db: Session, person_id: int | None, candidacy_id: int | None,
                     verb: str) -> tuple[Person, Candidacy | None]:
    """C1, C9: the person (and candidacy) a form or the API names by id, to ``verb`` (appoint, propose)."""
    person = get_by_id(db, Person, person_id)
    if person is None:
        raise DomainError("C1", f"choose who to {verb}" if not person_id else "no such person", field="person_id")
    candidacy = get_by_id(db, Candidacy, candidacy_id)
    if candidacy_id and candidacy is None:
        raise DomainError("C9", "no such candidacy", field="candidacy_id")
    return person, candidacy


def candidacy_to_appoint(db: Session, actor: Actor, collab: Collaborative, raw_id: str | None) -> Candidacy | None:
    """The open candidacy the appointment form starts from (``?candidacy=``), if it is one of this Core's."""
    require(actor, "core.manage")
    candidacy = get_by_id(db, Candidacy, int(raw_id)) if raw_id and raw_id.isdigit() else None
    return candidacy if candidacy is not None and candidacy.collaborative_id == collab.id else None


def reappoint(db: Session, actor: Actor, previous: Appointment, *, ends_on: date | None,
              consultations: list[ConsultationInput], today: date, note: str = "") -> Appointment:
    """C7: a new term that starts the day after the previous one ends; shown as one continuous service."""
    require(actor, "core.manage")
    if previous.ended_early:
        raise DomainError("C7", "a term that ended early cannot be continued; appoint anew instead", field="term")
    if db.scalar(select(Appointment.id).where(Appointment.previous_id == previous.id)) is not None:
        raise DomainError("C7", "this term has already been continued", field="term")
    return appoint(db, actor, previous.collaborative, previous.person,
                   starts_on=previous.ends_on + timedelta(days=1), ends_on=ends_on,
                   consultations=consultations, note=note, previous=previous, today=today)


def end_early(db: Session, actor: Actor, appt: Appointment, *, ended_on: date | None, reason: str,
              note: str = "") -> Appointment:
    """C5: end a term early with a date and a reason; the record stays, marked as ended early."""
    require(actor, "core.manage")
    if appt.ended_early:
        raise DomainError("C5", f"this term already ended early on {fmt(appt.ended_on)}", field="ended_on")
    if ended_on is None:
        raise DomainError("C5", "give the last day of the term", field="ended_on")
    if reason not in set(EndReason):
        raise DomainError("C5", "choose why the term ends early (resignation, moved school, other)", field="reason")
    if ended_on < appt.starts_on:
        raise DomainError("C5", f"the term starts on {fmt(appt.starts_on)}; it cannot end before that",
                          field="ended_on")
    if ended_on >= appt.ends_on:
        raise DomainError("C5", f"the term ends on {fmt(appt.ends_on)} anyway; an early end comes before that",
                          field="ended_on")
    if reason == EndReason.OTHER and not (note or "").strip():
        raise DomainError("C5", "say what the other reason is", field="note")
    follow_on = db.scalar(select(Appointment).where(Appointment.previous_id == appt.id))
    if follow_on is not None:
        raise DomainError("C5", f"this term is continued from {fmt(follow_on.starts_on)}; end that term instead",
                          field="ended_on")
    before = snapshot(appt, TERM_FIELDS)
    appt.ended_on, appt.end_reason, appt.end_note = ended_on, reason, (note or "").strip() or None
    record(db, actor, "core.end_early", appt,
           f"Ended {appt.person.name}'s term on the {appt.collaborative.name} Core early, on {fmt(ended_on)} "
           f"({EndReason(reason).label.lower()})", before=before, after=snapshot(appt, TERM_FIELDS),
           collaborative_id=appt.collaborative_id)
    _term_changed(db, appt)
    return appt


def get_term(db: Session, actor: Actor | None, term_id: int) -> Appointment:
    require(actor, "core.view")
    term = get_or_not_found(db, Appointment, term_id)
    return term


def service_of(db: Session, actor: Actor, today: date) -> list[dict]:
    """C7: the actor's Core service that has not ended, one line per Core (a reappointment continues
    the same service): the collaborative, from, until, and how many terms."""
    require(actor, "signed_in")
    terms = [t for t in db.scalars(select(Appointment).where(Appointment.person_id == actor.id)
                                   .order_by(Appointment.starts_on)) if t.last_day >= today]
    service: dict[int, dict] = {}
    for t in terms:
        s = service.setdefault(t.collaborative_id, {"collaborative": t.collaborative, "from": t.starts_on,
                                                    "to": t.last_day, "terms": 0})
        s["to"], s["terms"] = max(s["to"], t.last_day), s["terms"] + 1
    return list(service.values())


# --- open seats and candidates (C9) -------------------------------------------------------------------

@dataclass
class Seats:
    """C9: how many seats of a Core can be filled openly now."""

    committed: int  # terms that run beyond the coming year
    ending_within_year: list[Appointment]
    open: int


def seats(db: Session, actor: Actor | None, collab: Collaborative, today: date) -> Seats:
    """C9: a seat is open for a vacancy or a term ending within the next year (signed-in people)."""
    require(actor, "core.view")
    return _seats(db, collab, today)


def _seats(db: Session, collab: Collaborative, today: date, terms: list[Appointment] | None = None) -> Seats:
    horizon = today + timedelta(days=LOOK_AHEAD_DAYS)
    terms = terms if terms is not None else terms_overlapping(db, collab.id, today, date.max)
    committed = [t for t in terms if t.last_day > horizon and t.starts_on <= horizon]
    ending = [t for t in terms if t.is_current(today) and t.last_day <= horizon and not _continued(t, terms)]
    return Seats(len(committed), ending, max(0, MAX_CORE - len(committed)))


def _continued(term: Appointment, terms: list[Appointment]) -> bool:
    return any(t.previous_id == term.id for t in terms)


def _check_candidate(db: Session, collab: Collaborative, person: Person, today: date) -> None:
    if collab.status == CollaborativeStatus.RETIRED:
        raise DomainError("K1", f"{collab.name} is retired", field="collaborative")
    _check_school(person)
    if _seats(db, collab, today).open == 0:
        raise DomainError("C9", f"{collab.name}'s Core has no open seat: every seat is filled for the coming "
                          "year", field="collaborative")
    # The same queries as the nomination list's (``nominees``), for one person.
    if db.scalar(committed_ids(collab.id, today).where(Appointment.person_id == person.id).limit(1)) is not None:
        raise DomainError("C9", f"{person.name} already serves on this Core beyond the coming year",
                          field="person_id")
    if db.scalar(candidate_ids(collab.id).where(Candidacy.person_id == person.id).limit(1)) is not None:
        raise DomainError("C9", f"{person.name} is already a candidate for this Core", field="person_id")


def _statement(statement: str) -> str:
    statement = (statement or "").strip()
    if not statement:
        raise DomainError("C9", "a short statement is needed (why, and what they would bring)", field="statement")
    if len(statement) > 2000:
        raise DomainError("C9", "keep the statement under 2,000 characters", field="statement")
    return statement


def apply_for_seat(db: Session, actor: Actor, collab: Collaborative, statement: str, today: date) -> Candidacy:
    """C9: an educator of a member school applies for an open seat, with a short statement."""
    require(actor, "core.apply")
    statement = _statement(statement)
    _check_candidate(db, collab, actor.person, today)
    c = Candidacy(collaborative_id=collab.id, person_id=actor.id, statement=statement)
    db.add(c)
    standing_store.forget(db, [collab.id])  # its candidates are counted
    record(db, actor, "core.apply", c, f"{actor.person.name} applied for a seat on the {collab.name} Core",
           after={"statement": statement}, collaborative_id=collab.id)
    return c


def nominate(db: Session, actor: Actor, collab: Collaborative, person: Person, statement: str,
             today: date) -> Candidacy:
    """C9: nominate an educator for an open seat."""
    require(actor, "core.nominate")
    statement = _statement(statement)
    if person.id == actor.id:
        raise DomainError("C9", "to put yourself forward, apply instead", field="person_id")
    _check_candidate(db, collab, person, today)
    c = Candidacy(collaborative_id=collab.id, person_id=person.id, nominated_by_id=actor.id, statement=statement)
    db.add(c)
    standing_store.forget(db, [collab.id])  # its candidates are counted
    record(db, actor, "core.nominate", c, f"{actor.person.name} nominated {person.name} for the {collab.name} Core",
           after={"statement": statement}, collaborative_id=collab.id)
    return c


def get_candidacy(db: Session, actor: Actor | None, candidacy_id: int) -> Candidacy:
    require(actor, "signed_in")
    candidacy = get_or_not_found(db, Candidacy, candidacy_id)
    return candidacy


def nominate_by_id(db: Session, actor: Actor, collab: Collaborative, person_id: int | None, statement: str,
                   today: date) -> Candidacy:
    """``nominate`` an educator named by id (the nomination form and the API)."""
    person = get_by_id(db, Person, person_id)
    if person is None:
        raise DomainError("C9", "choose whom to nominate" if not person_id else "no such person", field="person_id")
    return nominate(db, actor, collab, person, statement, today)


def withdraw(db: Session, actor: Actor, candidacy: Candidacy) -> Candidacy:
    """C9: the candidate, their nominator or the DPL withdraws a candidacy."""
    require_visible(actor, "candidacy.withdraw", candidacy)
    if candidacy.status != CandidacyStatus.OPEN:
        raise DomainError("C9", f"this candidacy is {candidacy.status}", field="candidacy_id")
    candidacy.status, candidacy.decided_at = CandidacyStatus.WITHDRAWN, now_utc()
    standing_store.forget(db, [candidacy.collaborative_id])  # its candidates are counted
    record(db, actor, "core.withdraw", candidacy,
           f"Withdrew {candidacy.person.name}'s candidacy for the {candidacy.collaborative.name} Core",
           before={"status": CandidacyStatus.OPEN.value}, after={"status": candidacy.status},
           collaborative_id=candidacy.collaborative_id)
    return candidacy


def candidacies_for(db: Session, actor: Actor, collab: Collaborative) -> list[Candidacy]:
    """C9: the open candidacies for a Core's seats: all of them, with their statements, for the DPL,
    the Executive Director and the PDAC; for anyone else, those they are the candidate or nominator of."""
    require(actor, "core.view")
    mine = [] if can(actor, "core.oversee") else [actor.id]
    return [c for c in open_candidacies(db, [collab.id]).get(collab.id, [])
            if not mine or actor.id in (c.person_id, c.nominated_by_id)]


def open_candidacies(db: Session, collab_ids) -> dict[int, list[Candidacy]]:
    ids = list(collab_ids)
    out: dict[int, list[Candidacy]] = defaultdict(list)
    if ids:
        for c in db.scalars(select(Candidacy).where(Candidacy.collaborative_id.in_(ids),
                                                    Candidacy.status == CandidacyStatus.OPEN)
                            .order_by(Candidacy.created_at)):
            out[c.collaborative_id].append(c)
    return out


# --- the DPL's dashboard (C6, C10, F1–F3 and F8 as they will be flagged) ---------------------------------

@dataclass
class CoreSummary:
    """One Core's standing (``cores.standing``) with the terms and candidates behind it, for a Core a
    page shows."""

    collaborative: Collaborative
    standing: standing_rules.Standing
    ending_soon: list[Appointment]
    ending_within_year: list[Appointment]
    candidates: list[Candidacy]
    school_changes: list[tuple[Appointment, str]]
    flags: list[str] = field(default_factory=list)

    @property
    def strength(self) -> int:
        return self.standing.strength

    @property
    def outlook(self) -> list[tuple[date, int]]:
        return self.standing.outlook

    @property
    def vacancies(self) -> int:
        return self.standing.vacancies

    @property
    def open_seats(self) -> int:
        return self.standing.open_seats

    @property
    def lowest(self) -> int:
        return self.standing.lowest

    @property
    def under_strength(self) -> bool:
        return self.strength < MIN_CORE


def school_change(appt: Appointment, today: date) -> str:
    """C10: what changed of a flagged member's school (the condition is ``standing.school_changed``)."""
    person = appt.person
    moved = appt.school_id_at_appointment is not None and person.school_id != appt.school_id_at_appointment
    school = person.school
    return standing_rules.describe_school_change(person.name, moved, school.name if school else None,
                                                 school.lapsed_on if school else None)


@dataclass(frozen=True)
class ShortCore:
    """C6/F1: a Core short now or within a year, as the dashboard's summary line names it."""

    collaborative: Collaborative
    standing: standing_rules.Standing

    @property
    def strength(self) -> int:
        return self.standing.strength

    @property
    def lowest(self) -> int:
        return self.standing.lowest


@dataclass
class Dashboard:
    """C6, F1–F3, F8: one page of the Cores, those needing attention first, and the counts of all."""

    items: list[CoreSummary]
    number: int
    per_page: int
    total: int
    counts: dict[str, int]
    short_now: list[ShortCore]
    short_soon: list[ShortCore]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def has_prev(self) -> bool:
        return self.number > 1




def dashboard(db: Session, actor: Actor, today: date, *, number: int = 1, per_page: int = 25,
              attention_only: bool = False, search: str | None = None) -> Dashboard:
    """The DPL's dashboard (also the Executive Director's and the PDAC's): the Cores that are not
    retired, needing attention first, one page at a time, with the counts of every flag — in a fixed
    number of queries; only the page's Cores have their terms and candidates loaded."""
    require(actor, "core.oversee")
    standing_store.ensure_fresh(db, today)
    board = standing_store.board_statements(today)
    counts = dict(db.execute(board.counts).one()._mapping)
    short_cores = [ShortCore(r.Collaborative, standing_rules.standing_of(r._mapping, today))
                   for r in db.execute(board.short)]
    searching = bool(search and search.strip())
    ordered = board.pages[(attention_only, searching)]
    params = {"like": f"%{search.strip().lower()}%"} if searching else {}
    number = max(1, number)
    rows = db.execute(ordered.limit(per_page).offset((number - 1) * per_page), params).all()
    if not rows and number > 1:
        number = 1
        rows = db.execute(ordered.limit(per_page), params).all()
    if searching:
        total = rows[0]._total if rows else 0
    else:
        total = counts["attention"] if attention_only else counts["cores"]
    items = _summaries(db, [(r.Collaborative, standing_rules.standing_of(r._mapping, today)) for r in rows], today)
    return Dashboard(items, number, per_page, total, counts,
                     [s for s in short_cores if "f3_under" in s.standing.flags][:SHORT_LIST],
                     [s for s in short_cores if "f1_outlook" in s.standing.flags][:SHORT_LIST])


def needing_attention(db: Session, actor: Actor, today: date, limit: int = 5) -> tuple[dict[str, int], list[CoreSummary]]:
    """The Director's home page: the counts of the Cores needing attention, by flag, and the first
    ``limit`` of them with what to act on (the rest are on the dashboard)."""
    require(actor, "core.oversee")
    standing_store.ensure_fresh(db, today)
    board = standing_store.board_statements(today)
    counts = dict(db.execute(board.counts).one()._mapping)
    rows = db.execute(board.pages[(True, False)].limit(limit)).all() if counts["attention"] else []
    return counts, _summaries(db, [(r.Collaborative, standing_rules.standing_of(r._mapping, today)) for r in rows],
                              today)


def core_summary(db: Session, actor: Actor | None, collab: Collaborative, today: date) -> CoreSummary:
    """One Core's strength, outlook, open seats and flags (signed-in people)."""
    require(actor, "core.view")
    return summarize(db, [collab], today)[0]


def summarize(db: Session, collabs: list[Collaborative], today: date) -> list[CoreSummary]:
    """The Cores of ``collabs`` now and over the next 12 months (``cores.standing``), with the terms
    and candidates behind their flags, in a fixed number of queries (for a page's few Cores)."""
    ids = [c.id for c in collabs]
    if not ids:
        return []
    rows = {r.collaborative_id: standing_rules.standing_of(r._mapping, today)
            for r in db.execute(standing_rules.standings_query(today, ids))}
    return _summaries(db, [(c, rows[c.id]) for c in collabs if c.id in rows], today)


def _summaries(db: Session, pairs: list[tuple[Collaborative, standing_rules.Standing]],
               today: date) -> list[CoreSummary]:
    ids = [c.id for c, _ in pairs]
    if not ids:
        return []
    board = standing_store.board_statements(today)
    waiting = set(db.scalars(board.waiting, {"ids": ids}))
    changed = set(db.scalars(board.changed, {"ids": ids}))
    terms: dict[int, list[Appointment]] = defaultdict(list)
    if waiting | changed:
        for t in db.scalars(select(Appointment).where(Appointment.id.in_(sorted(waiting | changed)))
                            .order_by(func.coalesce(Appointment.ended_on, Appointment.ends_on), Appointment.id)):
            terms[t.collaborative_id].append(t)
    candidates = open_candidacies(db, ids)
    soon = today + timedelta(days=ENDING_SOON_DAYS)
    out = []
    for c, st in pairs:
        ending = [t for t in terms[c.id] if t.id in waiting]
        summary = CoreSummary(
            collaborative=c, standing=st, ending_soon=[t for t in ending if t.last_day <= soon],
            ending_within_year=ending, candidates=candidates.get(c.id, []),
            school_changes=[(t, school_change(t, today)) for t in terms[c.id] if t.id in changed])
        summary.flags = core_flags(summary, today)
        out.append(summary)
    return out


def core_flags(s: CoreSummary, today: date) -> list[str]:
    """What the DPL must act on, named by rule (the conditions are ``cores.standing``'s, which the
    daily sweep's F-flags read too)."""
    c, flags, st = s.collaborative, [], s.standing
    if "f3_under" in st.flags:
        flags.append(f"F3/C6: under strength — {s.strength} of at least {MIN_CORE}")
    if "f3_over" in st.flags:
        flags.append(f"F3/C2: over strength — {s.strength} members")
    if "f1_outlook" in st.flags:
        flags.append(f"F1: will fall to {s.lowest} by {fmt(st.falls_below_on)} as terms end without successors")
    if "f3_forming" in st.flags:
        flags.append(f"F3/C6: forming since {fmt(c.forming_since)} with {s.strength} Core members")
    for t in s.ending_soon:
        flags.append(f"F1: {t.person.name}'s term ends on {fmt(t.last_day)} with no successor")
    if s.vacancies:
        flags.append(f"F2: {s.vacancies} seat{'s' if s.vacancies > 1 else ''} left vacant by ended terms")
    for t, reason in s.school_changes:
        flags.append(f"F8/C10: {reason} during their term")
    return flags


# --- whom the forms offer (C4/N2, C9) and the term they propose (C2, C3, C6) ---------------------------

#: How many people each list of the appointment and nomination forms shows at most (search narrows them).
CHOICES = 100


def from_member_school(school=School):
    """SQL, C4/N2: the person's school (joined as ``school``) is an active member — the condition
    ``_check_school`` refuses one person on, for the lists that offer people to appoint or nominate."""
    return school.status == SchoolStatus.ACTIVE


def candidate_ids(collab_id: int):
    """SQL, C9: the people with an open candidacy for the collaborative's Core."""
    return select(Candidacy.person_id).where(Candidacy.collaborative_id == collab_id,
                                             Candidacy.status == CandidacyStatus.OPEN)


def committed_ids(collab_id: int, today: date):
    """SQL, C9: the people serving on the collaborative's Core beyond the coming year (not candidates
    for its open seats)."""
    return select(Appointment.person_id).where(
        Appointment.collaborative_id == collab_id,
        standing_rules.last_day() > today + timedelta(days=LOOK_AHEAD_DAYS))


def _offered(search: str | None):
    """SQL: people of an active member school (C4/N2) whose name or school matches ``search`` (typed
    characters, not wildcards), their school loaded with them."""
    stmt = (select(Person).join(School, School.id == Person.school_id).options(contains_eager(Person.school))
            .where(from_member_school(), Person.is_active.is_(True)))
    text = (search or "").strip().lower()
    if text:
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(func.lower(Person.name).like(like, escape="\\"),
                              func.lower(School.name).like(like, escape="\\")))
    return stmt


def _member_ids(actor: Actor, collab: Collaborative):
    """SQL: the ids of the collaborative's current members (``network.members_query``)."""
    return network.members_query(actor, collab).with_only_columns(Membership.person_id).order_by(None)


def person_choices(db: Session, actor: Actor, collab: Collaborative, search: str | None = None,
                   keep_id: int | None = None) -> dict[str, list[Person]]:
    """C4/N2, C9: the people the appointment form offers — the candidates, the collaborative's members,
    then other educators — each list only people of active member schools, those matching ``search``
    (name or school), at most ``CHOICES`` of each; plus ``keep_id`` (the person already chosen)."""
    require(actor, "core.manage")
    candidates_q = candidate_ids(collab.id)
    members_q = _member_ids(actor, collab)
    first_asked = (select(func.min(Candidacy.created_at)).where(Candidacy.person_id == Person.id,
                                                                Candidacy.collaborative_id == collab.id,
                                                                Candidacy.status == CandidacyStatus.OPEN)
                   .correlate(Person).scalar_subquery())
    candidates = list(db.scalars(_offered(search).where(Person.id.in_(candidates_q))
                                 .order_by(first_asked, Person.id).limit(CHOICES)))
    members = list(db.scalars(_offered(search).where(Person.id.in_(members_q), Person.id.not_in(candidates_q))
                              .order_by(Person.name, Person.id).limit(CHOICES)))
    others = list(db.scalars(_offered(search).where(Person.id.not_in(candidates_q), Person.id.not_in(members_q))
                             .order_by(Person.name, Person.id).limit(CHOICES)))
    if keep_id and all(p.id != keep_id for p in candidates + members + others):
        kept = db.get(Person, keep_id)
        others += [kept] if kept is not None else []
    return {"Candidates": candidates, f"Members of {collab.name}": members, "Other educators": others}


def nominees(db: Session, actor: Actor, collab: Collaborative, today: date, search: str | None = None) -> list[Person]:
    """C9, C4/N2: the collaborative's members ``actor`` may nominate for its open seats — not themself,
    not a candidate already, not serving beyond the coming year, of an active member school — those
    matching ``search``, at most ``CHOICES``, by name (``nominate`` refuses the others)."""
    require(actor, "core.nominate")
    return list(db.scalars(
        _offered(search).where(Person.id.in_(_member_ids(actor, collab)), Person.id != actor.id,
                               Person.id.not_in(candidate_ids(collab.id)),
                               Person.id.not_in(committed_ids(collab.id, today)))
        .order_by(Person.name, Person.id).limit(CHOICES)))


@dataclass(frozen=True)
class ProposedTerm:
    """C3: the term the appointment form proposes, and why it starts when it does."""

    starts_on: date
    ends_on: date
    why: str  # "short", "falls_short", "school_year" or "seat_opens" (``first_open_day``)

    @property
    def reason(self) -> str:
        """Why the proposed term starts when it does, in words for the form."""
        return {"short": f"today, as the Core is short (fewer than {MIN_CORE} members, C6)",
                "falls_short": f"{fmt(self.starts_on)}, the day the Core falls short (C6)",
                "seat_opens": f"{fmt(self.starts_on)}, the first day a seat is open (C2)",
                }.get(self.why, "the start of the next school year (C3)")


def first_open_day(terms: list[Appointment], today: date, start_month: int = 8) -> tuple[date, str]:
    """C2, C3, C6: the first day a new term can take a seat, of the Core whose terms (running on
    ``today`` or later) are ``terms``: today when the Core is short (fewer than 5); the day it falls
    short, if it does before the next school year; else the next school year's first day if there
    is room then (a term from that August fits beside the others every day, C2), or the first day
    after a term ends from which one does."""
    def strength(day: date) -> int:
        return max_concurrent(terms, day, day)[0]

    if strength(today) < MIN_CORE:
        return today, "short"
    august = dates.proposed_term(today, start_month)[0]
    seats_free = sorted({t.last_day + timedelta(days=1) for t in terms if t.last_day >= today})
    for day in seats_free:
        if day < august and strength(day) < MIN_CORE:
            return day, "falls_short"
    for day in [august] + [d for d in seats_free if d > august]:
        if max_concurrent(terms, day, term_end(day, start_month))[0] < MAX_CORE:
            return day, "school_year" if day == august else "seat_opens"
    return august, "school_year"


def term_end(starts_on: date, start_month: int = 8) -> date:
    """C3: the last day a form proposes for a term from ``starts_on``: at least two years, to the end
    of a school year."""
    return dates.school_year_of(earliest_two_year_end(starts_on), start_month).ends_on


def term_to_propose(db: Session, actor: Actor, collab: Collaborative, today: date,
                    start_month: int = 8) -> ProposedTerm:
    """C2, C3, C6: the term the appointment and proposal forms propose for ``collab``'s Core: from the
    first day a seat is open (``first_open_day``), for at least two years to the end of a school year."""
    require(actor, "core.manage")
    start, why = first_open_day(terms_overlapping(db, collab.id, today, date.max), today, start_month)
    return ProposedTerm(start, term_end(start, start_month), why)
