"""What schools owe (O1, O2), derived from the facts: Core terms, planning meetings, conferences and
the answers to their meetings. A fixed number of set-based queries for any number of meetings and
conferences; nothing here writes.

Derivation is complete per planning meeting (every Core member that day, O1) and per conference
(every Core member of a featured collaborative on its first day, and every member who said they are
going, O2), so the reconcile step can compare it with the stored rows of the same meetings and
conferences and know that what is missing is no longer owed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from ..auth.models import Person
from ..cores import services as cores
from ..cores.models import Appointment
from ..meetings.models import Conference, Meeting, MeetingStatus, Rsvp, RsvpAnswer
from ..network.models import Collaborative, Membership, School
from .models import ObligationKind, collaborative_title, day_text

RELEASE_SUPPORT = "Release from school duties for the day, with cover for classes and duties"
ATTENDANCE_SUPPORT = ("Leave to attend, and registration, travel and accommodation as the school's budget "
                      "allows")

#: An obligation's natural key: (kind, person, meeting) for O1, (kind, person, conference) for O2.
Key = tuple[str, int, int]


def key_of(kind: str, person_id: int, meeting_id: int | None, conference_id: int) -> Key:
    return (str(kind), person_id, meeting_id if kind == ObligationKind.RELEASE else conference_id)


@dataclass(frozen=True)
class Owed:
    """One obligation as the facts make it today."""

    kind: ObligationKind
    person_id: int
    school_id: int
    collaborative_id: int
    conference_id: int
    meeting_id: int | None
    first_day: date
    last_day: date
    support: str
    why: str

    @property
    def key(self) -> Key:
        return key_of(self.kind, self.person_id, self.meeting_id, self.conference_id)


def member_school_on(person: Person, day: date) -> School | None:
    """N2: the person's school if it is a member school on ``day`` (a lapse ends what is owed from
    the day it lapsed)."""
    school = person.school
    if school is None or (school.lapsed_on is not None and day >= school.lapsed_on):
        return None
    return school


def is_planning(meeting: Meeting) -> bool:
    """S2/O1: a published planning meeting beside a conference (a draft owes nothing yet; a cancelled
    meeting nothing any more)."""
    return (meeting.status == MeetingStatus.PUBLISHED and meeting.is_planning
            and meeting.conference_id is not None)


@dataclass
class Derivation:
    """What is owed for a set of meetings and conferences, and the facts it was derived from (which
    also explain why something once owed no longer is)."""

    owed: dict[Key, Owed]
    meetings: dict[int, Meeting]
    conferences: dict[int, Conference]
    #: Terms of the collaboratives concerned, by collaborative.
    terms: dict[int, list[Appointment]]
    #: (person, conference) → the collaboratives whose meetings beside it they said they are going to.
    going: dict[tuple[int, int], set[int]] = field(default_factory=dict)
    #: (person, conference) of those who said they are going to a meeting beside it since cancelled.
    going_to_cancelled: set[tuple[int, int]] = field(default_factory=set)

    def why_withdrawn(self, kind: str, person: Person, collaborative: Collaborative, school_id: int,
                      meeting_id: int | None, conference_id: int, first_day: date) -> str:
        """Why an obligation the facts no longer make is withdrawn, in a sentence."""
        if kind == ObligationKind.RELEASE:
            meeting = self.meetings.get(meeting_id) if meeting_id is not None else None
            if meeting is None:
                return "the planning meeting was deleted"
            if meeting.status == MeetingStatus.CANCELLED:
                return f"the meeting “{meeting.title}” was cancelled"
            if not is_planning(meeting):
                return f"“{meeting.title}” is no longer a planning meeting beside a conference (S2)"
            day = meeting.local_start.date()
        else:
            conf = self.conferences.get(conference_id)
            if conf is None:
                return "the conference was removed"
            day = conf.starts_on
        school = self._school_reason(person, school_id, day)
        if school:
            return school
        if kind == ObligationKind.ATTENDANCE:
            conf = self.conferences[conference_id]
            if collaborative.id not in {c.id for c in conf.featured}:
                return f"the {conf.name} no longer features the {collaborative_title(collaborative.name)}"
            if any(t.person_id == person.id for t in self.terms.get(collaborative.id, [])):
                return self._term_reason(person, collaborative, day)
            if (person.id, conference_id) in self.going_to_cancelled:
                return f"the meeting beside it that {person.name} said they are going to was cancelled"
            return f"{person.name} no longer says they are going"
        return self._term_reason(person, collaborative, day)

    def _school_reason(self, person: Person, school_id: int, day: date) -> str | None:
        if person.school_id != school_id:
            where = person.school.name if person.school is not None else "no member school"
            return f"{person.name} moved to {where}"
        school = person.school
        if school is not None and member_school_on(person, day) is None:
            return f"{school.name}'s membership lapsed on {day_text(school.lapsed_on)} (N2)"
        return None

    def _serves(self, person_id: int, collab_id: int, day: date) -> bool:
        return any(t.person_id == person_id and t.is_current(day) for t in self.terms.get(collab_id, []))

    def _term_reason(self, person: Person, collaborative: Collaborative, day: date) -> str:
        core = f"the {collaborative.name.removesuffix(' Collaborative')} Core"
        ended = [t for t in self.terms.get(collaborative.id, []) if t.person_id == person.id
                 and t.starts_on <= day and t.last_day < day]
        if ended:
            last = max(ended, key=lambda t: t.last_day)
            how = "ended early" if last.ended_early else "ended"
            return f"{person.name}'s term on {core} {how} on {day_text(last.last_day)}, before {day_text(day)}"
        return f"{person.name} is not on {core} on {day_text(day)}"


def derive(db: Session, meetings: list[Meeting], conferences: list[Conference]) -> Derivation:
    """O1 for every one of ``meetings`` and O2 for every one of ``conferences``, in a fixed number of
    queries: the terms of their collaboratives, and the answers "going" to meetings beside them."""
    planning = [m for m in meetings if is_planning(m)]
    collab_days: dict[int, list[date]] = defaultdict(list)
    for m in meetings:
        collab_days[m.collaborative_id].append(m.local_start.date())
    for conf in conferences:
        for c in conf.featured:
            collab_days[c.id].append(conf.starts_on)
    terms: dict[int, list[Appointment]] = defaultdict(list)
    if collab_days:
        days = [d for ds in collab_days.values() for d in ds]
        for t in cores.terms_overlapping(db, collab_days, date.min, max(days)):
            terms[t.collaborative_id].append(t)
    owed: dict[Key, Owed] = {}
    for m in planning:
        for o in _releases(m, terms.get(m.collaborative_id, [])):
            owed[o.key] = o
    going, going_to_cancelled = _going(db, [c.id for c in conferences])
    people = _people(db, {p for p, _ in going})
    for conf in conferences:
        for o in _attendances(conf, terms, going, people):
            owed[o.key] = o
    return Derivation(owed, {m.id: m for m in meetings}, {c.id: c for c in conferences}, terms, going,
                      going_to_cancelled)


def _releases(meeting: Meeting, terms: list[Appointment]) -> list[Owed]:
    """O1: each Core member that day, of a member school, is released for the planning meeting. C9:
    the school's support starts with the term, so a term that begins after the day owes nothing."""
    day = meeting.local_start.date()
    out = []
    for t in terms:
        school = member_school_on(t.person, day) if t.is_current(day) else None
        if school is None:
            continue
        collab = collaborative_title(meeting.collaborative.name)
        out.append(Owed(
            ObligationKind.RELEASE, t.person_id, school.id, meeting.collaborative_id, meeting.conference_id,
            meeting.id, day, day, RELEASE_SUPPORT,
            f"{t.person.name} serves on the {collab}'s Core, whose one-day planning meeting “{meeting.title}” is "
            f"held beside the {meeting.conference.name}; a member school releases its Core members for it (O1)."))
    return out


