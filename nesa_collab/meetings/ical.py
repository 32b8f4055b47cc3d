"""M5: iCalendar (RFC 5545) feeds, built with the ``icalendar`` library.

Pure functions: they read meetings and conferences already loaded and return bytes, so the same
input always gives the same output (stable UIDs; DTSTAMP and LAST-MODIFIED from the rows' update
times, never "now"), which keeps ETags stable for unchanged feeds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, datetime, time, timedelta, timezone
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vDuration, vRecur, vText

from . import times
from .models import Conference, Meeting
from .times import until_instant

PRODID = "-//NESA Collaboratives//nesa-collab meetings//EN"
#: How often subscribers should refresh (RFC 7986 REFRESH-INTERVAL and the older X-PUBLISHED-TTL).
REFRESH = timedelta(hours=1)
REFRESH_TTL = "PT1H"


@dataclass(frozen=True)
class EventData:
    """One VEVENT: timed (aware datetimes in their zone, or in UTC for a wall time that is not one
    instant) or all-day (dates). With ``duration`` the event carries DURATION instead of DTEND."""

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
    duration: timedelta | None = None
    #: The end of the last instance the event describes (a series' last occurrence), for the span the
    #: file's VTIMEZONEs cover; not written.
    last_end: datetime | None = None


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
    """The VEVENTs of a meeting: one, or a series master with its overrides.

    M2: a cancelled meeting stays, with STATUS:CANCELLED. M5: a cancelled occurrence of a series is an
    EXDATE on the master; a moved one is an event with RECURRENCE-ID (the original start) and its own times.

    Every client must read the same instants (issue 12), so nothing is left to a client's reading of
    a wall time that is not one instant (RFC 5545 §3.3.5 says how; ical.js and libical do otherwise):
    - a series carries DURATION, not DTEND (master and overrides): an occurrence lasts the meeting's
      length in elapsed time (``times.series_length``), where a DTEND would be re-read as a wall time
      on each occurrence's day and could fall before a start moved out of a skipped hour;
    - a single meeting's DTSTART or DTEND whose wall time is repeated or skipped is written in UTC;
    - a series' DTSTART stays in its zone (its RRULE repeats in wall time), and each occurrence whose
      wall time is repeated or skipped gets an override VEVENT: RECURRENCE-ID in the zone's wall time
      (each client matches it to its own expansion of the rule, whichever instant it gives it) and
      DTSTART in UTC, the instant ``times.instant`` gives (the first of a repeated hour, the offset
      before a skipped one), as the API's occurrences say. A moved occurrence whose new wall time is
      not one instant is written in UTC the same way. EXDATEs stay in wall time, to match the same way.
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
    if not meeting.rrule:
        return [EventData(start=_written(meeting.local_start, zone), end=_written(meeting.local_end, zone),
                          sequence=meeting.sequence, status=status, **common)]
    length = times.series_length(meeting)
    occurrences = times.expand(meeting)
    exdates = tuple(_aware(o.original_start, zone) for o in meeting.occurrences if o.status == "cancelled")
    until = until_instant(meeting.repeat_until, zone) if meeting.repeat_until else None
    events = [EventData(start=_aware(meeting.local_start, zone), end=_aware(meeting.local_end, zone),
                        duration=length, sequence=meeting.sequence, status=status, rrule=meeting.rrule,
                        until=until, exdates=exdates, last_end=max(o.ends_at for o in occurrences), **common)]
    moved = {occ.original_start: occ for occ in meeting.occurrences if occ.status == "moved"}
    for o in occurrences:
        if o.original_start in moved:
            occ = moved[o.original_start]
            events.append(EventData(start=_written(occ.local_start, zone), end=_written(occ.local_end, zone),
                                    duration=occ.ends_at - occ.starts_at, sequence=occ.sequence, status=status,
                                    recurrence_id=_aware(occ.original_start, zone),
                                    **{**common, "stamp": max(occ.updated_at, meeting.updated_at),
                                       "description": _moved_note(occ, zone) + description}))
        elif not o.is_cancelled and not times.is_unique(o.original_start, zone):
            events.append(EventData(start=o.starts_at, end=o.ends_at, duration=length,
                                    recurrence_id=_aware(o.original_start, zone), sequence=meeting.sequence,
                                    status=status, **common))
    return events


def _written(local: datetime, zone: str) -> datetime:
    """A wall time as a file writes it: in its zone (TZID) when it is one instant there, else that
    instant in UTC (``times.instant``), which no client can read otherwise."""
    if times.is_unique(local, zone):
        return _aware(local, zone)
    return times.instant(local, zone)


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
    event = Event.new(uid=e.uid, summary=e.summary, start=e.start, end=None if e.duration else e.end,
                      stamp=e.stamp.astimezone(timezone.utc),
                      last_modified=e.stamp.astimezone(timezone.utc), sequence=e.sequence, status=e.status,
                      description=e.description or None, location=e.location or None, url=e.url or None,
                      categories=list(e.categories), recurrence_id=e.recurrence_id,
                      created=e.created.astimezone(timezone.utc) if e.created else None)
    if e.duration is not None:
        event.add("DURATION", _Elapsed(e.duration))
    if e.rrule:
        rule = vRecur.from_ical(e.rrule)
        if e.until is not None:
            rule["UNTIL"] = [e.until.astimezone(timezone.utc)]
        event.add("rrule", rule)
    if e.exdates:
        event.add("exdate", list(e.exdates))
    return event


