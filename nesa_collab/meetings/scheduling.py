"""Finding a time across zones: a proposed time as every member's local time, grouped by zone with
head counts, who would be outside reasonable hours (before 07:00, after 21:00, or on their school's
weekend, N1), and the best starts on a chosen day. Pure: it takes people and instants."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from ..network.models import WEEKDAYS

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
