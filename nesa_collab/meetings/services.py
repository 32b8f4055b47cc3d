"""Conferences (S1), meetings (M1, M2, S2), occurrences, agendas (M3), minutes and attendance (M4)
and feed tokens (M5). Services take the session, flush and never commit; every change is audited (A1)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Iterable

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from ..audit.services import record, snapshot
from ..auth.models import Person, Role
from ..auth.permissions import Actor, require
from ..clock import now_utc
from ..errors import DomainError, NotFound
from ..network.models import Collaborative, Membership
from ..slugs import check_slug, slugify
from ..cores import services as cores
from . import scheduling, times
from .models import (CALENDAR_STATUSES, AgendaItem, Attendance, Conference, ConferenceKind, FeedKind, FeedToken, Meeting, MeetingMinutes, MeetingMode, MeetingOccurrence,
                     MeetingStatus, OccurrenceStatus)

URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$")


def _check_text(value: str | None, field: str, label: str, rule: str, max_len: int = 200) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(rule, f"a {label} is needed", field=field)
    if len(value) > max_len:
        raise DomainError(rule, f"the {label} is at most {max_len} characters", field=field)
    return value


def _check_url(url: str | None, field: str = "join_url") -> str | None:
    url = (url or "").strip()
    if not url:
        return None
    if not URL_RE.match(url):
        raise DomainError("M1", "the join link must be an http(s) URL", field=field)
    return url


# --- conferences (S1) ---------------------------------------------------------------------------

CONFERENCE_FIELDS = ["slug", "name", "kind", "starts_on", "ends_on", "city", "country", "time_zone", "hotel",
                     "hotel_address", "description"]
#: Changes to these bump the conference's SEQUENCE (what a calendar shows).
CONFERENCE_CALENDAR_FIELDS = {"name", "starts_on", "ends_on", "city", "country", "hotel", "hotel_address"}


def _featured(db: Session, slugs: Iterable[str]) -> list[Collaborative]:
    slugs = sorted(set(slugs))
    if not slugs:
        return []
    found = list(db.scalars(select(Collaborative).where(Collaborative.slug.in_(slugs))))
    missing = set(slugs) - {c.slug for c in found}
    if missing:
        raise DomainError("S1", f"no collaborative with the slug {sorted(missing)[0]!r}", field="featured")
    return found


def _conference_values(conf: Conference, values: dict[str, Any]) -> None:
    for key, label in (("name", "name"), ("city", "city")):
        if key in values:
            setattr(conf, key, _check_text(values[key], key, label, "S1"))
    for key in ("country", "hotel", "hotel_address", "description"):
        if key in values and values[key] is not None:
            setattr(conf, key, values[key].strip())
    if "kind" in values and values["kind"] is not None:
        if values["kind"] not in set(ConferenceKind):
            raise DomainError("S1", "kind is conference or institute", field="kind")
        conf.kind = values["kind"]
    if "time_zone" in values and values["time_zone"] is not None:
        times.zone(values["time_zone"])
        conf.time_zone = values["time_zone"]
    for key in ("starts_on", "ends_on"):
        if values.get(key) is not None:
            setattr(conf, key, values[key])
    if conf.starts_on is None or conf.ends_on is None:
        raise DomainError("S1", "a conference needs its first and last day", field="starts_on")
    if conf.ends_on < conf.starts_on:
        raise DomainError("S1", "the last day cannot be before the first", field="ends_on")


def create_conference(db: Session, actor: Actor | None, *, featured: Iterable[str] = (), slug: str | None = None,
                      **values: Any) -> Conference:
    """S1: Center staff (and the DPL) add a conference or institute."""
    if actor is not None:
        require(actor, "conference.manage")
    conf = Conference(time_zone=values.get("time_zone") or "UTC")
    if not values.get("time_zone"):
        raise DomainError("S1", "a conference needs the IANA time zone of its city", field="time_zone")
    _conference_values(conf, values)
    conf.slug = check_slug(slug or slugify(f"{conf.name} {conf.starts_on.year}"), rule="S1")
    if db.scalar(select(Conference.id).where(Conference.slug == conf.slug)) is not None:
        raise DomainError("S1", f"another conference already uses the slug {conf.slug!r}", field="slug")
    conf.featured = _featured(db, featured)
    conf.updated_at = now_utc()
    db.add(conf)
    record(db, actor, "conference.create", conf, f"Added {conf.kind} {conf.name}", after=_conf_snapshot(conf))
    _refresh_planning(db, conf)
    return conf


def _conf_snapshot(conf: Conference) -> dict:
    data = snapshot(conf, CONFERENCE_FIELDS)
    data["featured"] = [c.slug for c in conf.featured]
    return data


def update_conference(db: Session, actor: Actor | None, conf: Conference, *, featured: Iterable[str] | None = None,
                      **values: Any) -> Conference:
    if actor is not None:
        require(actor, "conference.manage")
    before = _conf_snapshot(conf)
    _conference_values(conf, {k: v for k, v in values.items() if v is not None})
    if featured is not None:
        conf.featured = _featured(db, featured)
    after = _conf_snapshot(conf)
    if after != before:
        if any(before[k] != after[k] for k in CONFERENCE_CALENDAR_FIELDS):
            conf.sequence += 1
        conf.updated_at = now_utc()
        record(db, actor, "conference.update", conf, f"Changed {conf.name}", before=before, after=after)
        _refresh_planning(db, conf)
    return conf


def _refresh_planning(db: Session, conf: Conference) -> None:
    """S2: when a conference's dates move, its meetings are judged planning meetings again."""
    db.flush()
    for meeting in db.scalars(select(Meeting).where(Meeting.conference_id == conf.id)):
        planning = _is_planning(meeting, conf)
        if planning != meeting.is_planning:
            meeting.is_planning = planning
            meeting.updated_at = now_utc()


