"""Planning meetings and headcounts (S2): a face-to-face Core meeting held within a day of a
conference is a planning meeting; Center staff see each one with the number of people to cater for."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..permissions import Actor, require
from ..cores import services as cores
from . import services
from .models import CALENDAR_STATUSES, Attendance, Conference, Meeting, Rsvp, RsvpAnswer


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
    terms = cores.terms_overlapping(db, {m.collaborative_id for m in meetings}, min(days), max(days))
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
            out[m.id] = Headcount(sum(1 for t in terms if t.collaborative_id == m.collaborative_id
                                      and t.is_current(day)), "core")
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


def catering(db: Session, actor: Actor, today: date, conferences: int = 3) -> tuple[
        list[tuple[Conference, list[Meeting]]], dict[int, Headcount]]:
    """S2: for Center staff, the next ``conferences`` conferences (from ``today``), each with its
    planning meetings in calendars, and the headcount of each meeting."""
    require(actor, "conference.manage")
    confs = list(db.scalars(select(Conference).where(Conference.ends_on >= today)
                            .order_by(Conference.starts_on).limit(conferences)))
    meetings = planning_meetings(db, actor, [c.id for c in confs], in_calendars_only=True)
    return ([(c, [m for m in meetings if m.conference_id == c.id]) for c in confs],
            headcounts(db, actor, meetings))
