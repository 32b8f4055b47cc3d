"""Planning meetings and headcounts (S2): a face-to-face Core meeting held within a day of a
conference is a planning meeting; Center staff see each one with the number of people to cater for."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, lazyload

from ..audit.services import record
from ..cores import services as cores
from ..cores.models import Appointment
from ..errors import DomainError
from ..permissions import Actor, require
from . import services
from .models import (CALENDAR_STATUSES, Attendance, Conference, Meeting, MeetingStatus, PlanningSupport, Rsvp,
                     RsvpAnswer, SupportStatus)


def refresh_planning(db: Session, conf: Conference) -> list[int]:
    """S2: when a conference's dates move, its meetings are judged planning meetings again. Returns
    the ids of the meetings whose judgement changed."""
    db.flush()
    changed = []
    for meeting in db.scalars(select(Meeting).where(Meeting.conference_id == conf.id)):
        planning = meeting.beside(conf)
        if planning != meeting.is_planning:
            meeting.is_planning = planning
            meeting.touch()
            changed.append(meeting.id)
    return changed


@dataclass(frozen=True)
class Headcount:
    """S2: how many people to cater for, and where the number comes from: ``attended`` (recorded
    after the meeting), ``answers`` (how many said they are going), or ``core`` (nobody has answered
    yet: the size of the Core that day, an estimate)."""

    count: int
    source: str

    @property
    def is_estimate(self) -> bool:
        return self.source == "core"

    def __str__(self) -> str:
        return str(self.count)


def headcounts(db: Session, actor: Actor, meetings: list[Meeting]) -> dict[int, Headcount]:
    """S2: for each meeting, what Center staff cater for: once recorded, how many attended; else how
    many answered that they are going, if anyone answered; else the size of its collaborative's Core
    on the meeting day, marked as an estimate. A fixed number of queries."""
    require(actor, "conference.manage")
    if not meetings:
        return {}
    days = [m.local_start.date() for m in meetings]
    # The terms' spans only, as columns: a Core's size is a count, not its members loaded as objects.
    terms = db.execute(select(Appointment.collaborative_id, Appointment.starts_on,
                              func.coalesce(Appointment.ended_on, Appointment.ends_on))
                       .where(Appointment.collaborative_id.in_({m.collaborative_id for m in meetings}),
                              cores.term_overlaps(min(days), max(days)))).all()
    # Planning meetings are face to face, so never a series: their one occurrence is their start.
    ids = [m.id for m in meetings]
    present = dict(db.execute(select(Attendance.meeting_id, func.count())
                              .join(Meeting, Meeting.id == Attendance.meeting_id).where(
        Attendance.meeting_id.in_(ids), Attendance.occurrence_start == Meeting.local_start,
        Attendance.status == "present").group_by(Attendance.meeting_id)).all())
    answers: dict[int, Counter] = {}
    for meeting_id, answer, n in db.execute(
            select(Rsvp.meeting_id, Rsvp.answer, func.count()).join(Meeting, Meeting.id == Rsvp.meeting_id)
            .where(Rsvp.meeting_id.in_(ids), Rsvp.occurrence_start == Meeting.local_start)
            .group_by(Rsvp.meeting_id, Rsvp.answer)):
        answers.setdefault(meeting_id, Counter())[answer] = n
    out = {}
    for m in meetings:
        day = m.local_start.date()
        if present.get(m.id):
            out[m.id] = Headcount(present[m.id], "attended")
        elif m.id in answers:
            out[m.id] = Headcount(answers[m.id][RsvpAnswer.GOING], "answers")
        else:
            out[m.id] = Headcount(sum(1 for collab_id, first, last in terms if collab_id == m.collaborative_id
                                      and first <= day <= last), "core")
    return out


def planning_meetings(db: Session, actor: Actor | None, conference_ids: Iterable[int], *,
                      in_calendars_only: bool = False) -> list[Meeting]:
    """S2: the planning meetings beside these conferences that ``actor`` may see (M2), by start
    (only those in calendars, published or cancelled, with ``in_calendars_only``)."""
    stmt = services.meetings_query(actor).where(Meeting.is_planning.is_(True),
                                                Meeting.conference_id.in_(list(conference_ids)))
    if in_calendars_only:
        stmt = stmt.where(Meeting.status.in_(CALENDAR_STATUSES))
    return list(db.scalars(stmt).unique())


@dataclass(frozen=True)
class Catering:
    """S2: one coming conference on Center staff's home page: its first planning meetings (by start)
    and how many it has in calendars in all."""

    conference: Conference
    meetings: list[Meeting]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.meetings)


#: How many planning meetings of each coming conference the home page lists (the support sheet has all).
CATERING_SHOWN = 5


def catering(db: Session, actor: Actor, today: date, conferences: int = 3, per_conference: int = CATERING_SHOWN
             ) -> tuple[list[Catering], dict[int, Headcount]]:
    """S2: for Center staff, the next ``conferences`` conferences (from ``today``), each with how many
    planning meetings in calendars it has and the first ``per_conference`` of them with their
    headcounts: a fixed number of queries, whatever the number of meetings."""
    require(actor, "conference.manage")
    confs = list(db.scalars(select(Conference).where(Conference.ends_on >= today)
                            .order_by(Conference.starts_on).limit(conferences)))
    ids = [c.id for c in confs]
    if not ids:
        return [], {}
    beside = (Meeting.is_planning.is_(True), Meeting.conference_id.in_(ids), Meeting.status.in_(CALENDAR_STATUSES),
              services.visible_meetings(actor))
    totals = dict(db.execute(select(Meeting.conference_id, func.count()).join(Meeting.collaborative)
                             .where(*beside).group_by(Meeting.conference_id)).all())
    rank = func.row_number().over(partition_by=Meeting.conference_id, order_by=(Meeting.starts_at, Meeting.id))
    ranked = select(Meeting.id, rank.label("rank")).join(Meeting.collaborative).where(*beside).subquery()
    # The organizer is not shown: not loaded (with their roles) for each meeting.
    meetings = list(db.scalars(select(Meeting).where(Meeting.id.in_(select(ranked.c.id)
                                                                    .where(ranked.c.rank <= per_conference)))
                               .options(lazyload(Meeting.organizer)).order_by(Meeting.starts_at, Meeting.id))
                    .unique())
    return ([Catering(c, [m for m in meetings if m.conference_id == c.id], totals.get(c.id, 0)) for c in confs],
            headcounts(db, actor, meetings))


# --- meeting support at the conference hotel (S2) ------------------------------------------------------

@dataclass
class SupportLine:
    """One planning meeting as Center staff arrange it: when, who, how many, the room and refreshments."""

    meeting: Meeting
    headcount: Headcount
    room: str
    coffee: bool
    lunch: bool
    status: SupportStatus
    notes: str
    updated_at: datetime | None

    @property
    def day(self) -> date:
        return self.meeting.local_start.date()


def support_sheet(db: Session, actor: Actor, conf: Conference) -> list[SupportLine]:
    """S2: the planning meetings beside ``conf`` (in calendars: published or cancelled), by start, each
    with its headcount, room, refreshments and status — the run sheet and the hotel's list. A fixed
    number of queries."""
    require(actor, "conference.manage")
    meetings = planning_meetings(db, actor, [conf.id], in_calendars_only=True)
    counts = headcounts(db, actor, meetings)
    rows = {s.meeting_id: s for s in db.scalars(select(PlanningSupport).where(
        PlanningSupport.meeting_id.in_([m.id for m in meetings])))} if meetings else {}
    out = []
    for m in meetings:
        s = rows.get(m.id)
        out.append(SupportLine(m, counts[m.id], s.room if s else "", s.coffee if s else True,
                               s.lunch if s else True, s.status if s else SupportStatus.REQUESTED,
                               s.notes if s else "", s.updated_at if s else None))
    return out


def set_support(db: Session, actor: Actor, meeting: Meeting, *, room: str, coffee: bool, lunch: bool,
                status: str, notes: str = "", now: datetime) -> PlanningSupport:
    """S2: Center staff record the room and refreshments for a planning meeting and where they are
    with it (``requested`` → ``arranged``)."""
    require(actor, "conference.manage")
    if not meeting.is_planning or meeting.is_draft:
        raise DomainError("S2", "support is arranged for published planning meetings beside a conference",
                          field="meeting")
    try:
        status = SupportStatus(status)
    except ValueError:
        raise DomainError("S2", "the status is requested or arranged", field="status") from None
    room = (room or "").strip()
    if len(room) > 200:
        raise DomainError("S2", "keep the room under 200 characters", field="room")
    if status == SupportStatus.ARRANGED and not room:
        raise DomainError("S2", "name the room before marking the support arranged", field="room")
    row = db.scalar(select(PlanningSupport).where(PlanningSupport.meeting_id == meeting.id))
    before = _support_picture(row) if row else None
    if row is None:
        row = PlanningSupport(meeting_id=meeting.id)
        db.add(row)
    row.room, row.coffee, row.lunch, row.status = room, bool(coffee), bool(lunch), status
    row.notes, row.updated_at, row.updated_by_id = (notes or "").strip(), now, actor.id
    after = _support_picture(row)
    if after != before:
        record(db, actor, "meeting.support", meeting, f"Support for {meeting.title} ({meeting.collaborative.name}): "
               f"{status.value}", before=before, after=after, collaborative_id=meeting.collaborative_id)
    return row


def _support_picture(row: PlanningSupport) -> dict:
    return {"room": row.room, "coffee": row.coffee, "lunch": row.lunch, "status": SupportStatus(row.status).value,
            "notes": row.notes}


SUPPORT_CSV_COLUMNS = ["day", "start", "end", "time zone", "collaborative", "meeting", "room", "headcount",
                       "headcount from", "coffee", "lunch", "status", "notes"]


def support_csv(lines: list[SupportLine]) -> str:
    """S2: the hotel's list, one row per planning meeting (local times in the conference's zone)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(SUPPORT_CSV_COLUMNS)
    for line in lines:
        m = line.meeting
        writer.writerow([m.local_start.date().isoformat(), f"{m.local_start:%H:%M}", f"{m.local_end:%H:%M}",
                         m.time_zone, m.collaborative.name, m.title + (" (cancelled)" if m.is_cancelled else ""),
                         line.room, line.headcount.count, line.headcount.source, "yes" if line.coffee else "no",
                         "yes" if line.lunch else "no", line.status.value, line.notes])
    return out.getvalue()