def conference_by_slug(db: Session, slug: str) -> Conference:
    conf = db.scalar(select(Conference).where(Conference.slug == slug))
    if conf is None:
        raise NotFound()
    return conf


def conferences(db: Session, *, since: date | None = None) -> list[Conference]:
    stmt = select(Conference).order_by(Conference.starts_on)
    if since is not None:
        stmt = stmt.where(Conference.ends_on >= since)
    return list(db.scalars(stmt))


# --- meetings (M1, M2, S2) ----------------------------------------------------------------------

MEETING_FIELDS = ["title", "description", "mode", "status", "time_zone", "local_start", "local_end", "place",
                  "join_url", "conference_id", "rrule", "repeat_until", "agenda_final_by", "is_planning",
                  "sequence"]
#: M5: a change to any of these matters to an attendee, so SEQUENCE goes up.
ATTENDEE_FIELDS = {"title", "mode", "time_zone", "local_start", "local_end", "place", "join_url", "conference_id",
                   "rrule", "repeat_until", "status"}


def _is_planning(meeting: Meeting, conf: Conference | None) -> bool:
    """S2: a face-to-face Core meeting within one day before the start or after the end of its conference."""
    return (conf is not None and meeting.mode == MeetingMode.FACE_TO_FACE
            and conf.is_beside(meeting.local_start.date()))


def _local(value: datetime, zone_name: str) -> datetime:
    """A naive wall time in the meeting's zone (an aware value from the API is converted)."""
    if value.tzinfo is not None:
        return times.to_local(value, zone_name)
    return value.replace(second=0, microsecond=0)


def _apply(db: Session, meeting: Meeting, values: dict[str, Any]) -> None:
    if "title" in values:
        meeting.title = _check_text(values["title"], "title", "title", "M1")
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
            setattr(meeting, "local_start" if key == "starts" else "local_end", _local(values[key], meeting.time_zone))
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
        meeting.join_url = _check_url(values["join_url"])
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
    if meeting.agenda_final_by and meeting.agenda_final_by > meeting.local_start.date():
        raise DomainError("M3", "the agenda must be final by the day of the meeting at the latest",
                          field="agenda_final_by")
    if "rrule" in values or "repeat_until" in values:
        rule = (values.get("rrule", meeting.rrule) or "").strip() or None
        until = values.get("repeat_until", meeting.repeat_until) if rule else None
        meeting.rrule, meeting.repeat_until = rule, until
    _check_recurrence(meeting)
    meeting.is_planning = _is_planning(meeting, meeting.conference)


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
    length = meeting.local_end - meeting.local_start
    last = max([times._instant(s + length, meeting.time_zone) for s in starts[-1:]]
               + [o.ends_at for o in meeting.occurrences if o.ends_at is not None])
    meeting.last_ends_at = last


def monthly_nth_weekday_rule(day: date) -> str:
    """``FREQ=MONTHLY;BYDAY=+2TU`` for the second Tuesday of the month ``day`` falls in (−1 for the last)."""
    nth = (day.day - 1) // 7 + 1
    code = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[day.weekday()]
    return f"FREQ=MONTHLY;BYDAY={'-1' if nth == 5 else f'+{nth}'}{code}"


def rule_from_choice(repeat: str | None, day: date) -> str | None:
    """The rule for the form's "repeat" choice."""
    code = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[day.weekday()]
    return {None: None, "": None, "none": None,
            "weekly": f"FREQ=WEEKLY;BYDAY={code}",
            "fortnightly": f"FREQ=WEEKLY;INTERVAL=2;BYDAY={code}",
            "monthly_weekday": monthly_nth_weekday_rule(day)}.get(repeat, repeat)


def _meeting_snapshot(m: Meeting) -> dict:
    return snapshot(m, MEETING_FIELDS)


def _touch(meeting: Meeting, bump: bool = False) -> None:
    meeting.updated_at = now_utc()
    if bump and not meeting.is_draft:
        meeting.sequence += 1


