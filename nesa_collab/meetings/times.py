"""Wall-clock times in named zones, and the occurrences of recurring meetings (zoneinfo + dateutil).

Meetings are scheduled as a local wall time in an IANA zone; instants are derived from that. A
recurring meeting repeats in wall time, so its UTC instant shifts when the zone changes offset.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from ..errors import DomainError
from ..zones import known_zone

UTC = timezone.utc
#: A recurring meeting may have at most this many occurrences (a few school years of weekly meetings).
MAX_OCCURRENCES = 200


def zone(name: str, field: str = "time_zone") -> ZoneInfo:
    found = known_zone(name)
    if found is None:
        raise DomainError("M1", f"{str(name)[:80]!r} is not an IANA time zone (e.g. Asia/Dubai)", field=field)
    return found


def to_utc(local: datetime, zone_name: str, field: str = "starts") -> datetime:
    """The instant of wall time ``local`` (naive) in ``zone_name``.

    A wall time skipped by a daylight-saving change does not exist and is refused; an ambiguous one
    (repeated hour) is taken at its first occurrence (``fold=0``).
    """
    z = zone(zone_name)
    aware = local.replace(tzinfo=z, fold=0)
    instant = aware.astimezone(UTC)
    if instant.astimezone(z).replace(tzinfo=None) != local:
        raise DomainError("M1", f"{local:%H:%M} on {local:%d %b %Y} does not exist in {zone_name} "
                          "(the clocks change that night); choose another time", field=field)
    return instant


def to_local(instant: datetime, zone_name: str) -> datetime:
    return instant.astimezone(ZoneInfo(zone_name)).replace(tzinfo=None)


def until_instant(repeat_until: date, zone_name: str) -> datetime:
    """The UNTIL of a rule ending on ``repeat_until`` (inclusive), as RFC 5545 wants it: in UTC."""
    return datetime.combine(repeat_until, time(23, 59, 59)).replace(tzinfo=ZoneInfo(zone_name)).astimezone(UTC)


def parse_rule(rule: str, local_start: datetime, repeat_until: date | None):
    """M1: a recurrence rule (RFC 5545 RRULE value) checked and bound to the meeting's wall time."""
    text = rule.strip().upper()
    if text.startswith("RRULE:"):
        text = text[6:]
    parts = dict(p.split("=", 1) for p in text.split(";") if "=" in p)
    if "UNTIL" in parts:
        raise DomainError("M1", "give the last day as 'repeat until', not as UNTIL in the rule", field="rrule")
    if "FREQ" not in parts or parts["FREQ"] not in ("DAILY", "WEEKLY", "MONTHLY", "YEARLY"):
        raise DomainError("M1", "a recurrence rule needs FREQ=WEEKLY, MONTHLY, ... (RFC 5545)", field="rrule")
    if ("COUNT" in parts) == (repeat_until is not None):
        raise DomainError("M1", "a recurring meeting ends: give either a number of occurrences (COUNT) "
                          "or a last day, not both", field="repeat_until")
    try:
        until = datetime.combine(repeat_until, time(23, 59, 59)) if repeat_until else None
        parsed = rrulestr(text, dtstart=local_start)
        if until is not None:
            parsed = parsed.replace(until=until)
    except (ValueError, TypeError) as exc:
        raise DomainError("M1", f"the recurrence rule is not valid ({exc})", field="rrule") from None
    return text, parsed


@dataclass(frozen=True)
class Occurrence:
    """One occurrence of a meeting, as the rule generates it or as it was moved or cancelled."""

    original_start: datetime  # wall time as generated (the RECURRENCE-ID)
    local_start: datetime
    local_end: datetime
    starts_at: datetime
    ends_at: datetime
    status: str  # scheduled, moved, cancelled
    note: str = ""

    @property
    def is_cancelled(self) -> bool:
        return self.status == "cancelled"


def rule_starts(rule: str, local_start: datetime, repeat_until: date | None) -> list[datetime]:
    """Every wall-time start the rule generates (capped at MAX_OCCURRENCES + 1 for the check)."""
    _, parsed = parse_rule(rule, local_start, repeat_until)
    out = []
    for start in parsed:
        out.append(start)
        if len(out) > MAX_OCCURRENCES:
            break
    return out


def expand(meeting, exceptions=None) -> list[Occurrence]:
    """The occurrences of ``meeting`` (one for a single meeting), exceptions applied, by start. M1: each
    occurrence of a series lasts the series' length in elapsed time (``series_length``), even when
    its wall time falls in a skipped or repeated hour; its local times are read from its instants."""
    length = series_length(meeting)
    if not meeting.rrule:
        return [Occurrence(meeting.local_start, meeting.local_start, meeting.local_end, meeting.starts_at,
                           meeting.ends_at, "cancelled" if meeting.is_cancelled else "scheduled")]
    by_original = {o.original_start: o for o in (exceptions if exceptions is not None else meeting.occurrences)}
    out = []
    for start in rule_starts(meeting.rrule, meeting.local_start, meeting.repeat_until):
        exc = by_original.get(start)
        if exc is not None and exc.status == "moved":
            out.append(Occurrence(start, exc.local_start, exc.local_end, exc.starts_at, exc.ends_at, "moved", exc.note))
            continue
        starts_at = instant(start, meeting.time_zone)
        ends_at = starts_at + length
        status = "cancelled" if (exc is not None or meeting.is_cancelled) else "scheduled"
        out.append(Occurrence(start, to_local(starts_at, meeting.time_zone), to_local(ends_at, meeting.time_zone),
                              starts_at, ends_at, status, exc.note if exc else ""))
    return sorted(out, key=lambda o: o.starts_at)


