"""Keeping the obligations in line with the facts (O1–O3): the reconcile step, and the listeners the
lower domains call when a fact changes (``create_app`` installs them, see ``install_listeners``).

Reconciling a scope (some meetings, conferences, people or schools, or everything) derives what is
owed for every planning meeting and conference the scope touches (``derive``) and brings the stored
rows in line, in the caller's transaction:
- what is owed and not stored is added, ``pending``;
- what is stored and still owed is left alone, except that its days follow the meeting or the
  conference (an answer already given then returns to ``pending``: the school is asked again);
- what is stored and no longer owed is withdrawn with the reason, and kept.
Running it again changes nothing, and the database holds one live row per natural key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import Session

from ..audit.services import record, snapshot
from ..auth.models import Person
from ..clock import now_utc
from ..cores.models import Appointment
from ..meetings.models import Conference, ConferenceCollaborative, Meeting, MeetingStatus, Rsvp, RsvpAnswer
from ..network.models import School
from ..permissions import SYSTEM
from .derive import Key, Owed, derive, key_of
from .feed import obligations_changed
from .models import Obligation, ObligationKind, ObligationStatus, days_text

OBLIGATION_FIELDS = ["kind", "school_id", "person_id", "collaborative_id", "conference_id", "meeting_id",
                     "first_day", "last_day", "status", "decline_reason", "decision_note", "decided_by_id",
                     "withdrawn_reason", "sequence"]


def obligation_snapshot(o: Obligation) -> dict[str, Any]:
    return snapshot(o, OBLIGATION_FIELDS)


@dataclass(frozen=True)
class Scope:
    """What changed: the obligations of these meetings, conferences, people and schools are
    reconciled (``everything``: all of them)."""

    meetings: frozenset[int] = frozenset()
    conferences: frozenset[int] = frozenset()
    people: frozenset[int] = frozenset()
    schools: frozenset[int] = frozenset()
    everything: bool = False

    @classmethod
    def of(cls, *, meetings=(), conferences=(), people=(), schools=()) -> "Scope":
        return cls(_known(meetings), _known(conferences), _known(people), _known(schools))


def _known(ids) -> frozenset[int]:
    return frozenset(i for i in ids if i is not None)


@dataclass
class Changes:
    """What one reconcile did (ids of the rows), for tests, the seed and the command line."""

    created: list[int] = field(default_factory=list)
    moved: list[int] = field(default_factory=list)
    reopened: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    withdrawn: list[int] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.created or self.moved or self.updated or self.withdrawn)


def reconcile(db: Session, scope: Scope) -> Changes:
    """O1–O3: bring the stored obligations of ``scope`` in line with what the facts make owed (see the
    module's docstring). A fixed number of queries whatever the size of the scope; flushes, never commits."""
    db.flush()
    meeting_ids, conference_ids = _reach(db, scope)
    meetings = _load(db, Meeting, meeting_ids)
    conferences = _load(db, Conference, conference_ids)
    derivation = derive(db, meetings, conferences)
    stored = _stored(db, meeting_ids, conference_ids)
    changes = Changes()
    now = now_utc()
    for key, owed in sorted(derivation.owed.items()):
        row = stored.pop(key, None)
        person = row.person if row is not None else db.get(Person, owed.person_id)
        if row is None:
            if not _before_move(person, owed.first_day):
                changes.created.append(_create(db, owed, now).id)
        elif row.school_id != owed.school_id:
            if _before_move(person, row.first_day):
                continue  # owed by the school they were at on that day: history stays with it
            _withdraw(db, row, derivation.why_withdrawn(row.kind, person, row.collaborative, row.school_id,
                                                        row.meeting_id, row.conference_id, row.first_day), now)
            changes.withdrawn.append(row.id)
            changes.created.append(_create(db, owed, now).id)
        else:
            _follow(db, row, owed, now, changes)
    for row in stored.values():
        reason = derivation.why_withdrawn(row.kind, row.person, row.collaborative, row.school_id, row.meeting_id,
                                          row.conference_id, row.first_day)
        _withdraw(db, row, reason, now)
        changes.withdrawn.append(row.id)
    if changes.any:
        db.flush()
        obligations_changed(db, changes.created + changes.moved + changes.updated + changes.withdrawn)  # M5
    return changes


def reconcile_all(db: Session) -> Changes:
    """O1–O3: every obligation of the network (the seed, the command line)."""
    return reconcile(db, Scope(everything=True))


def _before_move(person: Person, day: date) -> bool:
    """C10: a day before the person moved school was owed by the school they were at then."""
    return person.school_changed_on is not None and day < person.school_changed_on


# --- which meetings and conferences a scope reaches -----------------------------------------------

def _ids(db: Session, stmt) -> set[int]:
    return {i for i in db.scalars(stmt) if i is not None}


def _reach(db: Session, scope: Scope) -> tuple[set[int] | None, set[int] | None]:
    """The planning meetings (O1) and conferences (O2) whose obligations ``scope`` may change (None:
    all of them): those named, those of the people and schools named, and those their stored live
    obligations point at, so that what is no longer owed is found too."""
    if scope.everything:
        return None, None
    meetings, conferences, people = set(scope.meetings), set(scope.conferences), set(scope.people)
    live = Obligation.withdrawn_at.is_(None)
    if scope.schools:
        people |= _ids(db, select(Person.id).where(Person.school_id.in_(scope.schools)))
        people |= _ids(db, select(Obligation.person_id).where(live, Obligation.school_id.in_(scope.schools)))
    if meetings:
        conferences |= _ids(db, select(Meeting.conference_id).where(Meeting.id.in_(meetings)))
        # Those who answered it may be owed attendance at a conference it was beside before it moved.
        people |= _ids(db, select(Rsvp.person_id).where(Rsvp.meeting_id.in_(meetings)))
    if people:
        # Their planning meetings and conferences within their terms (outside them nothing is owed to
        # them, and what is stored for them is found below), and those they said they are going to.
        spans: dict[int, list[tuple[date, date]]] = {}
        for collab_id, starts_on, ends_on, ended_on in db.execute(
                select(Appointment.collaborative_id, Appointment.starts_on, Appointment.ends_on, Appointment.ended_on)
                .where(Appointment.person_id.in_(people))):
            spans.setdefault(collab_id, []).append((starts_on, ended_on or ends_on))

        def served(collab_id: int, day: date) -> bool:
            return any(first <= day <= last for first, last in spans.get(collab_id, ()))

        if spans:
            meetings |= {i for i, collab_id, start in db.execute(
                select(Meeting.id, Meeting.collaborative_id, Meeting.local_start).where(
                    Meeting.collaborative_id.in_(spans), Meeting.is_planning.is_(True),
                    Meeting.status == MeetingStatus.PUBLISHED)) if served(collab_id, start.date())}
            conferences |= {i for i, collab_id, starts_on in db.execute(
                select(ConferenceCollaborative.conference_id, ConferenceCollaborative.collaborative_id,
                       Conference.starts_on).join(Conference, Conference.id == ConferenceCollaborative.conference_id)
                .where(ConferenceCollaborative.collaborative_id.in_(spans))) if served(collab_id, starts_on)}
        conferences |= _ids(db, select(Meeting.conference_id).join(Rsvp, Rsvp.meeting_id == Meeting.id)
                            .where(Rsvp.person_id.in_(people), Rsvp.answer == RsvpAnswer.GOING))
    if conferences:
        meetings |= _ids(db, select(Meeting.id).where(Meeting.conference_id.in_(conferences),
                                                      Meeting.is_planning.is_(True)))
    if people or conferences:
        for kind, meeting_id, conference_id in db.execute(
                select(Obligation.kind, Obligation.meeting_id, Obligation.conference_id).where(
                    live, or_(Obligation.person_id.in_(people), Obligation.conference_id.in_(conferences)))):
            if kind == ObligationKind.RELEASE:
                meetings.add(meeting_id)
            else:
                conferences.add(conference_id)
    meetings.discard(None)
    return meetings, conferences


def _load(db: Session, model: type, ids: set[int] | None) -> list:
    if ids is not None and not ids:
        return []
    stmt = select(model)
    if ids is not None:
        stmt = stmt.where(model.id.in_(sorted(ids)))
    elif model is Meeting:
        stmt = stmt.where(or_(Meeting.is_planning.is_(True), Meeting.id.in_(
            select(Obligation.meeting_id).where(Obligation.withdrawn_at.is_(None)))))
    return list(db.scalars(stmt).unique())


def _stored(db: Session, meeting_ids: set[int] | None, conference_ids: set[int] | None) -> dict[Key, Obligation]:
    """The live obligations of these meetings (O1) and conferences (O2), by natural key."""
    release = Obligation.kind == ObligationKind.RELEASE
    attendance = Obligation.kind == ObligationKind.ATTENDANCE
    conditions = [
        and_(release, Obligation.meeting_id.in_(sorted(meeting_ids))) if meeting_ids is not None else release,
        and_(attendance, Obligation.conference_id.in_(sorted(conference_ids))) if conference_ids is not None
        else attendance,
    ]
    if meeting_ids is not None and not meeting_ids:
        conditions[0] = false()
    if conference_ids is not None and not conference_ids:
        conditions[1] = false()
    rows = db.scalars(select(Obligation).where(Obligation.withdrawn_at.is_(None), or_(*conditions)))
    return {key_of(r.kind, r.person_id, r.meeting_id, r.conference_id): r for r in rows}


# --- the changes, each audited (A1) ------------------------------------------------------------------

def _create(db: Session, owed: Owed, now) -> Obligation:
    row = Obligation(kind=owed.kind, school_id=owed.school_id, person_id=owed.person_id,
                     collaborative_id=owed.collaborative_id, conference_id=owed.conference_id,
                     meeting_id=owed.meeting_id, first_day=owed.first_day, last_day=owed.last_day,
                     support=owed.support, why=owed.why, status=ObligationStatus.PENDING, decision_note="",
                     sequence=0, created_at=now, updated_at=now)
    db.add(row)
    db.flush()
    db.refresh(row)
    record(db, SYSTEM, "obligation.create", row, f"Owed ({row.rule}): {row.statement}",
           after=obligation_snapshot(row), collaborative_id=row.collaborative_id)
    return row


def _follow(db: Session, row: Obligation, owed: Owed, now, changes: Changes) -> None:
    """The obligation is still owed: its days follow the meeting or conference (and an answer already
    given returns to pending), its collaborative, conference and sentences follow the facts."""
    before = obligation_snapshot(row)
    moved = (row.first_day, row.last_day) != (owed.first_day, owed.last_day) or row.conference_id != owed.conference_id
    restated = (row.collaborative_id, row.support, row.why) != (owed.collaborative_id, owed.support, owed.why)
    if not moved and not restated:
        return
    row.collaborative_id, row.conference_id = owed.collaborative_id, owed.conference_id
    row.support, row.why = owed.support, owed.why
    row.updated_at = now
    if not moved:
        db.flush()
        db.refresh(row, ["collaborative", "conference"])
        record(db, SYSTEM, "obligation.update", row, f"Restated ({row.rule}): {row.statement}", before=before,
               after=obligation_snapshot(row), collaborative_id=row.collaborative_id)
        changes.updated.append(row.id)
        return
    old_days = days_text(row.first_day, row.last_day)
    row.first_day, row.last_day = owed.first_day, owed.last_day
    row.sequence += 1
    db.flush()
    db.refresh(row, ["collaborative", "conference"])
    record(db, SYSTEM, "obligation.move", row,
           f"Moved from {old_days} to {days_text(row.first_day, row.last_day)} ({row.rule}): {row.statement}",
           before=before, after=obligation_snapshot(row), collaborative_id=row.collaborative_id)
    changes.moved.append(row.id)
    if row.status != ObligationStatus.PENDING:
        before = obligation_snapshot(row)
        answered = ObligationStatus(row.status).label.lower()
        row.status, row.decline_reason, row.decision_note = ObligationStatus.PENDING, None, ""
        row.decided_by_id = row.decided_at = None
        record(db, SYSTEM, "obligation.reopen", row,
               f"Back to pending: the school had {answered} it for {old_days}; the day changed, so it is asked "
               f"again (O3): {row.statement}", before=before, after=obligation_snapshot(row),
               collaborative_id=row.collaborative_id)
        changes.reopened.append(row.id)


def _withdraw(db: Session, row: Obligation, reason: str, now) -> None:
    before = obligation_snapshot(row)
    row.withdrawn_at, row.withdrawn_reason = now, reason
    row.sequence += 1
    row.updated_at = now
    record(db, SYSTEM, "obligation.withdraw", row, f"Withdrawn ({row.rule}): {row.statement} — {reason}",
           before=before, after=obligation_snapshot(row), collaborative_id=row.collaborative_id)


# --- the listeners the lower domains call (installed by create_app) -------------------------------------

def meeting_changed(db: Session, meeting: Meeting) -> None:
    """O1/O2: a meeting was scheduled, changed, published, cancelled, deleted or had an occurrence
    changed. A draft owes nothing and never did (M2: only a published meeting was ever in calendars)."""
    if meeting.status != MeetingStatus.DRAFT:
        reconcile(db, Scope.of(meetings=[meeting.id]))


def conference_changed(db: Session, conference: Conference) -> None:
    """O1/O2: a conference's dates or featured collaboratives changed (or it was added)."""
    reconcile(db, Scope.of(conferences=[conference.id]))


def answered(db: Session, rsvp: Rsvp) -> None:
    """O2: someone answered a meeting: going to one beside a conference may make them owed attendance."""
    reconcile(db, Scope.of(people=[rsvp.person_id]))


def membership_changed(db: Session, membership) -> None:
    """O2: someone joined or left a collaborative: attendance owed through their answers follows."""
    reconcile(db, Scope.of(people=[membership.person_id]))


def term_changed(db: Session, term: Appointment) -> None:
    """O1/O2 (C9): an appointment, reappointment or early end: the school's support follows the term."""
    reconcile(db, Scope.of(people=[term.person_id]))


def school_of_person_changed(db: Session, person: Person) -> None:
    """O1/O2 (C10): a person moved school: what is owed from then on is owed by the new school."""
    reconcile(db, Scope.of(people=[person.id]))


def school_status_changed(db: Session, school: School) -> None:
    """O1/O2 (N2): a school lapsed (nothing is owed by it from that day) or was reinstated."""
    reconcile(db, Scope.of(schools=[school.id]))