def create_meeting(db: Session, actor: Actor | None, collab: Collaborative, **values: Any) -> Meeting:
    """M1: a Core member of ``collab`` (or the DPL) schedules a meeting; it starts as a draft (M2)."""
    if actor is not None:
        require(actor, "meeting.edit", collab)
    if collab.status == "retired":
        raise DomainError("M1", f"{collab.name} is retired; it holds no more meetings", field="collaborative")
    meeting = Meeting(collaborative=collab, status=MeetingStatus.DRAFT, sequence=0, time_zone="",
                      organizer_id=values.pop("organizer_id", actor.id if actor is not None else None))
    meeting.occurrences = []
    _apply(db, meeting, {"description": "", "place": "", "join_url": None, "conference": None, **values})
    meeting.updated_at = now_utc()
    db.add(meeting)
    record(db, actor, "meeting.create", meeting, f"Scheduled {meeting.title} ({collab.name})",
           after=_meeting_snapshot(meeting), collaborative_id=collab.id)
    return meeting


def update_meeting(db: Session, actor: Actor | None, meeting: Meeting, **values: Any) -> Meeting:
    """M1: change a meeting; M5: a change that matters to attendees bumps SEQUENCE."""
    if actor is not None:
        require(actor, "meeting.edit", meeting.collaborative)
    if meeting.is_cancelled:
        raise DomainError("M2", "a cancelled meeting cannot be changed", field="status")
    before = _meeting_snapshot(meeting)
    series_before = (meeting.local_start, meeting.time_zone, meeting.rrule, meeting.repeat_until)
    _apply(db, meeting, values)
    _rekey_minutes(db, meeting, series_before[0], *series_before[2:])
    dropped = _rebase_occurrences(meeting, *series_before)
    after = _meeting_snapshot(meeting)
    if after != before:
        bump = any(before[k] != after[k] for k in ATTENDEE_FIELDS)
        _touch(meeting, bump=bump)
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


def publish_meeting(db: Session, actor: Actor | None, meeting: Meeting) -> Meeting:
    """M2: ``draft`` → ``published``; from now on it is in calendars."""
    if actor is not None:
        require(actor, "meeting.edit", meeting.collaborative)
    if meeting.status != MeetingStatus.DRAFT:
        raise DomainError("M2", f"only a draft can be published; this meeting is {meeting.status}", field="status")
    before = _meeting_snapshot(meeting)
    meeting.status, meeting.published_at = MeetingStatus.PUBLISHED, now_utc()
    _touch(meeting)
    record(db, actor, "meeting.publish", meeting, f"Published {meeting.title}", before=before,
           after=_meeting_snapshot(meeting), collaborative_id=meeting.collaborative_id)
    return meeting


def cancel_meeting(db: Session, actor: Actor | None, meeting: Meeting, reason: str = "") -> Meeting:
    """M2: ``published`` → ``cancelled``; it stays in feeds as cancelled (a draft is deleted instead)."""
    if actor is not None:
        require(actor, "meeting.edit", meeting.collaborative)
    if meeting.status != MeetingStatus.PUBLISHED:
        raise DomainError("M2", "only a published meeting can be cancelled (delete a draft instead)", field="status")
    before = _meeting_snapshot(meeting)
    meeting.status, meeting.cancelled_at = MeetingStatus.CANCELLED, now_utc()
    if reason.strip():
        meeting.description = (f"Cancelled: {reason.strip()}\n\n" + meeting.description).strip()
    _touch(meeting, bump=True)
    _bump_moved(meeting)
    record(db, actor, "meeting.cancel", meeting, f"Cancelled {meeting.title}" + (f": {reason}" if reason else ""),
           before=before, after=_meeting_snapshot(meeting), collaborative_id=meeting.collaborative_id)
    return meeting


def delete_draft(db: Session, actor: Actor | None, meeting: Meeting) -> None:
    if actor is not None:
        require(actor, "meeting.edit", meeting.collaborative)
    if not meeting.is_draft:
        raise DomainError("M2", "only a draft can be deleted; cancel a published meeting", field="status")
    record(db, actor, "meeting.delete", meeting, f"Deleted the draft {meeting.title}",
           before=_meeting_snapshot(meeting), collaborative_id=meeting.collaborative_id)
    db.delete(meeting)


def change_occurrence(db: Session, actor: Actor | None, meeting: Meeting, original_start: datetime, *,
                      cancel: bool = False, starts: datetime | None = None, ends: datetime | None = None,
                      note: str = "") -> MeetingOccurrence:
    """M1/M5: move or cancel one occurrence of a recurring meeting (RECURRENCE-ID, EXDATE)."""
    if actor is not None:
        require(actor, "meeting.edit", meeting.collaborative)
    if not meeting.is_recurring:
        raise DomainError("M1", "only a recurring meeting has occurrences to move or cancel", field="original_start")
    if meeting.is_cancelled:
        raise DomainError("M2", "the whole series is cancelled", field="status")
    original_start = _local(original_start, meeting.time_zone)
    if original_start not in times.rule_starts(meeting.rrule, meeting.local_start, meeting.repeat_until):
        raise DomainError("M1", f"the series has no occurrence at {original_start:%-d %b %Y %H:%M}",
                          field="original_start")
    if cancel and original_start in _minutes_keys(db, meeting):
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
        local_start = _local(starts, meeting.time_zone)
        local_end = _local(ends, meeting.time_zone) if ends else local_start + (meeting.local_end - meeting.local_start)
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
    _touch(meeting, bump=cancel or was_cancelled)
    _check_recurrence(meeting)
    what = "Cancelled" if cancel else f"Moved to {occ.local_start:%a %-d %b %Y %H:%M} ({meeting.time_zone})"
    record(db, actor, "meeting.occurrence", meeting,
           f"{what}: the {original_start:%-d %b %Y} occurrence of {meeting.title}",
           before=before, after=snapshot(occ, ["status", "local_start", "local_end"]) | {
               "original_start": original_start.isoformat()}, collaborative_id=meeting.collaborative_id)
    return occ


