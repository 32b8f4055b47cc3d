"""Finding a time across zones: a proposed time as every member's local time, grouped by zone with
head counts, who would be outside reasonable hours (before 07:00, after 21:00, or on their school's
weekend, N1), the best starts on a chosen day, and what a daylight-saving change does to the times
chosen (``dst_warnings``). Pure: it takes people, meetings and instants."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from ..network.models import WEEKDAYS
from . import times

EARLIEST = time(7, 0)
LATEST = time(21, 0)
#: A meeting overlapping these local hours on a working day competes with teaching.
SCHOOL_DAY = (time(7, 30), time(16, 0))


@dataclass(frozen=True)
class Attendee:
    name: str
    zone: str
    #: ``date.weekday()`` numbers of the weekend at their school (empty: not known).
    weekend: frozenset[int] = frozenset()


@dataclass
class ZoneGroup:
    """The proposed time in one zone, with how many people are there and how many it troubles."""

    zone: str
    local_start: datetime
    local_end: datetime
    people: list[str] = field(default_factory=list)
    early_or_late: int = 0
    on_weekend: int = 0
    #: People troubled either way (counted once).
    outside: int = 0

    @property
    def count(self) -> int:
        return len(self.people)

    @property
    def offset(self) -> str:
        z = self.local_start.strftime("%z")
        return f"UTC{z[:3]}:{z[3:]}"


    @property
    def warning(self) -> str | None:
        notes = []
        if self.early_or_late:
            when = "before 07:00" if self.local_start.time() < EARLIEST else "after 21:00"
            notes.append(f"{self.early_or_late} of {self.count} {when} local")
        if self.on_weekend:
            notes.append(f"{self.on_weekend} of {self.count} on their weekend ({self.local_start:%A})")
        return "; ".join(notes) or None


def _early_or_late(local_start: datetime, local_end: datetime) -> bool:
    starts_early = local_start.time() < EARLIEST
    ends_late = local_end.date() > local_start.date() or local_end.time() > LATEST
    return starts_early or ends_late


def zone_table(attendees: list[Attendee], starts_at: datetime, ends_at: datetime) -> list[ZoneGroup]:
    """The proposed meeting in every attendee's zone, grouped by zone, earliest local time first."""
    groups: dict[str, ZoneGroup] = {}
    for a in attendees:
        z = ZoneInfo(a.zone)
        g = groups.get(a.zone)
        if g is None:
            g = groups[a.zone] = ZoneGroup(a.zone, starts_at.astimezone(z), ends_at.astimezone(z))
        g.people.append(a.name)
        local_start, local_end = g.local_start.replace(tzinfo=None), g.local_end.replace(tzinfo=None)
        early_or_late = _early_or_late(local_start, local_end)
        weekend = local_start.weekday() in a.weekend
        g.early_or_late += early_or_late
        g.on_weekend += weekend
        g.outside += early_or_late or weekend
    return sorted(groups.values(), key=lambda g: (g.local_start.utcoffset(), g.zone))


def outside_count(attendees: list[Attendee], starts_at: datetime, ends_at: datetime) -> int:
    """How many people the time troubles (early, late or on their weekend)."""
    n = 0
    for a in attendees:
        z = ZoneInfo(a.zone)
        s, e = starts_at.astimezone(z).replace(tzinfo=None), ends_at.astimezone(z).replace(tzinfo=None)
        if _early_or_late(s, e) or s.weekday() in a.weekend:
            n += 1
    return n


@dataclass(frozen=True)
class Suggestion:
    local_start: datetime  # in the organizer's zone
    starts_at: datetime
    outside: int
    in_school_day: int


def suggest(attendees: list[Attendee], day: date, zone_name: str, minutes: int, *, step: int = 30,
            top: int = 3) -> list[Suggestion]:
    """The best starts on ``day`` (in ``zone_name``): fewest people outside reasonable hours, then
    fewest whose school day it cuts into, then the earliest."""
    z = ZoneInfo(zone_name)
    out = []
    start = datetime.combine(day, time())
    while start.date() == day:
        starts_at = start.replace(tzinfo=z).astimezone(timezone.utc)
        if starts_at.astimezone(z).replace(tzinfo=None) == start:  # skip wall times that do not exist
            ends_at = starts_at + timedelta(minutes=minutes)
            school = 0
            for a in attendees:
                az = ZoneInfo(a.zone)
                s = starts_at.astimezone(az).replace(tzinfo=None)
                e = ends_at.astimezone(az).replace(tzinfo=None)
                if s.weekday() not in a.weekend and s.time() < SCHOOL_DAY[1] and e.time() > SCHOOL_DAY[0]:
                    school += 1
            out.append(Suggestion(start, starts_at, outside_count(attendees, starts_at, ends_at), school))
        start += timedelta(minutes=step)
    out.sort(key=lambda s: (s.outside, s.in_school_day, s.starts_at))
    return out[:top]


def weekend_numbers(days: str | tuple[str, ...] | None) -> frozenset[int]:
    if not days:
        return frozenset()
    if isinstance(days, str):
        days = tuple(d for d in days.split(",") if d)
    return frozenset(WEEKDAYS.index(d) for d in days)


def dst_warnings(meeting) -> list[str]:
    """M1: what a daylight-saving change does to the times just scheduled, said before anyone relies
    on them. A wall time in the hour the clocks go back happens twice: it is kept at the first instant
    (as RFC 5545 and every calendar reads it), and the warning names both and suggests the hour after.
    An occurrence of a series in the hour the clocks skip starts when the clocks have moved on (and
    lasts the meeting's length). Empty when the clocks change at no time the meeting uses."""
    zone_name = meeting.time_zone
    out = []
    for label, local in (("It starts at", meeting.local_start), ("It ends at", meeting.local_end)):
        if times.is_repeated(local, zone_name):
            out.append(_repeated(label, local, zone_name))
    if not meeting.rrule:
        return out
    for o in times.expand(meeting):
        if o.is_cancelled or o.status == "moved" or o.original_start == meeting.local_start:
            continue
        if times.is_repeated(o.original_start, zone_name):
            out.append(_repeated("The occurrence at", o.original_start, zone_name))
        elif not times.is_unique(o.original_start, zone_name):
            out.append(f"The occurrence at {o.original_start:%H:%M on %a %-d %b %Y} does not exist in {zone_name} "
                       f"(the clocks go forward that night): it starts at {o.local_start:%H:%M} "
                       f"({o.starts_at:%H:%M} UTC) and ends at {o.local_end:%H:%M}. Move it if another time suits.")
    return out


def _repeated(label: str, local: datetime, zone_name: str) -> str:
    first, second = times.both_instants(local, zone_name)
    after = local + (first.astimezone(ZoneInfo(zone_name)).utcoffset()
                     - second.astimezone(ZoneInfo(zone_name)).utcoffset())
    return (f"{label} {local:%H:%M on %a %-d %b %Y}, which happens twice in {zone_name} (the clocks go back that "
            f"night): it is saved as the first, {first:%H:%M} UTC ({_offset(first, zone_name)}), not the second, "
            f"{second:%H:%M} UTC ({_offset(second, zone_name)}). To leave no doubt, choose {after:%H:%M}"
            + (f" on {after:%a %-d %b}" if after.date() != local.date() else "") + ", the hour after.")


def _offset(instant: datetime, zone_name: str) -> str:
    z = instant.astimezone(ZoneInfo(zone_name)).strftime("%z")
    return f"UTC{z[:3]}:{z[3:]}"
