"""Minutes and attendance (M4): after an occurrence of a meeting has started, its collaborative's Core
records who attended and what was said; signed-in people who may see the meeting read them.

Each occurrence keeps its own minutes and attendance, keyed by its start as the series' rule
generates it, in the series' wall time (a moved occurrence keeps its key; a single meeting: its start).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..audit.services import record
from ..auth.models import Person
from ..permissions import Actor, can, require, require_visible
from ..cores import services as cores
from ..errors import DomainError, NotFound
from ..network.models import Membership
from . import times
from .models import Attendance, AttendanceStatus, Meeting, MeetingMinutes

ATTENDANCE_STATUSES = tuple(AttendanceStatus)


def expected_people(db: Session, collab_id: int, day: date) -> list[Person]:
    """M4: who is expected at a meeting of a collaborative on ``day``: its current members and its Core
    that day, by name (the attendance sheet; the cross-zone aid). The services that show them check
    who is asking."""
    member_ids = select(Membership.person_id).where(Membership.collaborative_id == collab_id,
                                                    Membership.left_on.is_(None))
    return list(db.scalars(select(Person).where(or_(Person.id.in_(cores.core_people_query(collab_id, day)),
                                                    Person.id.in_(member_ids)))
                           .order_by(Person.name, Person.id)))


# --- reading ---------------------------------------------------------------------------------------

def _row(db: Session, meeting: Meeting, key: datetime) -> MeetingMinutes | None:
    return db.scalar(select(MeetingMinutes).where(MeetingMinutes.meeting_id == meeting.id,
                                                  MeetingMinutes.occurrence_start == key))


def _marks(db: Session, meeting: Meeting, key: datetime) -> dict[int, str]:
    return dict(db.execute(select(Attendance.person_id, Attendance.status)
                           .where(Attendance.meeting_id == meeting.id, Attendance.occurrence_start == key)).all())


def _attendance(db: Session, meeting: Meeting, key: datetime) -> list[Attendance]:
    return list(db.scalars(select(Attendance).join(Attendance.person)
                           .where(Attendance.meeting_id == meeting.id, Attendance.occurrence_start == key)
                           .order_by(Person.name)))


def minutes_of(db: Session, actor: Actor | None, meeting: Meeting, occurrence_start: datetime) -> MeetingMinutes | None:
    """M4: the minutes of one occurrence (None: not recorded), for signed-in people who may see the meeting."""
    require_visible(actor, "minutes.view", meeting)
    return _row(db, meeting, occurrence_start)


def minutes_by_occurrence(db: Session, actor: Actor | None, meeting: Meeting) -> dict[datetime, MeetingMinutes]:
    """M4: every recorded set of minutes of ``meeting``, by occurrence (one query)."""
    require_visible(actor, "minutes.view", meeting)
    rows = db.scalars(select(MeetingMinutes).where(MeetingMinutes.meeting_id == meeting.id)
                      .order_by(MeetingMinutes.occurrence_start))
    return {m.occurrence_start: m for m in rows}


def attendance_of(db: Session, actor: Actor | None, meeting: Meeting, occurrence_start: datetime) -> dict[int, str]:
    """M4: who attended the occurrence, by person id."""
    require_visible(actor, "minutes.view", meeting)
    return _marks(db, meeting, occurrence_start)


def attendance_list(db: Session, actor: Actor | None, meeting: Meeting, occurrence_start: datetime) -> list[Attendance]:
    """M4: the occurrence's attendance with each person, by name."""
    require_visible(actor, "minutes.view", meeting)
    return _attendance(db, meeting, occurrence_start)


def occurrence_minutes(db: Session, actor: Actor | None, meeting: Meeting,
                       occurrence: datetime) -> tuple[times.Occurrence, MeetingMinutes | None]:
    """M4: the occurrence named by its key and its minutes (None: not recorded); NotFound for an
    occurrence the meeting does not have."""
    require_visible(actor, "minutes.view", meeting)
    found = times.occurrence_at(meeting, occurrence)
    if found is None:
        raise NotFound()
    return found, _row(db, meeting, found.original_start)