def meeting_or_404(db: Session, meeting_id: int) -> Meeting:
    if not 0 < meeting_id < 2**63:
        raise NotFound()
    meeting = db.scalar(select(Meeting).where(Meeting.id == meeting_id)
                        .options(selectinload(Meeting.agenda), selectinload(Meeting.occurrences)))
    if meeting is None:
        raise NotFound()
    return meeting


# --- listing ------------------------------------------------------------------------------------

def _with_collections(stmt: Select) -> Select:
    return stmt.options(selectinload(Meeting.occurrences), selectinload(Meeting.agenda))


def meetings_query(*, collab_ids: Iterable[int] | None = None, since: datetime | None = None,
                   until: datetime | None = None, editable: Iterable[int] | bool = (),
                   public_only: bool = False) -> Select:
    """Meetings in calendars (and drafts of the collaboratives in ``editable``), by start."""
    stmt = select(Meeting).join(Meeting.collaborative).order_by(Meeting.starts_at, Meeting.id)
    visible = Meeting.status.in_(CALENDAR_STATUSES)
    if editable is True:
        visible = True  # the DPL sees drafts everywhere
    elif editable:
        visible = or_(visible, Meeting.collaborative_id.in_(list(editable)))
    if visible is not True:
        stmt = stmt.where(visible)
    if collab_ids is not None:
        stmt = stmt.where(Meeting.collaborative_id.in_(list(collab_ids)))
    if public_only:
        stmt = stmt.where(Collaborative.status == "active")
    if since is not None:
        stmt = stmt.where(Meeting.last_ends_at >= since)
    if until is not None:
        stmt = stmt.where(Meeting.starts_at < until)
    return _with_collections(stmt)


def upcoming(db: Session, collab_ids: Iterable[int] | None, now: datetime, limit: int = 8,
             editable: Iterable[int] | bool = (), public_only: bool = False) -> list[tuple[Meeting, times.Occurrence]]:
    """The next occurrences of meetings (series expanded), soonest first. ``public_only``: only
    meetings of active collaboratives (what visitors may see), filtered before the limit."""
    meetings = db.scalars(meetings_query(collab_ids=collab_ids, since=now, editable=editable,
                                         public_only=public_only)
                          .limit(limit * 4)).unique().all()
    rows = [(m, o) for m in meetings for o in times.expand(m) if o.ends_at >= now]
    rows.sort(key=lambda r: r[1].starts_at)
    return rows[:limit]


def editable_collabs(actor: Actor | None) -> Iterable[int] | bool:
    if actor is None:
        return ()
    return True if actor.is_dpl else actor.core_of


# --- agendas (M3) ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class AgendaSummary:
    """M3: the running total of allotted minutes against the meeting's length."""

    total: int
    length: int
    running: list[int]

    @property
    def over(self) -> bool:
        return self.total > self.length

    @property
    def warning(self) -> str | None:
        if self.over:
            return (f"M3: the agenda allots {self.total} minutes but the meeting lasts {self.length}; "
                    f"shorten items by {self.total - self.length} minutes")
        return None


