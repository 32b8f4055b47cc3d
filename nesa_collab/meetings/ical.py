"""M5: iCalendar (RFC 5545) feeds, built with the ``icalendar`` library.

Pure functions: they read meetings and conferences already loaded and return bytes, so the same
input always gives the same output (stable UIDs; DTSTAMP and LAST-MODIFIED from the rows' update
times, never "now"), which keeps ETags stable for unchanged feeds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vRecur, vText

from .models import Conference, Meeting
from .times import until_instant

PRODID = "-//NESA Collaboratives//nesa-collab meetings//EN"
#: How often subscribers should refresh (RFC 7986 REFRESH-INTERVAL and the older X-PUBLISHED-TTL).
REFRESH = timedelta(hours=1)
REFRESH_TTL = "PT1H"


@dataclass(frozen=True)
class EventData:
    """One VEVENT: timed (aware datetimes in their zone) or all-day (dates)."""

    uid: str
    summary: str
    start: datetime | date
    end: datetime | date
    stamp: datetime
    sequence: int = 0
    status: str = "CONFIRMED"
    description: str = ""
    location: str = ""
    url: str = ""
    categories: tuple[str, ...] = ()
    rrule: str | None = None
    until: datetime | None = None
    exdates: tuple[datetime, ...] = ()
    recurrence_id: datetime | None = None
    created: datetime | None = None


@dataclass(frozen=True)
class FeedData:
    """A calendar: its name, a stable UID, where it lives and its events."""

    name: str
    uid: str
    url: str
    description: str = ""
    events: list[EventData] = field(default_factory=list)


def host_of(base_url: str) -> str:
    return urlsplit(base_url).hostname or "localhost"


def meeting_uid(meeting_id: int, host: str, prefix: str = "") -> str:
    """The stable UID of a meeting's events (its occurrences share it, told apart by RECURRENCE-ID)."""
    return f"{prefix}meeting-{meeting_id}@{host}"


def conference_uid(conference_id: int, host: str) -> str:
    return f"conference-{conference_id}@{host}"


def _aware(local: datetime, zone: str) -> datetime:
    return local.replace(tzinfo=ZoneInfo(zone))


def meeting_description(meeting: Meeting, page_url: str) -> str:
    """Plain text: what it is, the join link, the agenda, where to read more."""
    lines: list[str] = []
    if meeting.is_cancelled:
        lines.append("CANCELLED")
    lines.append(f"{meeting.collaborative.name} · {meeting.mode_label}"
                 + (f" · planning meeting beside {meeting.conference.name}" if meeting.is_planning and meeting.conference
                    else (f" · beside {meeting.conference.name}" if meeting.conference else "")))
    lines.append(f"Times are {meeting.time_zone} ({meeting.local_start:%H:%M}–{meeting.local_end:%H:%M} local).")
    if meeting.join_url:
        lines.append(f"Join: {meeting.join_url}")
    if meeting.description:
        lines += ["", meeting.description]
    if meeting.agenda:
        lines += ["", "Agenda:"]
        for n, item in enumerate(meeting.agenda, 1):
            who = f" — {item.presenter}" if item.presenter else ""
            lines.append(f"{n}. {item.title}{who} ({item.minutes} min)")
    lines += ["", f"Meeting page: {page_url}"]
    return "\n".join(lines)


def meeting_events(meeting: Meeting, host: str, page_url: str, *, uid_prefix: str = "",
                   summary_prefix: str = "") -> list[EventData]:
    """The VEVENTs of a meeting: one, or a series master with its moved occurrences.

    M2: a cancelled meeting stays, with STATUS:CANCELLED. M5: a cancelled occurrence of a series is an
    EXDATE on the master; a moved one is an event with RECURRENCE-ID (the original start) and its own times.
    """
    uid = meeting_uid(meeting.id, host, uid_prefix)
    zone = meeting.time_zone
    location = ", ".join(p for p in (meeting.place, meeting.join_url or "") if p)
    summary = summary_prefix + meeting.title
    description = meeting_description(meeting, page_url)
    status = "CANCELLED" if meeting.is_cancelled else "CONFIRMED"
    cats = (meeting.collaborative.name,) + (("Planning meeting",) if meeting.is_planning else ())
    common = dict(uid=uid, summary=summary, stamp=meeting.updated_at, description=description, location=location,
                  url=page_url, categories=cats, created=meeting.created_at)
    master = EventData(start=_aware(meeting.local_start, zone), end=_aware(meeting.local_end, zone),
                       sequence=meeting.sequence, status=status, **common)
    if not meeting.rrule:
        return [master]
    exdates = tuple(_aware(o.original_start, zone) for o in meeting.occurrences if o.status == "cancelled")
    until = until_instant(meeting.repeat_until, zone) if meeting.repeat_until else None
    events = [EventData(**{**master.__dict__, "rrule": meeting.rrule, "until": until, "exdates": exdates})]
    for occ in meeting.occurrences:
        if occ.status == "moved":
            events.append(EventData(start=_aware(occ.local_start, zone), end=_aware(occ.local_end, zone),
                                    recurrence_id=_aware(occ.original_start, zone),
                                    sequence=occ.sequence, status=status,
                                    **{**common, "stamp": max(occ.updated_at, meeting.updated_at),
                                       "description": _moved_note(occ, zone) + description}))
    return events


