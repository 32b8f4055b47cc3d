"""M5: the VTIMEZONE blocks of feeds and single files, checked against zoneinfo (RFC 5545 §3.6.5).

An observance's DTSTART (its onset) is the local time *before* the change, in TZOFFSETFROM: London's
summer time starts at 01:00 GMT on 28 March 2027, so its DAYLIGHT onset is 20270328T010000. Clients
that trust the file (ical.js, libical) place every instance by these blocks, so each must match
zoneinfo's transitions over the whole span the file describes.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from nesa_collab.meetings import ical

from ..calendar_clients.readers import observances, vtimezone_offset

UTC = timezone.utc

#: The zones of the network's schools and of the meetings its people were found to schedule.
TWELVE_ZONES = ("Europe/Athens", "Europe/London", "America/New_York", "Africa/Cairo", "Asia/Dubai", "Asia/Bangkok",
                "Asia/Kolkata", "Asia/Dhaka", "Asia/Kathmandu", "Europe/Istanbul", "Asia/Jerusalem",
                "Africa/Casablanca")
#: The years a feed spans: the school year before, this one and the next two.
SPAN = (date(2025, 8, 1), date(2029, 7, 31))


def zoneinfo_transitions(zone: str, first: date, last: date) -> list[tuple[datetime, timedelta, timedelta]]:
    """(instant in UTC, offset before, offset after) of every change of offset, found by brute force:
    hour by hour, then minute by minute inside the hour that changed."""
    z = ZoneInfo(zone)
    t = datetime.combine(first, time(), UTC)
    end = datetime.combine(last + timedelta(days=1), time(), UTC)
    out = []
    while t < end:
        step = t + timedelta(hours=1)
        if t.astimezone(z).utcoffset() != step.astimezone(z).utcoffset():
            m = t
            while m.astimezone(z).utcoffset() == t.astimezone(z).utcoffset():
                m += timedelta(minutes=1)
            out.append((m, t.astimezone(z).utcoffset(), m.astimezone(z).utcoffset()))
        t = step
    return out


def _block(zone: str, first: date, last: date) -> list:
    text = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n" + ical.timezone_block(zone, first, last) \
        + b"END:VCALENDAR\r\n"
    return observances(text.decode())[zone]


@pytest.mark.parametrize("zone", TWELVE_ZONES)
def test_m5_every_onset_is_the_local_time_before_the_change_as_zoneinfo_has_it(zone):
    obs = _block(zone, *SPAN)
    changes = [(onset - before, before, after) for onset, before, after, _ in obs if before != after]
    assert [(t.replace(tzinfo=UTC), b, a) for t, b, a in changes] == zoneinfo_transitions(zone, *SPAN)
    for onset, before, after, kind in obs:
        local = (onset - before).replace(tzinfo=UTC).astimezone(ZoneInfo(zone))
        assert local.utcoffset() == after, (zone, onset)
        assert kind == ("DAYLIGHT" if local.dst() else "STANDARD"), (zone, onset)


@pytest.mark.parametrize("zone", TWELVE_ZONES)
def test_m5_the_zone_block_gives_zoneinfo_offset_at_every_hour_of_its_span(zone):
    first, last = date(2026, 11, 1), date(2028, 2, 1)
    obs = _block(zone, first, last)
    z = ZoneInfo(zone)
    t = datetime.combine(first, time(), z).astimezone(UTC)
    while t.date() < last:
        assert vtimezone_offset(obs, t) == t.astimezone(z).utcoffset(), (zone, t)
        t += timedelta(minutes=30)


def test_m5_spring_onsets_are_not_an_hour_late():
    """The onsets issue 12 found one hour late (icalendar 7's ``Timezone.from_tzid``)."""
    expected = {"Europe/Athens": datetime(2027, 3, 28, 3, 0), "Europe/London": datetime(2027, 3, 28, 1, 0),
                "America/New_York": datetime(2027, 3, 14, 2, 0), "Africa/Cairo": datetime(2027, 4, 30, 0, 0)}
    for zone, onset in expected.items():
        daylight = [o for o, b, a, kind in _block(zone, date(2027, 1, 1), date(2027, 12, 31)) if kind == "DAYLIGHT"]
        assert daylight == [onset], zone