def agenda_summary(meeting: Meeting) -> AgendaSummary:
    running, total = [], 0
    for item in meeting.agenda:
        total += item.minutes
        running.append(total)
    return AgendaSummary(total, int((meeting.local_end - meeting.local_start).total_seconds() // 60), running)


AGENDA_FIELDS = ["position", "title", "presenter", "minutes", "notes", "milestone_id"]


def _agenda_snapshot(meeting: Meeting) -> dict:
    return {"items": [snapshot(i, AGENDA_FIELDS) for i in meeting.agenda],
            "agenda_final_by": meeting.agenda_final_by.isoformat() if meeting.agenda_final_by else None}


def _check_agenda_editor(actor: Actor | None, meeting: Meeting) -> None:
    """M3: only the Core of the meeting's collaborative (and the DPL) set its agenda."""
    if actor is not None:
        require(actor, "agenda.edit", meeting.collaborative)
    if meeting.is_cancelled:
        raise DomainError("M2", "the meeting is cancelled", field="status")


def _item_values(db: Session, meeting: Meeting, item: AgendaItem, title: str, minutes: int, presenter: str = "",
                 notes: str = "", milestone_id: int | None = None) -> None:
    item.title = _check_text(title, "title", "title", "M3")
    if not isinstance(minutes, int) or minutes <= 0 or minutes > 24 * 60:
        raise DomainError("M3", "allot a whole number of minutes (1 or more) to each item", field="minutes")
    item.minutes = minutes
    item.presenter = (presenter or "").strip()[:200]
    item.notes = (notes or "").strip()
    if milestone_id is not None and milestone_id not in milestone_choices(db, meeting.collaborative_id):
        raise DomainError("M3", f"an agenda item advances a milestone of a plan of {meeting.collaborative.name}; "
                          "choose one of its plans' milestones", field="milestone_id")
    item.milestone_id = milestone_id


def milestone_choices(db: Session, collaborative_id: int) -> dict[int, str]:
    """M3: the milestones an agenda item of ``collaborative_id``'s meetings may advance (those of its
    own plans), labelled "plan — milestone (due …)", in plan and due-date order."""
    from ..plans.models import Plan, PlanMilestone

    rows = db.execute(select(PlanMilestone.id, PlanMilestone.title, PlanMilestone.due_on, Plan.title)
                      .join(Plan, Plan.id == PlanMilestone.plan_id)
                      .where(Plan.collaborative_id == collaborative_id)
                      .order_by(Plan.first_year, Plan.id, PlanMilestone.due_on, PlanMilestone.id)).all()
    return {mid: f"{plan} — {title} (due {due:%-d %b %Y})" for mid, title, due, plan in rows}


def agenda_milestones(db: Session, meeting: Meeting) -> dict[int, str]:
    """M3: the titles of the milestones the meeting's agenda items advance (one query)."""
    from ..plans.models import PlanMilestone

    ids = sorted({i.milestone_id for i in meeting.agenda if i.milestone_id is not None})
    if not ids:
        return {}
    return dict(db.execute(select(PlanMilestone.id, PlanMilestone.title).where(PlanMilestone.id.in_(ids))).all())


def _renumber(meeting: Meeting) -> None:
    for i, item in enumerate(meeting.agenda):
        item.position = i


def _agenda_changed(db: Session, actor, meeting: Meeting, before: dict, summary: str) -> None:
    _renumber(meeting)
    _touch(meeting)
    record(db, actor, "agenda.update", meeting, f"{summary} ({meeting.title})", before=before,
           after=_agenda_snapshot(meeting), collaborative_id=meeting.collaborative_id)


def add_agenda_item(db: Session, actor: Actor | None, meeting: Meeting, **values: Any) -> AgendaItem:
    _check_agenda_editor(actor, meeting)
    before = _agenda_snapshot(meeting)
    item = AgendaItem(position=len(meeting.agenda))
    _item_values(db, meeting, item, **values)
    meeting.agenda.append(item)
    _agenda_changed(db, actor, meeting, before, f"Added agenda item {item.title}")
    return item


def _item(meeting: Meeting, item_id: int) -> AgendaItem:
    item = next((i for i in meeting.agenda if i.id == item_id), None)
    if item is None:
        raise NotFound()
    return item


def update_agenda_item(db: Session, actor: Actor | None, meeting: Meeting, item_id: int, **values: Any) -> AgendaItem:
    _check_agenda_editor(actor, meeting)
    before = _agenda_snapshot(meeting)
    item = _item(meeting, item_id)
    _item_values(db, meeting, item, **values)
    _agenda_changed(db, actor, meeting, before, f"Changed agenda item {item.title}")
    return item


def delete_agenda_item(db: Session, actor: Actor | None, meeting: Meeting, item_id: int) -> None:
    _check_agenda_editor(actor, meeting)
    before = _agenda_snapshot(meeting)
    item = _item(meeting, item_id)
    meeting.agenda.remove(item)
    _agenda_changed(db, actor, meeting, before, f"Removed agenda item {item.title}")


def move_agenda_item(db: Session, actor: Actor | None, meeting: Meeting, item_id: int, direction: str) -> None:
    """M3: move an item up or down one place."""
    _check_agenda_editor(actor, meeting)
    before = _agenda_snapshot(meeting)
    items = list(meeting.agenda)
    item = _item(meeting, item_id)
    i = items.index(item)
    j = i - 1 if direction == "up" else i + 1
    if not 0 <= j < len(items):
        return
    items[i], items[j] = items[j], items[i]
    meeting.agenda[:] = items
    _agenda_changed(db, actor, meeting, before, f"Moved agenda item {item.title} {direction}")


def reorder_agenda(db: Session, actor: Actor | None, meeting: Meeting, item_ids: list[int]) -> None:
    """M3: put the items in the order given (every item, once)."""
    _check_agenda_editor(actor, meeting)
    if sorted(item_ids) != sorted(i.id for i in meeting.agenda):
        raise DomainError("M3", "give every item of the agenda once, in the new order", field="order")
    before = _agenda_snapshot(meeting)
    by_id = {i.id: i for i in meeting.agenda}
    meeting.agenda[:] = [by_id[i] for i in item_ids]
    _agenda_changed(db, actor, meeting, before, "Reordered the agenda")


def replace_agenda(db: Session, actor: Actor | None, meeting: Meeting, items: list[dict[str, Any]],
                   agenda_final_by: date | None) -> AgendaSummary:
    """M3 (API): the whole agenda, in order; items with an ``id`` keep it."""
    _check_agenda_editor(actor, meeting)
    before = _agenda_snapshot(meeting)
    existing = {i.id: i for i in meeting.agenda}
    new = []
    for values in items:
        values = dict(values)
        item = existing.pop(values.pop("id", None) or -1, None) or AgendaItem(position=0)
        _item_values(db, meeting, item, **values)
        new.append(item)
    meeting.agenda[:] = new
    set_final_by(meeting, agenda_final_by)
    _agenda_changed(db, actor, meeting, before, "Set the agenda")
    return agenda_summary(meeting)


def set_final_by(meeting: Meeting, day: date | None) -> None:
    if day is not None and day > meeting.local_start.date():
        raise DomainError("M3", "the agenda must be final by the day of the meeting at the latest",
                          field="agenda_final_by")
    meeting.agenda_final_by = day


def update_agenda_timeline(db: Session, actor: Actor | None, meeting: Meeting, day: date | None) -> None:
    _check_agenda_editor(actor, meeting)
    before = _agenda_snapshot(meeting)
    set_final_by(meeting, day)
    _agenda_changed(db, actor, meeting, before, "Set when the agenda must be final")


# --- minutes and attendance (M4) -----------------------------------------------------------------

ATTENDANCE_STATUSES = ("present", "apologies", "absent")


def expected_people(db: Session, meeting: Meeting, day: date | None = None) -> list[Person]:
    """Who is expected: the collaborative's current members and its Core on the meeting day (``day``:
    the day of the occurrence, for a series)."""
    return _people_of(db, meeting.collaborative_id, day or meeting.local_start.date())


def _people_of(db: Session, collab_id: int, day: date) -> list[Person]:
    """The collaborative's current members and its Core on ``day``, by name."""
    member_ids = select(Membership.person_id).where(Membership.collaborative_id == collab_id,
                                                    Membership.left_on.is_(None))
    return list(db.scalars(select(Person).where(or_(Person.id.in_(cores.core_people_query(collab_id, day)),
                                                    Person.id.in_(member_ids)))
                           .order_by(Person.name, Person.id)))


def attendees(db: Session, collab: Collaborative, day: date, network_zone: str) -> list[scheduling.Attendee]:
    """Who the cross-zone aid plans for: the collaborative's members and its Core on ``day``, each in
    their zone (M6) with their school's weekend."""
    return [scheduling.Attendee(p.name, p.zone_name(network_zone),
                                p.school.weekend_weekdays if p.school else frozenset())
            for p in _people_of(db, collab.id, day)]


def occurrence_at(meeting: Meeting, original_start: datetime) -> times.Occurrence | None:
    """M4: the occurrence keyed by ``original_start`` (its start as the rule generates it, in the
    series' wall time; a single meeting: its own local start), or None. An aware value is converted
    to the meeting's wall time."""
    wanted = _local(original_start, meeting.time_zone)
    return next((o for o in times.expand(meeting) if o.original_start == wanted), None)


def latest_occurrence(meeting: Meeting, at: datetime) -> times.Occurrence | None:
    """The latest occurrence, not cancelled, that had started by ``at``: the one the minutes page offers
    when none is named."""
    started = [o for o in times.expand(meeting) if not o.is_cancelled and o.starts_at <= at]
    return started[-1] if started else None


def past_occurrences(meeting: Meeting, now: datetime) -> list[times.Occurrence]:
    """The occurrences that have started (cancelled ones too), latest first."""
    return [o for o in reversed(times.expand(meeting)) if o.starts_at <= now]


def minutes_of(db: Session, meeting: Meeting, occurrence_start: datetime) -> MeetingMinutes | None:
    return db.scalar(select(MeetingMinutes).where(MeetingMinutes.meeting_id == meeting.id,
                                                  MeetingMinutes.occurrence_start == occurrence_start))


def minutes_by_occurrence(db: Session, meeting: Meeting) -> dict[datetime, MeetingMinutes]:
    """M4: every recorded set of minutes of ``meeting``, by occurrence (one query)."""
    rows = db.scalars(select(MeetingMinutes).where(MeetingMinutes.meeting_id == meeting.id)
                      .order_by(MeetingMinutes.occurrence_start))
    return {m.occurrence_start: m for m in rows}


def attendance_of(db: Session, meeting: Meeting, occurrence_start: datetime) -> dict[int, str]:
    """M4: who attended the occurrence, by person id."""
    return dict(db.execute(select(Attendance.person_id, Attendance.status)
                           .where(Attendance.meeting_id == meeting.id,
                                  Attendance.occurrence_start == occurrence_start)).all())


def attendance_list(db: Session, meeting: Meeting, occurrence_start: datetime) -> list[Attendance]:
    """M4: the occurrence's attendance with each person, by name."""
    return list(db.scalars(select(Attendance).join(Attendance.person)
                           .where(Attendance.meeting_id == meeting.id, Attendance.occurrence_start == occurrence_start)
                           .order_by(Person.name)))


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
    chosen = occurrence_at(meeting, occurrence)
    wanted = _local(occurrence, meeting.time_zone)
    if chosen is None:
        if meeting.is_recurring:
            raise DomainError("M4", f"the series has no occurrence at {wanted:%-d %b %Y %H:%M}", field="occurrence")
        raise DomainError("M4", f"the meeting starts at {meeting.local_start:%-d %b %Y %H:%M}, not at "
                          f"{wanted:%-d %b %Y %H:%M}", field="occurrence")
    if chosen.is_cancelled:
        raise DomainError("M4", f"the occurrence of {wanted:%-d %b %Y} was cancelled", field="occurrence")
    if chosen.starts_at > now:
        raise DomainError("M4", f"the occurrence of {chosen.local_start:%-d %b %Y} has not started yet; "
                          "record its minutes and attendance after it starts", field="occurrence")
    return chosen


def record_minutes(db: Session, actor: Actor | None, meeting: Meeting, minutes: str,
                   attendance: dict[int, str], now: datetime | None = None,
                   occurrence: datetime | None = None) -> MeetingMinutes:
    """M4: after an occurrence has started, the Core records who attended it and its minutes.

    ``occurrence`` is the occurrence's start as the series' rule generates it (a moved occurrence
    keeps it); a single meeting may leave it out. Each occurrence keeps its own minutes and
    attendance; recording again replaces that occurrence's. An occurrence the meeting does not have,
    a cancelled one or one still to come is refused, and nothing is written.
    """
    if actor is not None:
        require(actor, "meeting.edit", meeting.collaborative)
    now = now or now_utc()
    target = recordable_occurrence(meeting, occurrence, now)
    key = target.original_start
    bad = [s for s in attendance.values() if s not in ATTENDANCE_STATUSES]
    if bad:
        raise DomainError("M4", "attendance is present, apologies or absent", field="attendance")
    if attendance and len(db.scalars(select(Person.id).where(Person.id.in_(list(attendance)))).all()) != len(attendance):
        raise DomainError("M4", "attendance names someone who is not in the network", field="attendance")
    row = minutes_of(db, meeting, key)
    before = None
    if row is not None:
        before = {"occurrence": key.isoformat(), "minutes": row.text,
                  "attendance": {str(k): v for k, v in attendance_of(db, meeting, key).items()}}
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
    row.text = (minutes or "").strip()
    row.recorded_at = now
    row.recorded_by_id = actor.id if actor is not None else None
    # Minutes are in no calendar: the meeting itself (and so its feed entry and ETag) is unchanged.
    of = f" ({target.local_start:%a %-d %b %Y})" if meeting.is_recurring else ""
    record(db, actor, "meeting.minutes", meeting, f"Recorded minutes and attendance of {meeting.title}{of}",
           before=before, after={"occurrence": key.isoformat(), "minutes": row.text,
                                 "attendance": {str(k): v for k, v in attendance.items()}},
           collaborative_id=meeting.collaborative_id)
    return row


def _minutes_keys(db: Session, meeting: Meeting) -> list[datetime]:
    """The occurrences of ``meeting`` that have minutes or attendance recorded."""
    keys = set(db.scalars(select(MeetingMinutes.occurrence_start).where(MeetingMinutes.meeting_id == meeting.id)))
    keys |= set(db.scalars(select(Attendance.occurrence_start).where(Attendance.meeting_id == meeting.id)))
    return sorted(keys)


def _rekey_minutes(db: Session, meeting: Meeting, old_start: datetime, old_rule: str | None,
                   old_until: date | None) -> None:
    """M4: when a meeting is edited, its minutes and attendance follow their occurrences.

    A single meeting has one occurrence: its minutes move with its start. In a series they move
    like its moved and cancelled occurrences (``_rebase_occurrences``): by the change of time of day.
    An edit after which an occurrence with minutes would no longer exist is refused.
    """
    if (meeting.local_start, meeting.rrule, meeting.repeat_until) == (old_start, old_rule, old_until):
        return
    keys = _minutes_keys(db, meeting)
    if not keys:
        return
    if old_rule is None and not meeting.is_recurring:
        mapping = {k: meeting.local_start for k in keys}
    else:
        shift = (datetime.combine(date.min, meeting.local_start.time())
                 - datetime.combine(date.min, old_start.time()))
        starts = set(times.rule_starts(meeting.rrule, meeting.local_start, meeting.repeat_until)
                     if meeting.rrule else [meeting.local_start])
        mapping = {k: k + shift for k in keys}
        lost = [k for k, new in mapping.items() if new not in starts]
        if lost:
            raise DomainError("M4", "the changed meeting would no longer have the occurrences of "
                              + ", ".join(f"{k:%-d %b %Y}" for k in lost)
                              + ", which have minutes and attendance; keep them in the meeting or schedule "
                              "a new one", field="rrule" if meeting.is_recurring else "starts")
    mapping = {old: new for old, new in mapping.items() if old != new}
    if not mapping:
        return
    for row in db.scalars(select(MeetingMinutes).where(MeetingMinutes.meeting_id == meeting.id)):
        row.occurrence_start = mapping.get(row.occurrence_start, row.occurrence_start)
    for row in db.scalars(select(Attendance).where(Attendance.meeting_id == meeting.id)):
        row.occurrence_start = mapping.get(row.occurrence_start, row.occurrence_start)


# --- planning meetings and headcount (S2) ----------------------------------------------------------

def headcounts(db: Session, meetings: list[Meeting]) -> dict[int, int]:
    """S2: for each meeting, the size of its collaborative's Core on the meeting day (or, once recorded,
    how many attended) — what Center staff cater for. A fixed number of queries."""
    if not meetings:
        return {}
    days = [m.local_start.date() for m in meetings]
    terms = cores.terms_overlapping(db, {m.collaborative_id for m in meetings}, min(days), max(days))
    # Planning meetings are face to face, so never a series: their one occurrence is their start.
    present = dict(db.execute(select(Attendance.meeting_id, func.count())
                              .join(Meeting, Meeting.id == Attendance.meeting_id).where(
        Attendance.meeting_id.in_([m.id for m in meetings]), Attendance.occurrence_start == Meeting.local_start,
        Attendance.status == "present").group_by(Attendance.meeting_id)).all())
    out = {}
    for m in meetings:
        day = m.local_start.date()
        out[m.id] = present.get(m.id) or sum(1 for t in terms if t.collaborative_id == m.collaborative_id
                                              and t.is_current(day))
    return out


def planning_meetings(db: Session, conference_ids: Iterable[int] | None = None, *,
                      include_drafts: bool = False) -> list[Meeting]:
    stmt = select(Meeting).where(Meeting.is_planning.is_(True)).order_by(Meeting.starts_at)
    if not include_drafts:
        stmt = stmt.where(Meeting.status.in_(CALENDAR_STATUSES))
    if conference_ids is not None:
        stmt = stmt.where(Meeting.conference_id.in_(list(conference_ids)))
    return list(db.scalars(stmt))


# --- feed tokens (M5) ------------------------------------------------------------------------------

def token_of(secret_key: str, nonce: str) -> str:
    mac = hmac.new(secret_key.encode(), f"feed-token:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def active_token(db: Session, kind: str, owner_id: int) -> FeedToken | None:
    column = FeedToken.person_id if kind == FeedKind.PERSON else FeedToken.school_id
    return db.scalar(select(FeedToken).where(FeedToken.kind == kind, column == owner_id,
                                             FeedToken.revoked_at.is_(None)))


def may_manage_feed(actor: Actor | None, kind: str, owner_id: int) -> bool:
    """M5: one's own feed; a school's feed: its coordinators; any feed: the DPL."""
    if actor is None:
        return False
    if actor.is_dpl:
        return True
    if kind == FeedKind.PERSON:
        return owner_id == actor.id
    return actor.has(Role.SCHOOL_COORDINATOR) and actor.person.school_id == owner_id


def issue_token(db: Session, actor: Actor | None, kind: str, owner_id: int, secret_key: str) -> tuple[FeedToken, str]:
    """M5: a new secret feed URL; any earlier one for the same feed stops working (regenerate)."""
    if kind not in set(FeedKind):
        raise DomainError("M5", "a private feed is a person's or a school's", field="kind")
    if actor is not None and not may_manage_feed(actor, kind, owner_id):
        raise NotFound()
    old = active_token(db, kind, owner_id)
    if old is not None:
        old.revoked_at = now_utc()
        db.flush()
    nonce = secrets.token_urlsafe(24)
    token = token_of(secret_key, nonce)
    row = FeedToken(kind=kind, nonce=nonce, token_hash=_digest(token), created_by_id=getattr(actor, "id", None),
                    person_id=owner_id if kind == FeedKind.PERSON else None,
                    school_id=owner_id if kind == FeedKind.SCHOOL else None)
    db.add(row)
    record(db, actor, "feed_token.regenerate" if old else "feed_token.create", row,
           f"{'Regenerated' if old else 'Created'} the secret {kind} calendar link",
           after={"kind": kind, "owner_id": owner_id})
    return row, token


def revoke_token(db: Session, actor: Actor | None, row: FeedToken) -> FeedToken:
    """M5: the link stops working at once (404)."""
    owner = row.person_id if row.kind == FeedKind.PERSON else row.school_id
    if actor is not None and not may_manage_feed(actor, row.kind, owner):
        raise NotFound()
    if row.revoked_at is None:
        row.revoked_at = now_utc()
        record(db, actor, "feed_token.revoke", row, f"Revoked the secret {row.kind} calendar link",
               after={"kind": row.kind, "owner_id": owner})
    return row


def find_token(db: Session, kind: str, token: str) -> FeedToken | None:
    """The active token row for a URL's secret, or None (unknown and revoked look the same)."""
    if not token or len(token) > 100:
        return None
    return db.scalar(select(FeedToken).where(FeedToken.token_hash == _digest(token), FeedToken.kind == kind,
                                             FeedToken.revoked_at.is_(None)))
