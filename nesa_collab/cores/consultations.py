"""C1 in the product: the DPL proposes an appointment and asks the Executive Director and the PDAC
for their view; each answers here (agree, or concerns with a note); the DPL appoints from the
proposal and the answers become the appointment's recorded consultations. A consultation held
elsewhere is still recorded as such: on a proposal, for a body that has not answered here, and on
the appointment form without one (``services.appoint``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session, defaultload, selectinload

from ..audit.services import record, snapshot
from ..auth.models import Person, PersonRole, Role
from ..clock import now_utc
from ..db import get_by_id, get_or_not_found, lock_row
from ..errors import DomainError
from ..network.models import Collaborative
from ..notifications.services import tell
from ..permissions import Actor, can, require
from . import services
from .models import (Appointment, Candidacy, ConsultationAnswer, ConsultationRequest, ConsultedBody, ProposalStatus,
                     ProposedAppointment)
from .services import ConsultationInput, fmt

#: How a consultation answered here is recorded (beside "email", "meeting", "call" for those held elsewhere).
IN_THE_PRODUCT = "in the product"
MAX_NOTE = 2000
PROPOSAL_FIELDS = ["collaborative_id", "person_id", "starts_on", "ends_on", "candidacy_id", "note", "status"]
ANSWER_FIELDS = ["answer", "note", "answered_by_id", "answered_on"]


def _note(note: str | None) -> str:
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise DomainError("C1", f"keep the note under {MAX_NOTE:,} characters", field="note")
    return note


def _term(proposal: ProposedAppointment) -> str:
    return f"{fmt(proposal.starts_on)} – {fmt(proposal.ends_on)}"


# --- asking ---------------------------------------------------------------------------------------

def propose(db: Session, actor: Actor, collab: Collaborative, person: Person, *, starts_on: date | None,
            ends_on: date | None, today: date, note: str = "", candidacy: Candidacy | None = None
            ) -> ProposedAppointment:
    """C1: the DPL prepares an appointment of ``person`` to ``collab``'s Core for a term and asks the
    Executive Director and the PDAC for their view (one request each; the people holding each role
    are told). Refused early, with the rule the appointment itself would be refused by (K1, C2–C4,
    C8, C9: ``services.check_term``), before anything is written; one open proposal per person and
    Core."""
    require(actor, "core.manage")
    services.check_term(db, actor, collab, person, starts_on=starts_on, ends_on=ends_on, today=today,
                        candidacy=candidacy)
    if db.scalar(select(ProposedAppointment.id).where(
            ProposedAppointment.collaborative_id == collab.id, ProposedAppointment.person_id == person.id,
            ProposedAppointment.status == ProposalStatus.OPEN)) is not None:
        raise DomainError("C1", f"{person.name} is already proposed for the {collab.name} Core; appoint from that "
                          "proposal or withdraw it first", field="person_id")
    now = now_utc()
    proposal = ProposedAppointment(collaborative=collab, person=person, starts_on=starts_on, ends_on=ends_on,
                                   candidacy_id=candidacy.id if candidacy else None, note=_note(note),
                                   created_by_id=actor.id, created_at=now, status=ProposalStatus.OPEN)
    proposal.requests = [ConsultationRequest(body=body, requested_at=now) for body in ConsultedBody]
    db.add(proposal)
    record(db, actor, "core.propose", proposal,
           f"Asked the Executive Director and the PDAC about appointing {person.name} to the {collab.name} Core, "
           f"{_term(proposal)}",
           after={**snapshot(proposal, PROPOSAL_FIELDS), "requests": [b.value for b in ConsultedBody]},
           collaborative_id=collab.id)
    _tell_asked(db, proposal)
    return proposal


def propose_by_ids(db: Session, actor: Actor, collab: Collaborative, *, person_id: int | None,
                   candidacy_id: int | None, **values) -> ProposedAppointment:
    """``propose`` for a person (and, optionally, their candidacy) named by id, as the form and the API give them."""
    require(actor, "core.manage")
    person, candidacy = services.chosen_candidate(db, person_id, candidacy_id, "propose")
    return propose(db, actor, collab, person, candidacy=candidacy, **values)


def _holders(db: Session, roles: Iterable[Role]) -> list[tuple[Role, Person]]:
    return list(db.execute(select(PersonRole.role, Person).join(Person, Person.id == PersonRole.person_id)
                           .where(PersonRole.role.in_(list(roles)), Person.is_active.is_(True))
                           .order_by(Person.name, Person.id)).all())


def _tell_asked(db: Session, proposal: ProposedAppointment) -> None:
    """C1: everyone holding the role asked (the Executive Director; each PDAC member) is told."""
    person, collab = proposal.person, proposal.collaborative
    school = f" of {person.school.name}" if person.school else ""
    for role, holder in _holders(db, [Role.EXECUTIVE_DIRECTOR, Role.PDAC]):
        body = ConsultedBody(role.value)
        tell(db, holder, "core.consultation.requested",
             f"Your view on appointing {person.name} to the {collab.name} Core",
             f"Dear {holder.name},\n\nThe Director of Professional Learning proposes to appoint {person.name}{school} "
             f"to the Core of the {collab.name} for the term {_term(proposal)}, and asks for the "
             f"{body.label}'s view before appointing.\nAnswer on the Consultations page (/consultations): "
             "agree, or concerns with a note.\n")


# --- answering ------------------------------------------------------------------------------------

def get_request(db: Session, actor: Actor | None, request_id: int) -> ConsultationRequest:
    """C1: a consultation request, for the body it asks (the Executive Director's for the Executive
    Director, the PDAC's for a PDAC member); anyone else is refused."""
    require(actor, "consultation.answer")
    request = get_or_not_found(db, ConsultationRequest, request_id)
    require(actor, "consultation.answer", request)
    return request


def answer(db: Session, actor: Actor, request: ConsultationRequest, *, answer: str | None, note: str,
           today: date) -> ConsultationRequest:
    """C1: the Executive Director answers the request made of them, a PDAC member the PDAC's: agree,
    or concerns with a note. The answer may change while the proposal is open — a view can move
    after a conversation, and the DPL appoints on the latest one (each answer is audited and the DPL
    told) —; once the proposal is appointed or withdrawn the answer stands."""
    require(actor, "consultation.answer", request)
    proposal = lock_row(db, ProposedAppointment, request.proposal_id)  # an appointment from it waits for us
    if not proposal.is_open:
        raise DomainError("C1", f"this proposal was {proposal.status.value}; it takes no more answers", field="answer")
    if answer not in set(ConsultationAnswer):
        raise DomainError("C1", "choose: agree, or concerns", field="answer")
    note = _note(note)
    if answer == ConsultationAnswer.CONCERNS and not note:
        raise DomainError("C1", "say what the concerns are", field="note")
    before = snapshot(request, ANSWER_FIELDS) if request.is_answered else None
    if before is not None and request.answer == answer and request.note == note:
        return request  # the same answer again: nothing changes
    request.answer, request.note = ConsultationAnswer(answer), note
    request.answered_by_id, request.answered_at, request.answered_on = actor.id, now_utc(), today
    request.answered_by = actor.person
    who = actor.person.name if actor.person is not None else "The system"
    verb = "changed the answer" if before else "answered"
    record(db, actor, "core.consultation.answer", request,
           f"{who} {verb} for the {request.body_label} on appointing {proposal.person.name} to the "
           f"{proposal.collaborative.name} Core: {request.answer.label.lower()}",
           before=before, after=snapshot(request, ANSWER_FIELDS), collaborative_id=proposal.collaborative_id)
    _tell_answered(db, proposal, request, who, changed=before is not None)
    return request


def _tell_answered(db: Session, proposal: ProposedAppointment, request: ConsultationRequest, who: str,
                   changed: bool) -> None:
    """C1: the DPL who asked is told of each answer (every DPL, when the system asked)."""
    if proposal.created_by_id is not None:
        recipients = [db.get(Person, proposal.created_by_id)]
    else:
        recipients = [p for _, p in _holders(db, [Role.DPL])]
    ready = " Both have answered: you can appoint." if proposal.all_answered else ""
    for dpl in recipients:
        tell(db, dpl, "core.consultation.answered",
             f"The {request.body_label} {'changed their answer' if changed else 'answered'} on appointing "
             f"{proposal.person.name}",
             f"Dear {dpl.name},\n\n{who}, for the {request.body_label}, "
             f"{'now answers' if changed else 'answers'} \"{request.answer.label}\" on appointing "
             f"{proposal.person.name} to the {proposal.collaborative.name} Core ({_term(proposal)})"
             f"{': ' + request.note if request.note else '.'}\n{ready}\n")


# --- appointing from a proposal, withdrawing it ------------------------------------------------------

def answer_note(request: ConsultationRequest) -> str:
    """The consultation note an answer given here becomes: the answer first, then the note and who gave it."""
    who = f" (answered by {request.answered_by.name})" if request.answered_by is not None else ""
    return f"{request.answer.label}{' — ' + request.note if request.note else ''}{who}"


def appoint_from_proposal(db: Session, actor: Actor, proposal: ProposedAppointment, *, today: date,
                          elsewhere: Iterable[ConsultationInput] = (), note: str | None = None,
                          answers_seen: str | None = None) -> Appointment:
    """C1: appoint from a proposal. Each body's answer given here becomes the appointment's consultation
    (method "in the product", dated the day of the answer in the network's zone, its note led by the
    answer); a body that has not answered is recorded as consulted elsewhere (date, how, note), or the
    appointment is refused (C1) and nothing is written. ``answers_seen``: the answers the DPL read
    (``answers_version``); an answer given or changed since refuses it. Every other check, and the
    settling of the proposal, is ``services.appoint``'s."""
    require(actor, "core.manage")
    proposal = lock_row(db, ProposedAppointment, proposal.id)  # no answer changes under us
    if not proposal.is_open:
        raise DomainError("C1", f"this proposal was already {proposal.status.value}", field="proposal_id")
    if answers_seen is not None and answers_seen != proposal.answers_version:
        raise DomainError("C1", "an answer was given or changed since this page was opened: read it, then appoint",
                          field="proposal_id")
    given = {c.body: c for c in elsewhere if c.consulted_on is not None}
    consultations = []
    for body in ConsultedBody:
        request = proposal.request_of(body)
        held_elsewhere = given.get(body.value)
        if request is not None and request.is_answered:
            if held_elsewhere is not None:
                raise DomainError("C1", f"the {body.label} answered here; that answer is the consultation",
                                  field=f"{body.form_prefix}_consulted_on")
            consultations.append(ConsultationInput(body.value, request.answered_on, IN_THE_PRODUCT,
                                                   answer_note(request)))
        elif held_elsewhere is not None:
            consultations.append(held_elsewhere)
        else:
            raise DomainError("C1", f"the {body.label} has not answered yet: wait for their answer, or record when "
                              "and how they were consulted elsewhere", field=f"{body.form_prefix}_consulted_on")
    return services.appoint(db, actor, proposal.collaborative, proposal.person, starts_on=proposal.starts_on,
                            ends_on=proposal.ends_on, consultations=consultations, today=today,
                            note=proposal.note if note is None else note, candidacy=proposal.candidacy)


def appoint_from_proposal_by_id(db: Session, actor: Actor, collab: Collaborative, proposal_id: int | None,
                                **values) -> Appointment:
    """``appoint_from_proposal`` for a proposal of ``collab``'s Core named by id (the form and the API)."""
    require(actor, "core.manage")
    proposal = get_or_not_found(db, ProposedAppointment, proposal_id)
    if proposal.collaborative_id != collab.id:
        raise DomainError("C1", f"this proposal is for the {proposal.collaborative.name} Core", field="proposal_id")
    return appoint_from_proposal(db, actor, proposal, **values)


def withdraw_proposal(db: Session, actor: Actor, proposal: ProposedAppointment) -> ProposedAppointment:
    """C1: the DPL withdraws a proposal: its requests stop waiting; the record and its answers stay."""
    require(actor, "core.manage")
    proposal = lock_row(db, ProposedAppointment, proposal.id)
    if not proposal.is_open:
        raise DomainError("C1", f"this proposal was already {proposal.status.value}", field="proposal_id")
    proposal.status, proposal.decided_at = ProposalStatus.WITHDRAWN, now_utc()
    record(db, actor, "core.proposal.withdraw", proposal,
           f"Withdrew the proposal to appoint {proposal.person.name} to the {proposal.collaborative.name} Core",
           before={"status": ProposalStatus.OPEN.value}, after={"status": proposal.status.value},
           collaborative_id=proposal.collaborative_id)
    return proposal


# --- reading --------------------------------------------------------------------------------------

def get_proposal(db: Session, actor: Actor | None, proposal_id: int) -> ProposedAppointment:
    """A proposal with its requests and answers (the DPL, the Executive Director, the PDAC)."""
    require(actor, "core.oversee")
    return get_or_not_found(db, ProposedAppointment, proposal_id)


def proposal_to_appoint(db: Session, actor: Actor, collab: Collaborative, raw_id: str | int | None
                        ) -> ProposedAppointment | None:
    """The open proposal the appointment form starts from (``?proposal=``), if it is one of this Core's."""
    require(actor, "core.manage")
    ident = int(raw_id) if isinstance(raw_id, int) or (raw_id and str(raw_id).isdigit()) else None
    proposal = get_by_id(db, ProposedAppointment, ident)
    if proposal is None or proposal.collaborative_id != collab.id or not proposal.is_open:
        return None
    return proposal


def _people_shown(path=None) -> list:
    """Loader options for a proposal's people (candidate, who asked, who nominated, who answered): their
    roles are not shown on these pages, so they are not loaded with them (each a query per batch and
    an object per role otherwise)."""
    def at(rel):
        return (path.defaultload(rel) if path is not None else defaultload(rel))

    return [at(ProposedAppointment.person).lazyload(Person.role_rows),
            at(ProposedAppointment.created_by).lazyload(Person.role_rows),
            at(ProposedAppointment.candidacy).defaultload(Candidacy.person).lazyload(Person.role_rows),
            at(ProposedAppointment.candidacy).defaultload(Candidacy.nominated_by).lazyload(Person.role_rows),
            at(ProposedAppointment.requests).defaultload(ConsultationRequest.answered_by)
            .lazyload(Person.role_rows)]


def open_proposals_query(actor: Actor, *, collab_id: int | None = None, collaborative: str | None = None) -> Select:
    """C1: the open proposals (of one Core: by id, or by its collaborative's slug), oldest first, for
    a page to paginate."""
    require(actor, "core.oversee")
    stmt = select(ProposedAppointment).where(ProposedAppointment.status == ProposalStatus.OPEN)
    if collab_id is not None:
        stmt = stmt.where(ProposedAppointment.collaborative_id == collab_id)
    if collaborative:
        stmt = stmt.where(ProposedAppointment.collaborative_id == select(Collaborative.id)
                          .where(Collaborative.slug == collaborative).scalar_subquery())
    return stmt.options(*_people_shown()).order_by(ProposedAppointment.created_at, ProposedAppointment.id)


def open_proposals(db: Session, actor: Actor, collab: Collaborative | None = None) -> list[ProposedAppointment]:
    """C1: every open proposal (of ``collab``'s Core, if given) with its answers so far, oldest first,
    in a fixed number of queries."""
    return list(db.scalars(open_proposals_query(actor, collab_id=collab.id if collab is not None else None)))


def collaborative_name(db: Session, slug: str) -> str:
    """The name of the collaborative a list is narrowed to (the slug itself if it names none)."""
    return db.scalar(select(Collaborative.name).where(Collaborative.slug == slug)) or slug


def strength_today(db: Session, collab_ids: Iterable[int], today: date) -> dict[int, int]:
    """C6: how many serve on each of these Cores on ``today`` (one count in SQL, no terms loaded)."""
    ids = sorted(set(collab_ids))
    if not ids:
        return {}
    return dict(db.execute(select(Appointment.collaborative_id, func.count())
                           .where(Appointment.collaborative_id.in_(ids), services.term_overlaps(today, today))
                           .group_by(Appointment.collaborative_id)).all())


def bodies_of(actor: Actor | None) -> list[ConsultedBody]:
    """The bodies whose requests ``actor`` answers (C1: the roles they hold)."""
    roles = actor.roles if actor is not None else frozenset()
    return [b for b in ConsultedBody if Role(b.value) in roles]


def requests_for(db: Session, actor: Actor, *, waiting_only: bool = False) -> list[ConsultationRequest]:
    """C1: the requests of open proposals: for the Executive Director and PDAC members those made of
    their body (``waiting_only``: not answered yet), for the DPL all of them; in a fixed number of queries."""
    require(actor, "core.oversee")
    stmt = (select(ConsultationRequest).join(ConsultationRequest.proposal)
            .where(ProposedAppointment.status == ProposalStatus.OPEN)
            .options(selectinload(ConsultationRequest.proposal),
                     defaultload(ConsultationRequest.answered_by).lazyload(Person.role_rows),
                     *_people_shown(defaultload(ConsultationRequest.proposal)))
            .order_by(ConsultationRequest.requested_at, ConsultationRequest.id))
    if not can(actor, "core.manage"):
        stmt = stmt.where(ConsultationRequest.body.in_(bodies_of(actor)))
    if waiting_only:
        stmt = stmt.where(ConsultationRequest.answer.is_(None))
    return list(db.scalars(stmt))


@dataclass
class Board:
    """The consultations page: what the viewer must answer, what they answered (which they may still
    change), and for the DPL every open proposal; with each Core's strength today."""

    to_answer: list[ConsultationRequest] = field(default_factory=list)
    answered: list[ConsultationRequest] = field(default_factory=list)
    proposals: list[ProposedAppointment] = field(default_factory=list)
    strength: dict[int, int] = field(default_factory=dict)


def board(db: Session, actor: Actor, today: date, proposals: Iterable[ProposedAppointment] = ()) -> Board:
    """C1: the consultations page for the Executive Director, PDAC members and the DPL; ``proposals``:
    the page of open proposals the DPL is shown (``open_proposals_query``, paged). Each Core's
    strength today is counted in SQL."""
    require(actor, "core.oversee")
    out = Board()
    if bodies_of(actor):
        mine = [r for r in requests_for(db, actor) if r.body in bodies_of(actor)]
        out.to_answer = [r for r in mine if not r.is_answered]
        out.answered = [r for r in mine if r.is_answered]
    if can(actor, "core.manage"):
        out.proposals = list(proposals)
    out.strength = strength_today(db, [p.collaborative_id for p in
                                       [r.proposal for r in out.to_answer + out.answered] + out.proposals], today)
    return out


# --- what is waiting (for the home page's "Waiting for you") --------------------------------------------

@dataclass(frozen=True)
class Waiting:
    """One thing a person must act on about a consultation (C1), and the page to do it on
    (``route`` and ``params`` for ``url_for``, plus ``query``)."""

    kind: str  # "answer": a request to answer; "appoint": a proposal whose answers are all in
    summary: str
    since: datetime
    proposal: ProposedAppointment
    request: ConsultationRequest | None
    route: str
    params: dict
    query: dict = field(default_factory=dict)


def _requests_waiting(bodies) -> Select:
    return (select(ConsultationRequest).join(ConsultationRequest.proposal)
            .where(ProposedAppointment.status == ProposalStatus.OPEN, ConsultationRequest.body.in_(bodies),
                   ConsultationRequest.answer.is_(None)))


def _ready_to_appoint() -> Select:
    unanswered = exists().where(ConsultationRequest.proposal_id == ProposedAppointment.id,
                                ConsultationRequest.answer.is_(None))
    asked = exists().where(ConsultationRequest.proposal_id == ProposedAppointment.id)
    return select(ProposedAppointment).where(ProposedAppointment.status == ProposalStatus.OPEN, ~unanswered, asked)


def waiting_for(db: Session, actor: Actor | None, limit: int | None = None) -> list[Waiting]:
    """C1: what ``actor`` must act on (see ``waiting_page``), oldest first."""
    return waiting_page(db, actor, limit)[0]


def waiting_page(db: Session, actor: Actor | None, limit: int | None = None) -> tuple[list[Waiting], int]:
    """C1: what ``actor`` must act on: the Executive Director and PDAC members, the requests made of
    their body that nobody has answered yet; the DPL, the open proposals every body has answered
    (ready to appoint). The ``limit`` oldest, and how many there are in all, in a fixed number of
    queries (each counts its rows as it reads the first of them)."""
    require(actor, "signed_in")
    items: list[Waiting] = []
    total = 0
    bodies = bodies_of(actor)
    if bodies:
        rows = db.execute(
            _requests_waiting(bodies).add_columns(func.count().over())
            .options(selectinload(ConsultationRequest.proposal))
            .order_by(ConsultationRequest.requested_at, ConsultationRequest.id).limit(limit)).all()
        total += rows[0][1] if rows else 0
        for r, _ in rows:
            p = r.proposal
            items.append(Waiting("answer", f"Give the {r.body_label}'s view on appointing {p.person.name} to the "
                                 f"{p.collaborative.name} Core ({_term(p)})", r.requested_at, p, r,
                                 "answer_consultation", {"request_id": r.id}))
    if can(actor, "core.manage") and not actor.is_system:
        rows = db.execute(_ready_to_appoint().add_columns(func.count().over())
                          .order_by(ProposedAppointment.created_at, ProposedAppointment.id).limit(limit)).all()
        total += rows[0][1] if rows else 0
        for p, _ in rows:
            items.append(Waiting("appoint", f"Appoint {p.person.name} to the {p.collaborative.name} Core: the "
                                 "Executive Director and the PDAC have answered",
                                 max(r.answered_at for r in p.requests), p, None, "appoint",
                                 {"slug": p.collaborative.slug}, {"proposal": p.id}))
    return sorted(items, key=lambda w: w.since)[:limit], total