@dataclass(frozen=True)
class Unarranged:
    """S2: a conference still to come with published planning meetings whose room and refreshments are
    not arranged yet, and how many."""

    slug: str
    name: str
    meetings: int


def unarranged(db: Session, actor: Actor, today: date, limit: int = 3) -> tuple[list[Unarranged], int]:
    """S2: for Center staff, the ``limit`` soonest conferences still to come with published planning
    meetings whose room and refreshments are not yet arranged, and how many such conferences there are
    in all (two aggregate queries)."""
    require(actor, "conference.manage")
    arranged = select(PlanningSupport.meeting_id).where(PlanningSupport.status == SupportStatus.ARRANGED)
    waiting = (select(Conference.id, Conference.slug, Conference.name, func.count(Meeting.id))
               .join(Meeting, Meeting.conference_id == Conference.id)
               .where(Conference.ends_on >= today, Meeting.is_planning.is_(True),
                      Meeting.status == MeetingStatus.PUBLISHED, Meeting.id.not_in(arranged))
               .group_by(Conference.id, Conference.slug, Conference.name))
    total = db.scalar(select(func.count()).select_from(waiting.subquery())) or 0
    rows = db.execute(waiting.order_by(Conference.starts_on, Conference.id).limit(limit)).all()
    return [Unarranged(slug, name, n) for _, slug, name, n in rows], total