def instant(local: datetime, zone_name: str) -> datetime:
    """The instant of a wall time an occurrence rule generated, read as RFC 5545 §3.3.5 reads a
    DATE-TIME with a TZID (and zoneinfo with ``fold=0``): a repeated wall time is its first instant; a
    skipped one is read with the offset before the gap, so it moves forward by the change (New York's
    02:30 on 14 March 2027 is 07:30Z, 03:30 EDT). Unlike ``to_utc`` it never refuses."""
    return local.replace(tzinfo=ZoneInfo(zone_name), fold=0).astimezone(UTC)


def series_length(meeting) -> timedelta:
    """M1: how long each occurrence of a series lasts, in elapsed time: the wall-clock length the
    meeting was scheduled with (17:00–18:00 is an hour, whatever the clocks do that night)."""
    return meeting.local_end - meeting.local_start


def is_unique(local: datetime, zone_name: str) -> bool:
    """Whether wall time ``local`` names exactly one instant in the zone: it is neither skipped nor
    repeated by a daylight-saving change (zoneinfo gives both folds the same offset)."""
    z = ZoneInfo(zone_name)
    return local.replace(tzinfo=z, fold=0).utcoffset() == local.replace(tzinfo=z, fold=1).utcoffset()


def is_repeated(local: datetime, zone_name: str) -> bool:
    """Whether wall time ``local`` happens twice (the hour the clocks go back)."""
    return not is_unique(local, zone_name) and to_local(instant(local, zone_name), zone_name) == local


def both_instants(local: datetime, zone_name: str) -> tuple[datetime, datetime]:
    """The two instants of a repeated wall time, first then second (the same one twice otherwise)."""
    z = ZoneInfo(zone_name)
    return (local.replace(tzinfo=z, fold=0).astimezone(UTC), local.replace(tzinfo=z, fold=1).astimezone(UTC))


def wall_time(value: datetime, zone_name: str) -> datetime:
    """A naive wall time in ``zone_name`` (an aware value, e.g. from the API, is converted)."""
    if value.tzinfo is not None:
        return to_local(value, zone_name)
    return value.replace(second=0, microsecond=0)


def occurrence_at(meeting, original_start: datetime) -> Occurrence | None:
    """M4: the occurrence keyed by ``original_start`` (its start as the rule generates it, in the
    series' wall time; a single meeting: its own local start), or None. An aware value is converted
    to the meeting's wall time."""
    wanted = wall_time(original_start, meeting.time_zone)
    return next((o for o in expand(meeting) if o.original_start == wanted), None)


def latest_occurrence(meeting, at: datetime) -> Occurrence | None:
    """The latest occurrence, not cancelled, that had started by ``at``: the one the minutes page
    offers when none is named."""
    started = [o for o in expand(meeting) if not o.is_cancelled and o.starts_at <= at]
    return started[-1] if started else None


def past_occurrences(meeting, now: datetime) -> list[Occurrence]:
    """The occurrences that have started (cancelled ones too), latest first."""
    return [o for o in reversed(expand(meeting)) if o.starts_at <= now]


def follow_keys(meeting, keys, old_start: datetime, old_rule: str | None) -> tuple[dict, list]:
    """Where the occurrence keys ``keys`` go when a meeting is edited (its start, rule or last day):
    a single meeting's one key moves to its new start; a series' keys move by the change of time of
    day (the first day does not carry over). Returns ({old: new} for the keys that move, the keys whose
    occurrence the edited meeting no longer has)."""
    if old_rule is None and not meeting.rrule:
        mapping = {k: meeting.local_start for k in keys}
        lost: list = []
    else:
        shift = (datetime.combine(date.min, meeting.local_start.time())
                 - datetime.combine(date.min, old_start.time()))
        starts = set(rule_starts(meeting.rrule, meeting.local_start, meeting.repeat_until)
                     if meeting.rrule else [meeting.local_start])
        mapping = {k: k + shift for k in keys}
        lost = sorted(k for k, new in mapping.items() if new not in starts)
    return {old: new for old, new in mapping.items() if old != new and old not in lost}, lost


def day_bounds(day: date, zone_name: str) -> tuple[datetime, datetime]:
    z = ZoneInfo(zone_name)
    return (datetime.combine(day, time()).replace(tzinfo=z).astimezone(UTC),
            datetime.combine(day + timedelta(days=1), time()).replace(tzinfo=z).astimezone(UTC))


_DAYS = {"MO": "Monday", "TU": "Tuesday", "WE": "Wednesday", "TH": "Thursday", "FR": "Friday",
         "SA": "Saturday", "SU": "Sunday"}
_NTH = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}


def describe_rule(rule: str) -> str:
    """A recurrence rule in words ("monthly on the second Tuesday, 9 times"); the rule itself when
    it is not one of the common shapes."""
    parts = dict(p.split("=", 1) for p in rule.split(";") if "=" in p)
    freq, interval = parts.get("FREQ"), int(parts.get("INTERVAL", "1") or 1)
    days = parts.get("BYDAY", "")
    count = f", {parts['COUNT']} times" if "COUNT" in parts else ""
    if set(parts) - {"FREQ", "INTERVAL", "BYDAY", "COUNT", "WKST"} or "," in days:
        return rule
    if freq == "WEEKLY" and days in _DAYS:
        every = "weekly" if interval == 1 else ("fortnightly" if interval == 2 else f"every {interval} weeks")
        return f"{every} on {_DAYS[days]}{count}"
    if freq == "MONTHLY" and len(days) >= 3 and days[-2:] in _DAYS:
        try:
            nth = _NTH[int(days[:-2].lstrip("+"))]
        except (KeyError, ValueError):
            return rule
        every = "monthly" if interval == 1 else f"every {interval} months"
        return f"{every} on the {nth} {_DAYS[days[-2:]]}{count}"
    return rule
