"""The calendar parsers the feed tests read files with, each answering the same question: which
instants (start, end, in UTC) does this file hold between two instants, by UID?

- ``recurring-ical-events`` over ``icalendar`` (Python; zones from zoneinfo, whatever the file says);
- ``ical`` (the strict RFC 5545 package; its own expansion of rules and overrides);
- ``ical.js`` (Mozilla's, as Thunderbird uses it) through node, reading the file's own VTIMEZONEs;
- ``vtimezone_offset``: how any client that trusts the file's VTIMEZONE (libical, ical.js) reads an
  offset, for checking the zone blocks without node.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import recurring_ical_events
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar

UTC = timezone.utc
HERE = Path(__file__).parent

Instants = dict[str, list[tuple[datetime, datetime]]]


def _sorted(found: Instants) -> Instants:
    return {uid: sorted(v) for uid, v in sorted(found.items())}


def python_instants(text: str, start: datetime, end: datetime) -> Instants:
    """``recurring-ical-events`` over ``icalendar``."""
    found: Instants = {}
    for e in recurring_ical_events.of(Calendar.from_ical(text)).between(start, end):
        found.setdefault(str(e["UID"]), []).append((e.start.astimezone(UTC), e.end.astimezone(UTC)))
    return _sorted(found)


def strict_instants(text: str, start: datetime, end: datetime) -> Instants:
    """The ``ical`` package (strict RFC 5545)."""
    found: Instants = {}
    for e in IcsCalendarStream.calendar_from_ics(text).timeline_tz(UTC).overlapping(start, end):
        found.setdefault(e.uid, []).append((e.start.astimezone(UTC), e.end.astimezone(UTC)))
    return _sorted(found)


def icaljs_missing() -> str | None:
    """Why ical.js cannot be run here (None: it can)."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not (HERE / "node_modules" / "ical.js").is_dir():
        return f"ical.js is not installed: run `npm ci` in {HERE}"
    return None


def icaljs_instants(text: str, start: datetime, end: datetime) -> Instants:
    """Mozilla's ical.js, through node (``instants.mjs``)."""
    done = subprocess.run(["node", str(HERE / "instants.mjs"), start.isoformat(), end.isoformat()], input=text,
                          capture_output=True, text=True, timeout=60, check=True)
    found: Instants = {}
    for row in json.loads(done.stdout):
        found.setdefault(row["uid"], []).append((_utc(row["start"]), _utc(row["end"])))
    return _sorted(found)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def observances(text: str) -> dict[str, list[tuple[datetime, timedelta, timedelta, str]]]:
    """Each VTIMEZONE's onsets by TZID: (local onset, TZOFFSETFROM, TZOFFSETTO, kind), from DTSTART
    and RDATE. A zone block that needs RRULE expansion is refused: this project writes explicit onsets."""
    out: dict[str, list] = {}
    for tz in Calendar.from_ical(text).walk("VTIMEZONE"):
        rows = out.setdefault(str(tz["TZID"]), [])
        for ob in tz.subcomponents:
            assert "RRULE" not in ob, "zone blocks carry explicit onsets"
            onsets = [ob["DTSTART"].dt]
            rdates = ob.get("RDATE", [])
            for r in rdates if isinstance(rdates, list) else [rdates]:
                onsets += [p.dt for p in r.dts]
            for onset in onsets:
                rows.append((onset.replace(tzinfo=None), ob["TZOFFSETFROM"].td, ob["TZOFFSETTO"].td, ob.name))
        rows.sort()
    return out


def vtimezone_offset(obs: list[tuple[datetime, timedelta, timedelta, str]], instant: datetime) -> timedelta | None:
    """The offset a client reading the zone block gives ``instant``: TZOFFSETTO of the latest onset at or
    before it (an onset is local time in the offset before it, TZOFFSETFROM); None before the first."""
    current = None
    naive = instant.astimezone(UTC).replace(tzinfo=None)
    for onset, before, after, _ in obs:
        if onset - before <= naive:
            current = after
    return current
