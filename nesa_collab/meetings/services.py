"""Meetings themselves (M1, M2): scheduling, changing, publishing, cancelling, deleting a draft, the
occurrences of a series, who sees which meeting, listing, and the cross-zone aid for finding a time.

Services take the session, flush and never commit; every change is audited (A1) and ends the stored
feed entries of the meetings it changed (``feed_cache.forget``, M5).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Callable, Iterable

from sqlalchemy import ColumnElement, Select, and_, or_, select, true
from sqlalchemy.orm import Session, selectinload

from ..audit.services import record, snapshot
from ..permissions import Actor, require, require_visible
from ..clock import now_utc
from ..db import MAX_ID
from ..errors import DomainError, NotFound
from ..network import services as network
from ..network.models import Collaborative, CollaborativeStatus
from . import feed_cache, minutes, rsvps, scheduling, times
from .checks import check_final_by, check_text, check_url
from .models import (CALENDAR_STATUSES, Conference, Meeting, MeetingMode, MeetingOccurrence, MeetingStatus,
                     OccurrenceStatus, Rsvp)

MEETING_FIELDS = ["title", "description", "mode", "status", "time_zone", "local_start", "local_end", "place",
                  "join_url", "conference_id", "rrule", "repeat_until", "agenda_final_by", "is_planning",
                  "sequence"]
#: M5: a change to any of these matters to an attendee, so SEQUENCE goes up.
ATTENDEE_FIELDS = {"title", "mode", "time_zone", "local_start", "local_end", "place", "join_url", "conference_id",
                   "rrule", "repeat_until", "status"}

#: What higher domains do when a meeting is scheduled, changed, published, cancelled or deleted, or
#: one of its occurrences changes, in the same transaction: each is called as ``listener(db, meeting)``
#: (before the row is deleted, for a deletion). ``create_app`` installs them (O1/O2: the obligations
#: follow their planning meetings).
MEETING_CHANGE_LISTENERS: list[Callable[[Session, Meeting], None]] = []


def _changed(db: Session, meeting: Meeting) -> None:
    for listener in MEETING_CHANGE_LISTENERS:
        listener(db, meeting)


# --- who sees a meeting (M2) -----------------------------------------------------------------------

def get_meeting(db: Session, actor: Actor | None, meeting_id: int) -> Meeting:
    """M2: the meeting, with its agenda and occurrences, if ``actor`` may see it (the policy
    ``meeting.view``): a draft is not revealed to those who may not edit it (NotFound)."""
    if not 0 < meeting_id <= MAX_ID:
        raise NotFound()
    meeting = db.scalar(select(Meeting).where(Meeting.id == meeting_id)
                        .options(selectinload(Meeting.agenda), selectinload(Meeting.occurrences)))
    if meeting is None:
        raise NotFound()
    require_visible(actor, "meeting.view", meeting)
    return meeting


def meeting_for_editing(db: Session, actor: Actor | None, meeting_id: int) -> Meeting:
    """M1: the meeting its collaborative's Core (or the DPL) is about to change; others who may see
    it are refused."""
    meeting = get_meeting(db, actor, meeting_id)
    require(actor, "meeting.edit", meeting.collaborative)
    return meeting


def visible_meetings(actor: Actor | None) -> ColumnElement[bool]:
    """M2 as a condition for listing queries (``Collaborative`` joined): exactly the meetings the
    policy ``meeting.view`` lets ``actor`` see. The policy in ``nesa_collab/permissions.py`` is the rule;
    this is it in SQL so that lists filter before they limit, and a test holds the two together
    (tests/meetings/test_visibility.py).

    Nobody signed in: published and cancelled meetings of active collaboratives. Signed in: every
    published and cancelled meeting, and the drafts of the collaboratives whose Core one serves on.
    The DPL (and the system): every meeting."""
    in_calendars = Meeting.status.in_(CALENDAR_STATUSES)
    if actor is None:
        return and_(in_calendars, Collaborative.status == CollaborativeStatus.ACTIVE)
    if actor.is_dpl:
        return true()
    return or_(in_calendars, Meeting.collaborative_id.in_(sorted(actor.core_of)))


def meetings_query(actor: Actor | None, *, collab_ids: Iterable[int] | None = None, since: datetime | None = None,
                   until: datetime | None = None) -> Select:
    """M2: the meetings ``actor`` may see (of ``collab_ids``; ending after ``since``; starting before
    ``until``), by start, with their agendas and occurrences."""
    stmt = (select(Meeting).join(Meeting.collaborative).where(visible_meetings(actor))
            .order_by(Meeting.starts_at, Meeting.id))
    if collab_ids is not None:
        stmt = stmt.where(Meeting.collaborative_id.in_(list(collab_ids)))
    if since is not None:
        stmt = stmt.where(Meeting.last_ends_at >= since)
    if until is not None:
        stmt = stmt.where(Meeting.starts_at < until)
    return stmt.options(selectinload(Meeting.occurrences), selectinload(Meeting.agenda))


def meeting_list_query(actor: Actor | None, now: datetime, *, collab_ids: Iterable[int] | None = None,
                       mode: str | None = None, past: bool = False) -> Select:
    """M2: the meetings a list shows, to be paged in SQL: upcoming ones (ending after ``now``) by
    start, or past ones (started before ``now``) latest first; of ``collab_ids``, in a ``mode``."""
    if past:
        stmt = (meetings_query(actor, collab_ids=collab_ids).where(Meeting.starts_at < now)
                .order_by(None).order_by(Meeting.starts_at.desc(), Meeting.id.desc()))
    else:
        stmt = meetings_query(actor, collab_ids=collab_ids, since=now)
    if mode:
        if mode not in set(MeetingMode):
            raise DomainError("M1", "a meeting is face_to_face, virtual or hybrid", field="mode")
        stmt = stmt.where(Meeting.mode == mode)
    return stmt


def listed_occurrences(meetings: Iterable[Meeting], now: datetime,
                       past: bool = False) -> list[tuple[Meeting, times.Occurrence]]:
    """M2: one line per meeting of a page: its next occurrence (the one not yet over), or for the
    past its latest one that has begun; a series is expanded for its own page only."""
    rows = []
    for m in meetings:
        occurrences = times.expand(m)
        if past:
            shown = [o for o in occurrences if o.starts_at < now]
            if shown:
                rows.append((m, shown[-1]))
        else:
            shown = [o for o in occurrences if o.ends_at >= now]
            if shown:
                rows.append((m, shown[0]))
    return rows


def upcoming(db: Session, actor: Actor | None, collab_ids: Iterable[int] | None, now: datetime,
             limit: int = 8) -> list[tuple[Meeting, times.Occurrence]]:
    """M2: the next occurrences of the meetings ``actor`` may see (series expanded), soonest first. The
    visibility is filtered in SQL, before the limit, so a visitor gets a full list."""
    meetings = db.scalars(meetings_query(actor, collab_ids=collab_ids, since=now).limit(limit * 4)).unique().all()
    rows = [(m, o) for m in meetings for o in times.expand(m) if o.ends_at >= now]
    rows.sort(key=lambda r: r[1].starts_at)
    return rows[:limit]


def awaiting_answer(db: Session, actor: Actor, now: datetime, *, days: int = 30,
                    limit: int = 5) -> list[tuple[Meeting, times.Occurrence]]:
    """M4: the published meetings of ``actor``'s collaboratives starting within ``days`` that they have
    not answered yet (one line per occurrence), soonest first: what their home page asks them."""
    require(actor, "signed_in")
    ids = sorted(actor.member_of | actor.core_of)
    if not ids:
        return []
    horizon = now + timedelta(days=days)
    rows = [(m, o) for m, o in upcoming(db, actor, ids, now, limit=limit * 4)
            if not m.is_draft and not m.is_cancelled and not o.is_cancelled and o.starts_at <= horizon]
    answered = set(db.execute(select(Rsvp.meeting_id, Rsvp.occurrence_start).where(
        Rsvp.person_id == actor.id, Rsvp.meeting_id.in_({m.id for m, _ in rows} or {0}))).all())
    return [(m, o) for m, o in rows if (m.id, o.original_start) not in answered][:limit]


# --- scheduling, changing (M1) ---------------------------------------------------------------------

def collaboratives_to_schedule(db: Session, actor: Actor) -> list[Collaborative]:
    """M1: the collaboratives whose meetings ``actor`` schedules: those whose Core they serve on
    (every one for the DPL), retired ones excepted."""
    require(actor, "meeting.edit")
    return network.collaboratives_in_service(db, None if actor.is_dpl else actor.core_of)


def _apply(db: Session, meeting: Meeting, values: dict[str, Any]) -> None:
    if "title" in values:
        meeting.title = check_text(values["title"], "title", "title", "M1")
    if values.get("description") is not None:
        meeting.description = values["description"].strip()
    if "mode" in values:
        if values["mode"] not in set(MeetingMode):
            raise DomainError("M1", "a meeting is face_to_face, virtual or hybrid", field="mode")
        meeting.mode = values["mode"]
    if values.get("time_zone"):
        times.zone(values["time_zone"])
        meeting.time_zone = values["time_zone"]
    if not meeting.time_zone:
        raise DomainError("M1", "a meeting's times are in a named IANA time zone", field="time_zone")
    for key in ("starts", "ends"):
        if values.get(key) is not None:
            setattr(meeting, "local_start" if key == "starts" else "local_end",
                    times.wall_time(values[key], meeting.time_zone))
    if meeting.local_start is None or meeting.local_end is None:
        raise DomainError("M1", "a meeting needs a start and an end", field="starts")
    if meeting.local_end <= meeting.local_start:
        raise DomainError("M1", "the meeting must end after it starts", field="ends")
    if meeting.local_end - meeting.local_start > timedelta(days=3):
        raise DomainError("M1", "a meeting lasts at most three days", field="ends")
    meeting.starts_at = times.to_utc(meeting.local_start, meeting.time_zone, "starts")
    meeting.ends_at = times.to_utc(meeting.local_end, meeting.time_zone, "ends")
    if "place" in values:
        meeting.place = (values["place"] or "").strip()
    if "join_url" in values:
        meeting.join_url = check_url(values["join_url"])
    if meeting.mode in (MeetingMode.FACE_TO_FACE, MeetingMode.HYBRID) and not meeting.place:
        raise DomainError("M1", "a face-to-face or hybrid meeting needs a place", field="place")
    if meeting.mode in (MeetingMode.VIRTUAL, MeetingMode.HYBRID) and not meeting.join_url:
        raise DomainError("M1", "a virtual or hybrid meeting needs a join link", field="join_url")
    if "conference" in values:
        slug = values["conference"]
        conf = db.scalar(select(Conference).where(Conference.slug == slug)) if slug else None
        if slug and conf is None:
            raise DomainError("S1", f"there is no conference {slug!r}", field="conference")
        meeting.conference = conf
    if "agenda_final_by" in values:
        meeting.agenda_final_by = values["agenda_final_by"]
    check_final_by(meeting, meeting.agenda_final_by)
    if "rrule" in values or "repeat_until" in values:
        rule = (values.get("rrule", meeting.rrule) or "").strip() or None
        until = values.get("repeat_until", meeting.repeat_until) if rule else None
        meeting.rrule, meeting.repeat_until = rule, until
    _check_recurrence(meeting)
    meeting.is_planning = meeting.beside(meeting.conference)


def _check_recurrence(meeting: Meeting) -> None:
    if not meeting.rrule:
        meeting.repeat_until = None
        meeting.last_ends_at = meeting.ends_at
        return
    if meeting.mode == MeetingMode.FACE_TO_FACE:
        raise DomainError("M1", "only virtual and hybrid meetings repeat; schedule face-to-face meetings one by one",
                          field="rrule")
    meeting.rrule, _ = times.parse_rule(meeting.rrule, meeting.local_start, meeting.repeat_until)
    starts = times.rule_starts(meeting.rrule, meeting.local_start, meeting.repeat_until)
    if len(starts) > times.MAX_OCCURRENCES:
        raise DomainError("M1", f"a recurring meeting has at most {times.MAX_OCCURRENCES} occurrences", field="rrule")
    if not starts or starts[0] != meeting.local_start:
        raise DomainError("M1", "the first occurrence must be the meeting's start (pick a start the rule "
                          "generates, e.g. a second Tuesday for BYDAY=+2TU)", field="starts")
    # M1: the last occurrence ends its length in elapsed time after its start (as ``times.expand``).
    meeting.last_ends_at = max([times.instant(starts[-1], meeting.time_zone) + times.series_length(meeting)]
                               + [o.ends_at for o in meeting.occurrences if o.ends_at is not None])


def _meeting_snapshot(m: Meeting) -> dict:
    return snapshot(m, MEETING_FIELDS)


def create_meeting(db: Session, actor: Actor, collab: Collaborative, **values: Any) -> Meeting:
    """M1: a Core member of ``collab`` (or the DPL) schedules a meeting; it starts as a draft (M2)."""
    require(actor, "meeting.edit", collab)
    if collab.status == CollaborativeStatus.RETIRED:
        raise DomainError("M1", f"{collab.name} is retired; it holds no more meetings", field="collaborative")
    meeting = Meeting(collaborative=collab, status=MeetingStatus.DRAFT, sequence=0, time_zone="",
                      organizer_id=values.pop("organizer_id", actor.id))
    meeting.occurrences = []
    _apply(db, meeting, {"description": "", "place": "", "join_url": None, "conference": None, **values})
    meeting.updated_at = now_utc()
    db.add(meeting)
    record(db, actor, "meeting.create", meeting, f"Scheduled {meeting.title} ({collab.name})",
           after=_meeting_snapshot(meeting), collaborative_id=collab.id)
    _changed(db, meeting)
    return meeting


def schedule_meeting(db: Session, actor: Actor, collaborative: str, **values: Any) -> Meeting:
    """M1: schedule a meeting of the collaborative named by its slug (the form and the API)."""
    try:
        collab = network.get_collaborative(db, actor, collaborative or "")
    except NotFound:
        raise DomainError("M1", f"there is no collaborative {collaborative!r}", field="collaborative") from None
    return create_meeting(db, actor, collab, **values)


def update_meeting(db: Session, actor: Actor, meeting: Meeting, **values: Any) -> Meeting:
    """M1: change a meeting; M5: a change that matters to attendees bumps SEQUENCE. M4: minutes and
    attendance follow their occurrences."""
    require(actor, "meeting.edit", meeting.collaborative)
    if meeting.is_cancelled:
        raise DomainError("M2", "a cancelled meeting cannot be changed", field="status")
    before = _meeting_snapshot(meeting)
    old_start, old_zone, old_rule, old_until = (meeting.local_start, meeting.time_zone, meeting.rrule,
                                                meeting.repeat_until)
    _apply(db, meeting, values)
    minutes.rekey(db, meeting, old_start, old_rule, old_until)
    rsvps.follow(db, meeting, old_start, old_rule, old_until)
    dropped = _rebase_occurrences(meeting, old_start, old_zone, old_rule, old_until)
    after = _meeting_snapshot(meeting)
    if after != before:
        bump = any(before[k] != after[k] for k in ATTENDEE_FIELDS)
        meeting.touch(bump=bump)
        if bump:
            _bump_moved(meeting)
        after["sequence"] = meeting.sequence
        if dropped:
            after["dropped_occurrences"] = [d.isoformat() for d in dropped]
        summary = f"Changed {meeting.title}"
        if dropped:
            summary += (" (the new series no longer has the changed occurrences of "
                        + ", ".join(f"{d:%-d %b %Y}" for d in dropped) + ")")
        record(db, actor, "meeting.update", meeting, summary, before=before, after=after,
               collaborative_id=meeting.collaborative_id)
        feed_cache.forget(db, [meeting.id])
        _changed(db, meeting)
    return meeting


def _rebase_occurrences(meeting: Meeting, old_start: datetime, old_zone: str, old_rule: str | None,
                        old_until: date | None) -> list[datetime]:
    """M1/M5: keep a series' moved and cancelled occurrences attached after the series is edited.

    An occurrence is identified by the start the rule generates (RECURRENCE-ID, EXDATE), in the
    series' wall time. When the series' time of day changes, every occurrence's original start moves
    by the same amount, and so does a moved occurrence's own time; when its zone changes, the wall
    times stay and the instants of moved occurrences are derived again in the new zone. Occurrences
    the edited series no longer generates (another rule, first day or last day) are dropped: they
    would otherwise reappear (a cancellation) or show twice (a move). Returns the dropped original starts.
    """
    if not meeting.occurrences:
        return []
    if not meeting.rrule:
        # The series became a single meeting: its exceptions have nothing left to refer to.
        dropped = [o.original_start for o in meeting.occurrences]
        meeting.occurrences.clear()
        return dropped
    unchanged = (meeting.local_start, meeting.time_zone, meeting.rrule, meeting.repeat_until) == (
        old_start, old_zone, old_rule, old_until)
    if unchanged:
        return []
    # The change of time of day (the first day may change too: that part does not carry over, since
    # "the second Tuesday" four weeks later is not the same occurrence).
    shift = (datetime.combine(date.min, meeting.local_start.time())
             - datetime.combine(date.min, old_start.time()))
    starts = set(times.rule_starts(meeting.rrule, meeting.local_start, meeting.repeat_until))
    now = now_utc()
    dropped: list[datetime] = []
    for occ in list(meeting.occurrences):
        original = occ.original_start + shift
        if original not in starts:
            dropped.append(occ.original_start)
            meeting.occurrences.remove(occ)
            continue
        changed = original != occ.original_start or meeting.time_zone != old_zone
        occ.original_start = original
        if occ.status == OccurrenceStatus.MOVED:
            occ.local_start += shift
            occ.local_end += shift
            occ.starts_at = times.to_utc(occ.local_start, meeting.time_zone, "starts")
            occ.ends_at = times.to_utc(occ.local_end, meeting.time_zone, "ends")
        if changed:
            occ.updated_at = now
    _check_recurrence(meeting)  # the last end may have moved with the occurrences
    return sorted(dropped)


def _bump_moved(meeting: Meeting) -> None:
    """M5: a change to the series shows in its moved occurrences too (they carry its title, place,
    link), so each one's SEQUENCE goes up with the master's."""
    for occ in meeting.occurrences:
        if occ.status == OccurrenceStatus.MOVED:
            occ.sequence = max(occ.sequence + 1, meeting.sequence)


# --- publishing, cancelling, deleting (M2) ------------------------------------------------------------

def publish_meeting(db: Session, actor: Actor, meeting: Meeting) -> Meeting:
    """M2: ``draft`` → ``published``; from now on it is in calendars."""
    require(actor, "meeting.edit", meeting.collaborative)
    if meeting.status != MeetingStatus.DRAFT:
        raise DomainError("M2", f"only a draft can be published; this meeting is {meeting.status}", field="status")
    before = _meeting_snapshot(meeting)
    meeting.status, meeting.published_at = MeetingStatus.PUBLISHED, now_utc()
    meeting.touch()
    record(db, actor, "meeting.publish", meeting, f"Published {meeting.title}", before=before,
           after=_meeting_snapshot(meeting), collaborative_id=meeting.collaborative_id)
    feed_cache.forget(db, [meeting.id])
    _changed(db, meeting)
    return meeting


def cancel_meeting(db: Session, actor: Actor, meeting: Meeting, reason: str = "") -> Meeting:
    """M2: ``published`` → ``cancelled``; it stays in feeds as cancelled (a draft is deleted instead)."""
    require(actor, "meeting.edit", meeting.collaborative)
    if meeting.status != MeetingStatus.PUBLISHED:
        raise DomainError("M2", "only a published meeting can be cancelled (delete a draft instead)", field="status")
    before = _meeting_snapshot(meeting)
    meeting.status, meeting.cancelled_at = MeetingStatus.CANCELLED, now_utc()
    if reason.strip():
        meeting.description = (f"Cancelled: {reason.strip()}\n\n" + meeting.description).strip()
    meeting.touch(bump=True)
    _bump_moved(meeting)
    record(db, actor, "meeting.cancel", meeting, f"Cancelled {meeting.title}" + (f": {reason}" if reason else ""),
           before=before, after=_meeting_snapshot(meeting), collaborative_id=meeting.collaborative_id)
    feed_cache.forget(db, [meeting.id])
    _changed(db, meeting)
    return meeting


def delete_draft(db: Session, actor: Actor, meeting: Meeting) -> None:
    """M2: a draft, in no calendar yet, is deleted rather than cancelled."""
    require(actor, "meeting.edit", meeting.collaborative)
    if not meeting.is_draft:
        raise DomainError("M2", "only a draft can be deleted; cancel a published meeting", field="status")
    record(db, actor, "meeting.delete", meeting, f"Deleted the draft {meeting.title}",
           before=_meeting_snapshot(meeting), collaborative_id=meeting.collaborative_id)
    feed_cache.forget(db, [meeting.id])
    _changed(db, meeting)
    db.delete(meeting)


# --- the occurrences of a series (M1, M5) --------------------------------------------------------------

def change_occurrence(db: Session, actor: Actor, meeting: Meeting, original_start: datetime, *,
                      cancel: bool = False, starts: datetime | None = None, ends: datetime | None = None,
                      note: str = "") -> MeetingOccurrence:
    """M1/M5: move or cancel one occurrence of a recurring meeting (RECURRENCE-ID, EXDATE)."""
    require(actor, "meeting.edit", meeting.collaborative)
    if not meeting.is_recurring:
        raise DomainError("M1", "only a recurring meeting has occurrences to move or cancel", field="original_start")
    if meeting.is_cancelled:
        raise DomainError("M2", "the whole series is cancelled", field="status")
    original_start = times.wall_time(original_start, meeting.time_zone)
    if original_start not in times.rule_starts(meeting.rrule, meeting.local_start, meeting.repeat_until):
        raise DomainError("M1", f"the series has no occurrence at {original_start:%-d %b %Y %H:%M}",
                          field="original_start")
    if cancel and original_start in minutes.recorded_occurrences(db, meeting):
        raise DomainError("M4", f"the occurrence of {original_start:%-d %b %Y} has minutes and attendance: "
                          "it took place", field="original_start")
    occ = next((o for o in meeting.occurrences if o.original_start == original_start), None)
    before = snapshot(occ, ["status", "local_start", "local_end"]) if occ else None
    was_cancelled = occ is not None and occ.status == OccurrenceStatus.CANCELLED
    if occ is None:
        occ = MeetingOccurrence(original_start=original_start, sequence=meeting.sequence)
        meeting.occurrences.append(occ)
    occ.note = note.strip()
    if cancel:
        occ.status = OccurrenceStatus.CANCELLED
        occ.local_start = occ.local_end = occ.starts_at = occ.ends_at = None
    else:
        if starts is None:
            raise DomainError("M1", "a moved occurrence needs its new start", field="starts")
        local_start = times.wall_time(starts, meeting.time_zone)
        local_end = (times.wall_time(ends, meeting.time_zone) if ends
                     else local_start + (meeting.local_end - meeting.local_start))
        if local_end <= local_start:
            raise DomainError("M1", "the meeting must end after it starts", field="ends")
        occ.status = OccurrenceStatus.MOVED
        occ.local_start, occ.local_end = local_start, local_end
        occ.starts_at = times.to_utc(local_start, meeting.time_zone, "starts")
        occ.ends_at = times.to_utc(local_end, meeting.time_zone, "ends")
    occ.sequence += 1
    occ.updated_at = now_utc()
    # M5: a move is its own event (RECURRENCE-ID) with its own SEQUENCE; the master changes only
    # when its EXDATE list does (a cancellation, or a cancelled occurrence brought back by a move).
    meeting.touch(bump=cancel or was_cancelled)
    _check_recurrence(meeting)
    what = "Cancelled" if cancel else f"Moved to {occ.local_start:%a %-d %b %Y %H:%M} ({meeting.time_zone})"
    record(db, actor, "meeting.occurrence", meeting,
           f"{what}: the {original_start:%-d %b %Y} occurrence of {meeting.title}",
           before=before, after=snapshot(occ, ["status", "local_start", "local_end"]) | {
               "original_start": original_start.isoformat()}, collaborative_id=meeting.collaborative_id)
    feed_cache.forget(db, [meeting.id])
    _changed(db, meeting)
    return occ


def occurrence_to_cancel(actor: Actor, meeting: Meeting, original_start: datetime) -> times.Occurrence:
    """M1: the occurrence of a series about to be cancelled, for the page that asks first: one the
    series has, not cancelled already; for those who may change the meeting."""
    require(actor, "meeting.edit", meeting.collaborative)
    if not meeting.is_recurring:
        raise DomainError("M1", "only a recurring meeting has occurrences to move or cancel", field="original_start")
    if meeting.is_cancelled:
        raise DomainError("M2", "the whole series is cancelled", field="status")
    occ = times.occurrence_at(meeting, original_start)
    if occ is None:
        raise DomainError("M1", f"the series has no occurrence at {original_start:%-d %b %Y %H:%M}",
                          field="original_start")
    if occ.is_cancelled:
        raise DomainError("M1", f"the occurrence of {original_start:%-d %b %Y} is already cancelled",
                          field="original_start")
    return occ


def restore_occurrence(db: Session, actor: Actor, meeting: Meeting, original_start: datetime) -> None:
    """M1/M5: bring back a cancelled occurrence of a series at the time its rule gives it: its
    exception goes, so it leaves the EXDATE list and the master's SEQUENCE goes up (subscribers'
    calendars and those invited show it again)."""
    require(actor, "meeting.edit", meeting.collaborative)
    if meeting.is_cancelled:
        raise DomainError("M2", "the whole series is cancelled", field="status")
    original_start = times.wall_time(original_start, meeting.time_zone)
    occ = next((o for o in meeting.occurrences if o.original_start == original_start), None)
    if occ is None or occ.status != OccurrenceStatus.CANCELLED:
        raise DomainError("M1", f"the occurrence of {original_start:%-d %b %Y %H:%M} is not cancelled; there is "
                          "nothing to restore", field="original_start")
    before = snapshot(occ, ["status", "local_start", "local_end"]) | {"note": occ.note}
    meeting.occurrences.remove(occ)
    meeting.touch(bump=True)
    _check_recurrence(meeting)
    record(db, actor, "meeting.occurrence.restore", meeting,
           f"Restored the {original_start:%-d %b %Y} occurrence of {meeting.title}",
           before=before, after={"status": "scheduled", "original_start": original_start.isoformat()},
           collaborative_id=meeting.collaborative_id)
    feed_cache.forget(db, [meeting.id])
    _changed(db, meeting)


# --- finding a time across zones (M6, N1) -----------------------------------------------------------

@dataclass(frozen=True)
class SchedulingAid:
    """A proposed time in every expected person's zone, how many it troubles, and the day's best starts."""

    groups: list[scheduling.ZoneGroup]
    people: int
    outside: int
    suggestions: list[scheduling.Suggestion]
    zone: str
    minutes: int


def scheduling_aid(db: Session, actor: Actor, collab: Collaborative, starts: datetime, time_zone: str,
                   length: int, today: date, network_zone: str) -> SchedulingAid:
    """M6/N1: the cross-zone aid for a meeting of ``collab`` starting at the wall time ``starts`` in
    ``time_zone`` and lasting ``length`` minutes: the time in the zone of each person expected (its
    members and its Core ``today``, each in their zone, ``network_zone`` for those who chose none,
    with their school's weekend), and the best starts of that day. For those who schedule its meetings."""
    require(actor, "meeting.edit", collab)
    if length < 1:
        raise DomainError("M1", "minutes: a meeting lasts at least 1 minute", field="minutes")
    starts_at = times.to_utc(starts.replace(tzinfo=None), time_zone)
    people = [scheduling.Attendee(p.name, p.zone_name(network_zone),
                                  p.school.weekend_weekdays if p.school else frozenset())
              for p in minutes.expected_people(db, collab.id, today)]
    groups = scheduling.zone_table(people, starts_at, starts_at + timedelta(minutes=length))
    return SchedulingAid(groups=groups, people=len(people), outside=sum(g.outside for g in groups),
                         suggestions=scheduling.suggest(people, starts.date(), time_zone, length),
                         zone=time_zone, minutes=length)