def _going(db: Session, conference_ids: list[int]) -> tuple[dict[tuple[int, int], set[int]], set[tuple[int, int]]]:
    """Who said they are going to a published meeting beside each conference, and of which
    collaborative; and who said so of a meeting since cancelled."""
    out: dict[tuple[int, int], set[int]] = defaultdict(set)
    cancelled: set[tuple[int, int]] = set()
    if not conference_ids:
        return out, cancelled
    for person_id, conference_id, collab_id, status in db.execute(
            select(Rsvp.person_id, Meeting.conference_id, Meeting.collaborative_id, Meeting.status)
            .join(Meeting, Meeting.id == Rsvp.meeting_id)
            # O2 is for the collaborative's members: an answer of someone who has left it no longer counts.
            .join(Membership, and_(Membership.person_id == Rsvp.person_id,
                                   Membership.collaborative_id == Meeting.collaborative_id,
                                   Membership.left_on.is_(None)))
            .where(Meeting.conference_id.in_(conference_ids), Meeting.status != MeetingStatus.DRAFT,
                   Rsvp.answer == RsvpAnswer.GOING).distinct()):
        if status == MeetingStatus.PUBLISHED:
            out[(person_id, conference_id)].add(collab_id)
        else:
            cancelled.add((person_id, conference_id))
    return out, cancelled


def _people(db: Session, ids: set[int]) -> dict[int, Person]:
    if not ids:
        return {}
    return {p.id: p for p in db.scalars(select(Person).where(Person.id.in_(sorted(ids))))}


def _attendances(conf: Conference, terms: dict[int, list[Appointment]], going: dict[tuple[int, int], set[int]],
                 people: dict[int, Person]) -> list[Owed]:
    """O2: one per person and conference: the Core members (on its first day) of each collaborative it
    features, and the members of those who said they are going to a meeting beside it. The
    collaborative named is one whose Core they serve on, else one whose meeting they are going to."""
    day = conf.starts_on
    featured = sorted(conf.featured, key=lambda c: c.name)
    reasons: dict[int, tuple[Person, Collaborative, bool]] = {}
    for c in featured:
        for t in terms.get(c.id, []):
            if t.is_current(day) and t.person_id not in reasons:
                reasons[t.person_id] = (t.person, c, True)
    featured_ids = {c.id: c for c in featured}
    for (person_id, conference_id), collab_ids in sorted(going.items()):
        if conference_id != conf.id or person_id in reasons or person_id not in people:
            continue
        mine = [featured_ids[i] for i in collab_ids if i in featured_ids]
        if mine:
            reasons[person_id] = (people[person_id], min(mine, key=lambda c: c.name), False)
    out = []
    for person_id, (person, collab, core) in sorted(reasons.items()):
        school = member_school_on(person, day)
        if school is None:
            continue
        title = collaborative_title(collab.name)
        basis = (f"{person.name} serves on the {title}'s Core" if core
                 else f"{person.name}, a member of the {title}, said they are going")
        out.append(Owed(
            ObligationKind.ATTENDANCE, person_id, school.id, collab.id, conf.id, None, conf.starts_on, conf.ends_on,
            ATTENDANCE_SUPPORT,
            f"{basis}, and the {conf.name} features the {title}; within its budget a school supports its Core "
            "members' and members' attendance (O2)."))
    return out