@dataclass
class MinutesSheet:
    """M4: what the minutes page shows of one occurrence, and, for its Core, the attendance sheet."""

    meeting: Meeting
    occurrence: times.Occurrence
    row: MeetingMinutes | None
    #: The attendance recorded, by name.
    recorded: list[Attendance]
    #: Whether this person records the minutes of the meeting.
    can_record: bool
    #: Why the occurrence's minutes cannot be recorded now (None: they can).
    refusal: str | None
    #: For those who record: the people expected that day, and the marks recorded (by person id).
    people: list[Person] = field(default_factory=list)
    marks: dict[int, str] = field(default_factory=dict)


def minutes_sheet(db: Session, actor: Actor | None, meeting: Meeting, occurrence: datetime | None,
                  now: datetime) -> MinutesSheet:
    """M4: the minutes page of one occurrence of ``meeting``: the one named by its key, or by default
    a single meeting's only one, or a series' latest that has started by ``now``. NotFound for an
    occurrence the meeting does not have."""
    if occurrence is None:
        latest = times.latest_occurrence(meeting, now) if meeting.is_recurring else None
        occurrence = latest.original_start if latest else meeting.local_start
    found, row = occurrence_minutes(db, actor, meeting, occurrence)
    key = found.original_start
    try:
        recordable_occurrence(meeting, key, now)
        refusal = None
    except DomainError as exc:
        refusal = str(exc)
    sheet = MinutesSheet(meeting, found, row, _attendance(db, meeting, key),
                         can(actor, "meeting.edit", meeting.collaborative), refusal)
    if sheet.can_record:
        sheet.people = expected_people(db, meeting.collaborative_id, found.local_start.date())
        sheet.marks = _marks(db, meeting, key)
    return sheet


# --- recording ---------------------------------------------------------------------------------------

def occurrence_to_record(meeting: Meeting, occurrence: datetime | None) -> times.Occurrence:
    """M4: the occurrence a minutes form is about (a single meeting's only one when none is named);
    refused when the meeting has no such occurrence."""
    found = times.occurrence_at(meeting, occurrence or meeting.local_start)
    if found is None:
        _no_such_occurrence(meeting, occurrence or meeting.local_start)
    return found


def _no_such_occurrence(meeting: Meeting, occurrence: datetime) -> None:
    wanted = times.wall_time(occurrence, meeting.time_zone)
    if meeting.is_recurring:
        raise DomainError("M4", f"the series has no occurrence at {wanted:%-d %b %Y %H:%M}", field="occurrence")
    raise DomainError("M4", f"the meeting starts at {meeting.local_start:%-d %b %Y %H:%M}, not at "
                      f"{wanted:%-d %b %Y %H:%M}", field="occurrence")


def recordable_occurrence(meeting: Meeting, occurrence: datetime | None, now: datetime) -> times.Occurrence:
    """M4: the occurrence minutes and attendance may be recorded for: one the meeting has (a single
    meeting: its only one, which ``None`` names too), not cancelled, that has started."""
    if meeting.is_draft or meeting.is_cancelled:
        raise DomainError("M4", "minutes are kept for published meetings that took place", field="minutes")
    if occurrence is None:
        if meeting.is_recurring:
            raise DomainError("M4", "name the occurrence of the series the minutes are for (its start, e.g. "
                              f"{meeting.local_start:%Y-%m-%dT%H:%M})", field="occurrence")
        occurrence = meeting.local_start
    chosen = times.occurrence_at(meeting, occurrence)
    if chosen is None:
        _no_such_occurrence(meeting, occurrence)
    wanted = times.wall_time(occurrence, meeting.time_zone)
    if chosen.is_cancelled:
        raise DomainError("M4", f"the occurrence of {wanted:%-d %b %Y} was cancelled", field="occurrence")
    if chosen.starts_at > now:
        raise DomainError("M4", f"the occurrence of {chosen.local_start:%-d %b %Y} has not started yet; "
                          "record its minutes and attendance after it starts", field="occurrence")
    return chosen