class _Elapsed(vDuration):
    """A DURATION in hours and minutes only: RFC 5545 reads "P1D" as a nominal day (23 or 25 hours
    across a change of offset), "PT24H" as elapsed time, which is what an occurrence lasts."""

    def to_ical(self) -> bytes:
        hours, rest = divmod(int(self.td.total_seconds()), 3600)
        return f"PT{hours}H{rest // 60}M".encode() if rest else f"PT{hours}H".encode()


def _date_range(events: Iterable[EventData]) -> tuple[date, date]:
    days: list[date] = []
    for e in events:
        for value in (e.start, e.end, e.until, e.last_end):
            if isinstance(value, datetime):
                days.append(value.date())
    return min(days), max(days)


#: The zone blocks reach this far beyond the first and last instants a file describes.
MARGIN = timedelta(days=7)


def zone_span(events: Iterable[EventData]) -> tuple[date, date]:
    """M5: the days a file's VTIMEZONEs cover: from its first instant to the end of its last instance
    (a series' last occurrence, COUNT or UNTIL), with a week's margin either side."""
    first, last = _date_range(events)
    return first - MARGIN, last + MARGIN


@lru_cache(maxsize=50_000)
def event_bytes(e: EventData) -> bytes:
    """One serialized VEVENT. ``EventData`` is immutable and holds everything the event shows (UID,
    SEQUENCE, the row's update time, texts, URLs), so equal data gives equal bytes and the work of a
    large feed is not redone for the events that did not change."""
    return vevent(e).to_ical()


@lru_cache(maxsize=512)
def timezone_block(zone: str, first: date, last: date) -> bytes:
    """M5: the VTIMEZONE of ``zone`` from ``first`` to ``last``, built from zoneinfo's transitions.

    RFC 5545 §3.6.5: an observance's DTSTART (its onset) is the local time *before* the change, in
    TZOFFSETFROM (London's summer time starts at 01:00 GMT on 28 March 2027: DAYLIGHT onset
    20270328T010000); icalendar 7's ``Timezone.from_tzid`` writes spring onsets an hour late. One
    observance per transition, with one explicit DTSTART and no RRULE or RDATE list (which clients read
    differently), DAYLIGHT when zoneinfo says summer time. The first observance opens the span with the
    offset in effect then (TZOFFSETFROM = TZOFFSETTO), so every instant in the span has its offset.
    """
    return timezone_component(zone, first, last).to_ical()


def timezone_component(zone: str, first: date, last: date) -> Timezone:
    """M5: ``timezone_block`` as an ``icalendar`` component (for a calendar built as one, an invitation)."""
    z = ZoneInfo(zone)
    opening = datetime.combine(first, time(), z).astimezone(timezone.utc)
    closing = datetime.combine(last + timedelta(days=1), time(), z).astimezone(timezone.utc)
    tz = Timezone()
    tz.add("TZID", zone)
    before = opening.astimezone(z).utcoffset()
    tz.add_component(_observance(z, opening, before))
    for year in range(opening.year, closing.year + 1):
        for instant, before in _transitions(zone, year):
            if opening < instant < closing:
                tz.add_component(_observance(z, instant, before))
    return tz


def _observance(z: ZoneInfo, instant: datetime, before: timedelta) -> TimezoneStandard | TimezoneDaylight:
    """The observance starting at ``instant`` (UTC); its onset is written in the offset before it."""
    local = instant.astimezone(z)
    ob = TimezoneDaylight() if local.dst() else TimezoneStandard()
    ob.add("DTSTART", (instant + before).replace(tzinfo=None))
    ob.add("TZNAME", local.tzname())
    ob.add("TZOFFSETFROM", before)
    ob.add("TZOFFSETTO", local.utcoffset())
    return ob


#: Transitions are looked for at this step, then found to the second (no zone changes twice in 6 hours).
_STEP = timedelta(hours=6)


@lru_cache(maxsize=4096)
def _transitions(zone: str, year: int) -> tuple[tuple[datetime, timedelta], ...]:
    """zoneinfo's changes of offset in a year (UTC): (the first instant of the new offset, the offset
    before). zoneinfo has no public list of transitions, so the offset is sampled and each change
    narrowed down by bisection; kept by zone and year, as the spans of feeds move a little at a time."""
    z = ZoneInfo(zone)
    start, end = datetime(year, 1, 1, tzinfo=timezone.utc), datetime(year + 1, 1, 1, tzinfo=timezone.utc)
    out = []
    t, offset = start, start.astimezone(z).utcoffset()
    while t < end:
        step = min(t + _STEP, end)
        after = step.astimezone(z).utcoffset()
        if after != offset:
            lo, hi = t, step
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                mid = mid.replace(microsecond=0)
                if mid.astimezone(z).utcoffset() == offset:
                    lo = mid
                else:
                    hi = mid
            out.append((hi, offset))
            offset = after
        t = step
    return tuple(out)


def build_calendar(feed: FeedData) -> bytes:
    """The feed as RFC 5545 bytes: a stable calendar UID, a name, a refresh hint and a VTIMEZONE
    for every zone an event uses (several zones, so no X-WR-TIMEZONE)."""
    zones = sorted({value.tzinfo.key for e in feed.events for value in (e.start, e.end, e.recurrence_id, *e.exdates)
                    if isinstance(value, datetime) and isinstance(value.tzinfo, ZoneInfo)})
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
    first, last = first - MARGIN, last + MARGIN
    parts = [shell[:-len(end)]]
    parts += [timezone_block(z, first, last) for z in zones]
    parts += events
    parts.append(end)
    return b"".join(parts)
