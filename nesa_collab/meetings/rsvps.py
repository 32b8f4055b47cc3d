"""Answers to meetings (M4, S2): members and Core members say whether they are going to a published
meeting, or to one occurrence of a series, with an optional note. The meeting page shows who is
coming, the Core sees which of its members have not answered, and the headcount Center staff cater
for follows the answers.

Answers are keyed like minutes: by the occurrence's start as the series' rule generates it (a single
meeting: its start), so they follow the occurrence when the series is edited.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from ..audit.services import record
from ..auth.models import Person
from ..cores import services as cores
from ..errors import DomainError
from ..permissions import Actor, require, require_visible
from . import feed_versions, times
from .models import Meeting, Rsvp, RsvpAnswer

#: What higher domains do when someone answers a meeting, in the same transaction: each is called as
#: ``listener(db, rsvp)``. ``create_app`` installs them (O2: going to a meeting beside a conference
#: that features the collaborative makes the school owe support for the attendance).
RSVP_LISTENERS: list[Callable[[Session, Rsvp], None]] = []


def _occurrence(meeting: Meeting, occurrence: datetime | None, now: datetime) -> times.Occurrence:
    """M4: the occurrence an answer is for: one the meeting has (a single meeting: its only one,
    which ``None`` names too), not cancelled, not yet ended."""
    if meeting.is_draft or meeting.is_cancelled:
        raise DomainError("M4", "answers are for published meetings", field="answer")
    if occurrence is None:
        if meeting.is_recurring:
            raise DomainError("M4", "name the occurrence of the series you answer for (its start, e.g. "
                              f"{meeting.local_start:%Y-%m-%dT%H:%M})", field="occurrence")
        occurrence = meeting.local_start
    chosen = times.occurrence_at(meeting, occurrence)
    if chosen is None:
        raise DomainError("M4", f"the meeting has no occurrence at {occurrence:%-d %b %Y %H:%M}", field="occurrence")
    if chosen.is_cancelled:
        raise DomainError("M4", f"the occurrence of {chosen.local_start:%-d %b %Y} is cancelled", field="occurrence")
    if chosen.ends_at <= now:
        raise DomainError("M4", f"the occurrence of {chosen.local_start:%-d %b %Y} has ended", field="occurrence")
    return chosen


def answer(db: Session, actor: Actor, meeting: Meeting, occurrence: datetime | None, answer: str,
           note: str = "", *, now: datetime) -> Rsvp:
    """M4/S2: ``actor`` (a member or Core member of the meeting's collaborative) answers for one
    occurrence: going, not going or maybe. Answering again replaces the answer."""
    require_visible(actor, "meeting.view", meeting)
    require(actor, "rsvp.answer", meeting)
    try:
        answer = RsvpAnswer(answer)
    except ValueError:
        raise DomainError("M4", "answer going, not_going or maybe", field="answer") from None
    note = (note or "").strip()
    if len(note) > 500:
        raise DomainError("M4", "keep the note under 500 characters", field="note")
    key = _occurrence(meeting, occurrence, now).original_start
    row = db.scalar(select(Rsvp).where(Rsvp.meeting_id == meeting.id, Rsvp.occurrence_start == key,
                                       Rsvp.person_id == actor.id))
    before = {"answer": row.answer.value, "note": row.note} if row is not None else None
    if row is None:
        row = Rsvp(meeting_id=meeting.id, occurrence_start=key, person_id=actor.id)
        db.add(row)
    row.answer, row.note, row.answered_at = answer, note, now
    when = f" ({key:%a %-d %b %Y})" if meeting.is_recurring else ""
    record(db, actor, "meeting.rsvp", meeting, f"{actor.person.name} answered {answer.label.lower()} to "
           f"{meeting.title}{when}", before=before,
           after={"occurrence": key.isoformat(), "answer": answer.value, "note": note},
           collaborative_id=meeting.collaborative_id)
    feed_versions.bump_person(db, actor.id)  # M5: their own feed carries their answer
    for listener in RSVP_LISTENERS:
        listener(db, row)
    return row


@dataclass
class Answers:
    """Who answered what for one occurrence, and (for the Core) which Core members have not."""

    occurrence: times.Occurrence
    rows: list[Rsvp]
    mine: Rsvp | None
    #: Core members on the occurrence's day who have not answered (None: not shown to this viewer).
    unanswered_core: list[Person] | None

    def count(self, answer: RsvpAnswer) -> int:
        return sum(1 for r in self.rows if r.answer == answer)

    @property
    def going(self) -> list[Rsvp]:
        return [r for r in self.rows if r.answer == RsvpAnswer.GOING]


def answers_for(db: Session, actor: Actor | None, meeting: Meeting, occurrence: times.Occurrence,
                *, can_edit: bool) -> Answers:
    """M4: the answers to one occurrence, for signed-in people who may see the meeting; the Core
    (``can_edit``: the meeting's editors) also sees who of the Core has not answered."""
    require_visible(actor, "rsvp.view", meeting)
    key = occurrence.original_start
    rows = list(db.scalars(select(Rsvp).join(Rsvp.person)
                           .where(Rsvp.meeting_id == meeting.id, Rsvp.occurrence_start == key)
                           .order_by(Rsvp.answer, Person.name)))
    mine = next((r for r in rows if r.person_id == actor.id), None)
    unanswered = None
    if can_edit:
        require(actor, "meeting.edit", meeting.collaborative)
        answered = {r.person_id for r in rows}
        core = cores.current_core(db, meeting.collaborative_id, occurrence.local_start.date())
        unanswered = sorted({t.person_id: t.person for t in core if t.person_id not in answered}.values(),
                            key=lambda p: p.name)
    return Answers(occurrence, rows, mine, unanswered)


def answerable(meeting: Meeting, now: datetime, limit: int = 12) -> list[times.Occurrence]:
    """The occurrences one may still answer for (published, not cancelled, not ended), soonest first."""
    if meeting.is_draft or meeting.is_cancelled:
        return []
    return [o for o in times.expand(meeting) if not o.is_cancelled and o.ends_at > now][:limit]


def going_counts(db: Session, keys: list[tuple[int, datetime]]) -> dict[tuple[int, datetime], int]:
    """S2: how many answered "going", for each (meeting id, occurrence key), in one query."""
    if not keys:
        return {}
    rows = db.execute(select(Rsvp.meeting_id, Rsvp.occurrence_start, Rsvp.answer)
                      .where(tuple_(Rsvp.meeting_id, Rsvp.occurrence_start).in_(keys))).all()
    return dict(Counter((m, k) for m, k, a in rows if a == RsvpAnswer.GOING))


def answered(db: Session, person_id: int, meeting_ids: list[int]) -> dict[tuple[int, datetime], Rsvp]:
    """A person's answers to these meetings, by (meeting id, occurrence key) (their own feed)."""
    if not meeting_ids:
        return {}
    rows = db.scalars(select(Rsvp).where(Rsvp.person_id == person_id, Rsvp.meeting_id.in_(meeting_ids)))
    return {(r.meeting_id, r.occurrence_start): r for r in rows}


def follow(db: Session, meeting: Meeting, old_start: datetime, old_rule: str | None, old_until: date | None) -> None:
    """M4: when a meeting is edited, its answers follow their occurrences; answers for occurrences
    the edited meeting no longer has are removed (there is nothing left to go to)."""
    if (meeting.local_start, meeting.rrule, meeting.repeat_until) == (old_start, old_rule, old_until):
        return
    rows = list(db.scalars(select(Rsvp).where(Rsvp.meeting_id == meeting.id)))
    if not rows:
        return
    mapping, lost = times.follow_keys(meeting, {r.occurrence_start for r in rows}, old_start, old_rule)
    for r in rows:
        if r.occurrence_start in lost:
            db.delete(r)
        elif r.occurrence_start in mapping:
            r.occurrence_start = mapping[r.occurrence_start]