def record_minutes(db: Session, actor: Actor, meeting: Meeting, text: str, attendance: dict[int, str], *,
                   now: datetime, occurrence: datetime | None = None) -> MeetingMinutes:
    """M4: after an occurrence has started, the Core records who attended it and its minutes.

    ``occurrence`` is the occurrence's start as the series' rule generates it (a moved occurrence
    keeps it); a single meeting may leave it out. Each occurrence keeps its own minutes and
    attendance; recording again replaces that occurrence's. An occurrence the meeting does not have,
    a cancelled one or one still to come is refused, and nothing is written.
    """
    require(actor, "meeting.edit", meeting.collaborative)
    target = recordable_occurrence(meeting, occurrence, now)
    key = target.original_start
    if any(s not in ATTENDANCE_STATUSES for s in attendance.values()):
        raise DomainError("M4", "attendance is present, apologies or absent", field="attendance")
    known = db.scalars(select(Person.id).where(Person.id.in_(list(attendance)))).all() if attendance else []
    if len(known) != len(attendance):
        raise DomainError("M4", "attendance names someone who is not in the network", field="attendance")
    row = _row(db, meeting, key)
    before = None
    if row is not None:
        before = {"occurrence": key.isoformat(), "minutes": row.text,
                  "attendance": {str(k): v for k, v in _marks(db, meeting, key).items()}}
    rows = {a.person_id: a for a in db.scalars(select(Attendance).where(Attendance.meeting_id == meeting.id,
                                                                        Attendance.occurrence_start == key))}
    for person_id, status in attendance.items():
        existing = rows.pop(person_id, None)
        if existing is None:
            db.add(Attendance(meeting_id=meeting.id, occurrence_start=key, person_id=person_id, status=status))
        else:
            existing.status = status
    for existing in rows.values():
        db.delete(existing)
    if row is None:
        row = MeetingMinutes(meeting_id=meeting.id, occurrence_start=key)
        db.add(row)
    row.text = (text or "").strip()
    row.recorded_at = now
    row.recorded_by_id = actor.id
    # Minutes are in no calendar: the meeting itself (and so its feed entry and ETag) is unchanged.
    of = f" ({target.local_start:%a %-d %b %Y})" if meeting.is_recurring else ""
    record(db, actor, "meeting.minutes", meeting, f"Recorded minutes and attendance of {meeting.title}{of}",
           before=before, after={"occurrence": key.isoformat(), "minutes": row.text,
                                 "attendance": {str(k): v for k, v in attendance.items()}},
           collaborative_id=meeting.collaborative_id)
    return row


# --- when a meeting is edited ----------------------------------------------------------------------------

def recorded_occurrences(db: Session, meeting: Meeting) -> list[datetime]:
    """M4: the occurrences of ``meeting`` that have minutes or attendance recorded (they took place)."""
    keys = set(db.scalars(select(MeetingMinutes.occurrence_start).where(MeetingMinutes.meeting_id == meeting.id)))
    keys |= set(db.scalars(select(Attendance.occurrence_start).where(Attendance.meeting_id == meeting.id)))
    return sorted(keys)


def rekey(db: Session, meeting: Meeting, old_start: datetime, old_rule: str | None, old_until: date | None) -> None:
    """M4: when a meeting is edited, its minutes and attendance follow their occurrences.

    A single meeting has one occurrence: its minutes move with its start. In a series they move
    like its moved and cancelled occurrences: by the change of time of day. An edit after which an
    occurrence with minutes would no longer exist is refused.
    """
    if (meeting.local_start, meeting.rrule, meeting.repeat_until) == (old_start, old_rule, old_until):
        return
    keys = recorded_occurrences(db, meeting)
    if not keys:
        return
    mapping, lost = times.follow_keys(meeting, keys, old_start, old_rule)
    if lost:
        raise DomainError("M4", "the changed meeting would no longer have the occurrences of "
                          + ", ".join(f"{k:%-d %b %Y}" for k in lost)
                          + ", which have minutes and attendance; keep them in the meeting or schedule "
                          "a new one", field="rrule" if meeting.is_recurring else "starts")
    if not mapping:
        return
    for row in db.scalars(select(MeetingMinutes).where(MeetingMinutes.meeting_id == meeting.id)):
        row.occurrence_start = mapping.get(row.occurrence_start, row.occurrence_start)
    for row in db.scalars(select(Attendance).where(Attendance.meeting_id == meeting.id)):
        row.occurrence_start = mapping.get(row.occurrence_start, row.occurrence_start)