def _moved_note(occ, zone: str) -> str:
    note = f" {occ.note}" if occ.note else ""
    return f"Moved from {occ.original_start:%a %-d %b %H:%M} ({zone}).{note}\n\n"


def conference_event(conf: Conference, host: str, page_url: str) -> EventData:
    """S1: a conference as an all-day event over its days (DTEND is the day after the last)."""
    featured = ", ".join(c.name for c in conf.featured)
    text = [f"{conf.kind_label} in {conf.city}" + (f", {conf.country}" if conf.country else "")
            + f" ({conf.time_zone})."]
    if conf.hotel:
        text.append(f"Conference hotel: {conf.hotel}" + (f", {conf.hotel_address}" if conf.hotel_address else ""))
    if featured:
        text.append(f"Featuring: {featured}")
    if conf.description:
        text += ["", conf.description]
    text += ["", f"More: {page_url}"]
    return EventData(uid=conference_uid(conf.id, host), summary=conf.name, start=conf.starts_on,
                     end=conf.ends_on + timedelta(days=1), stamp=conf.updated_at, sequence=conf.sequence,
                     description="\n".join(text), location=conf.place, url=page_url,
                     categories=(conf.kind_label,), created=conf.created_at)


def vevent(e: EventData) -> Event:
    """One VEVENT as an ``icalendar`` component (an invitation adds its ORGANIZER and ATTENDEE)."""
    event = Event.new(uid=e.uid, summary=e.summary, start=e.start, end=e.end, stamp=e.stamp.astimezone(timezone.utc),
                      last_modified=e.stamp.astimezone(timezone.utc), sequence=e.sequence, status=e.status,
                      description=e.description or None, location=e.location or None, url=e.url or None,
                      categories=list(e.categories), recurrence_id=e.recurrence_id,
                      created=e.created.astimezone(timezone.utc) if e.created else None)
    if e.rrule:
        rule = vRecur.from_ical(e.rrule)
        if e.until is not None:
            rule["UNTIL"] = [e.until.astimezone(timezone.utc)]
        event.add("rrule", rule)
    if e.exdates:
        event.add("exdate", list(e.exdates))
    return event


def _date_range(events: Iterable[EventData]) -> tuple[date, date]:
    days: list[date] = []
    for e in events:
        for value in (e.start, e.end, e.until):
            if isinstance(value, datetime):
                days.append(value.date())
    return min(days), max(days)


@lru_cache(maxsize=50_000)
def event_bytes(e: EventData) -> bytes:
    """One serialized VEVENT. ``EventData`` is immutable and holds everything the event shows (UID,
    SEQUENCE, the row's update time, texts, URLs), so equal data gives equal bytes and the work of a
    large feed is not redone for the events that did not change."""
    return vevent(e).to_ical()


@lru_cache(maxsize=512)
def _timezone_bytes(zone: str, first: date, last: date) -> bytes:
    return Timezone.from_tzid(zone, first_date=first, last_date=last).to_ical()


def build_calendar(feed: FeedData) -> bytes:
    """The feed as RFC 5545 bytes: a stable calendar UID, a name, a refresh hint and a VTIMEZONE
    for every zone an event uses (several zones, so no X-WR-TIMEZONE)."""
    zones = sorted({e.start.tzinfo.key for e in feed.events  # type: ignore[union-attr]
                    if isinstance(e.start, datetime) and isinstance(e.start.tzinfo, ZoneInfo)})
    timed = [e for e in feed.events if isinstance(e.start, datetime)]
    span = _date_range(timed) if timed else None
    return assemble(feed, zones, span, [event_bytes(e) for e in feed.events])


def assemble(feed: FeedData, zones: list[str], span: tuple[date, date] | None, events: list[bytes]) -> bytes:
    """A calendar from already serialized events: the header, a VTIMEZONE for each of ``zones``
    covering ``span`` (with a week's margin), then the events."""
    cal = Calendar.new(uid=feed.uid, name=feed.name, prodid=PRODID, url=feed.url or None,
                       description=feed.description or None)
    for key in ("NAME", "X-WR-CALNAME", "X-WR-CALDESC"):
        # TEXT values escape "," ";" "\" and newlines (RFC 5545 3.3.11); icalendar writes these three bare.
        if key in cal:
            value = str(cal.pop(key))
            cal.add(key, vText(value))
    cal.add("REFRESH-INTERVAL", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("X-PUBLISHED-TTL", REFRESH_TTL)
    cal.add("CALSCALE", "GREGORIAN")
    # No METHOD: a subscription feed or a downloaded file is a plain iCalendar object; METHOD:PUBLISH
    # would make it an iTIP message, which must name an ORGANIZER on every event (RFC 5546).
    shell = cal.to_ical()
    end = b"END:VCALENDAR\r\n"
    if not shell.endswith(end):
        raise ValueError("unexpected calendar serialization")
    first, last = span if span else (date(2000, 1, 1), date(2000, 1, 2))
    first, last = first - timedelta(days=7), last + timedelta(days=7)
    parts = [shell[:-len(end)]]
    parts += [_timezone_bytes(z, first, last) for z in zones]
    parts += events
    parts.append(end)
    return b"".join(parts)
