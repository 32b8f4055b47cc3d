"""Issue 12 (Calendars), done when: every calendar client reads the same instants from the feeds and
the single files, for meetings in the twelve zones, daylight-saving changes, repeated and skipped hours
included. The instants expected are zoneinfo's (RFC 5545 §3.3.5: a repeated wall time is its first
instant, a skipped one is read with the offset before the gap), and an occurrence always lasts the
meeting's length in elapsed time.

Readers: ``recurring-ical-events`` and the strict ``ical`` package always; Mozilla's ical.js through
node when node and ``tests/calendar_clients/node_modules`` are there (``.ci/run`` installs them); the
zone blocks as libical and ical.js read them (``vtimezone_offset``) always.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from nesa_collab.meetings import services as meetings

from ..calendar_clients import readers
from .conftest import virtual
from .test_feed_timezones import TWELVE_ZONES
from .test_feeds import _get

UTC = timezone.utc
WINDOW = (datetime(2026, 12, 1, tzinfo=UTC), datetime(2028, 6, 1, tzinfo=UTC))


def z(when: str) -> datetime:
    return datetime.fromisoformat(when).replace(tzinfo=UTC)


@dataclass
class Case:
    key: str
    zone: str
    starts: datetime
    minutes: int
    rrule: str | None = None
    #: The expected starts in UTC (computed from zoneinfo when not given).
    expected: list[datetime] | None = None
    #: The expected ends when they are not start + minutes (a single meeting ends when its end says).
    ends: list[datetime] | None = None


def weekly_expected(zone: str, first: datetime, count: int) -> list[datetime]:
    return [(first + timedelta(weeks=k)).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC) for k in range(count)]


#: The cases issue 12 names, then a weekly series through all of 2027's changes in each of the twelve zones.
CASES = [
    Case("london_count", "Europe/London", datetime(2027, 3, 10, 17, 0), 60, "FREQ=WEEKLY;BYDAY=WE;COUNT=6",
         [z("2027-03-10T17:00"), z("2027-03-17T17:00"), z("2027-03-24T17:00"),
          z("2027-03-31T16:00"), z("2027-04-07T16:00"), z("2027-04-14T16:00")]),
    Case("new_york_count", "America/New_York", datetime(2027, 3, 4, 12, 0), 60, "FREQ=WEEKLY;BYDAY=TH;COUNT=6",
         [z("2027-03-04T17:00"), z("2027-03-11T17:00"), z("2027-03-18T16:00"),
          z("2027-03-25T16:00"), z("2027-04-01T16:00"), z("2027-04-08T16:00")]),
    # 23:30 on 28 Oct 2027 happens twice in Cairo (the clocks go back at midnight): the first is 20:30Z;
    # its end, midnight, happens once (22:00Z): the warning when scheduling says so
    Case("cairo_repeated", "Africa/Cairo", datetime(2027, 10, 28, 23, 30), 30, None, [z("2027-10-28T20:30")],
         [z("2027-10-28T22:00")]),
    Case("cairo_repeated_series", "Africa/Cairo", datetime(2027, 10, 14, 23, 30), 45, "FREQ=WEEKLY;BYDAY=TH;COUNT=4",
         [z("2027-10-14T20:30"), z("2027-10-21T20:30"), z("2027-10-28T20:30"), z("2027-11-04T21:30")]),
    # 02:30 on 14 March 2027 does not exist in New York: read with the offset before the gap, 07:30Z
    Case("new_york_skipped", "America/New_York", datetime(2027, 2, 28, 2, 30), 30, "FREQ=WEEKLY;BYDAY=SU;COUNT=4",
         [z("2027-02-28T07:30"), z("2027-03-07T07:30"), z("2027-03-14T07:30"), z("2027-03-21T06:30")]),
] + [Case(f"weekly_{zone}", zone, datetime(2027, 3, 3, 16, 0), 60, "FREQ=WEEKLY;BYDAY=WE;COUNT=40")
     for zone in TWELVE_ZONES]


@pytest.fixture
def scheduled(world, act):
    """Every case published in the world's collaborative: {key: (meeting id, expected instants)}."""
    made = {}
    for case in CASES:
        m = act(world.core, meetings.create_meeting, world.collab, **virtual(
            title=case.key, time_zone=case.zone, starts=case.starts,
            ends=case.starts + timedelta(minutes=case.minutes), rrule=case.rrule))
        act(world.core, meetings.publish_meeting, _get(act, m.id))
        starts = case.expected or weekly_expected(case.zone, case.starts, 40)
        ends = case.ends or [s + timedelta(minutes=case.minutes) for s in starts]
        made[case.key] = (m.id, list(zip(starts, ends)))
    return made


def _by_uid(made) -> dict[str, list[tuple[datetime, datetime]]]:
    return {f"meeting-{mid}@testserver": instants for mid, instants in made.values()}


def _files(client, world, made) -> dict[str, str]:
    files = {"collaborative feed": client.get(f"/calendars/collaboratives/{world.collab.slug}.ics").text}
    for key, (mid, _) in made.items():
        files[f"{key}.ics"] = client.get(f"/meetings/{mid}/calendar.ics").text
    return files


def _expected_in(name: str, made) -> dict[str, list[tuple[datetime, datetime]]]:
    wanted = _by_uid(made)
    if name.endswith(".ics"):
        mid = made[name[:-4]][0]
        return {f"meeting-{mid}@testserver": wanted[f"meeting-{mid}@testserver"]}
    return wanted


@pytest.mark.parametrize("reader", ["python", "strict"])
def test_m5_python_parsers_read_the_expected_instants_in_feeds_and_single_files(world, scheduled, client, reader):
    read = {"python": readers.python_instants, "strict": readers.strict_instants}[reader]
    for name, text in _files(client, world, scheduled).items():
        assert read(text, *WINDOW) == _expected_in(name, scheduled), name


def test_m5_icaljs_reads_the_expected_instants_in_feeds_and_single_files(world, scheduled, client):
    missing = readers.icaljs_missing()
    if missing:
        pytest.skip(f"ical.js cannot run here: {missing}")
    for name, text in _files(client, world, scheduled).items():
        assert readers.icaljs_instants(text, *WINDOW) == _expected_in(name, scheduled), name


def test_m5_the_zone_blocks_cover_every_instance_each_file_describes(world, scheduled, client):
    """Issue 12 (1): a COUNT series has no UNTIL; the zone block still covers its last occurrence."""
    for name, text in _files(client, world, scheduled).items():
        blocks = readers.observances(text)
        for uid, instants in _expected_in(name, scheduled).items():
            zone = next(c.zone for c in CASES if scheduled[c.key][0] == int(uid.split("-")[1].split("@")[0]))
            for start, end in instants:
                for t in (start, end):
                    assert readers.vtimezone_offset(blocks[zone], t) == t.astimezone(ZoneInfo(zone)).utcoffset(), \
                        (name, zone, t)


def test_m5_an_occurrence_in_a_skipped_hour_lasts_the_meetings_length(world, scheduled, client):
    """Issue 12 (3): New York's Sunday 02:30 on 14 March 2027 does not exist; it starts at 07:30Z (03:30
    EDT) and ends 30 minutes later, never before it starts."""
    mid, expected = scheduled["new_york_skipped"]
    answer = client.get(f"/api/v1/meetings/{mid}/occurrences").json()
    got = [(datetime.fromisoformat(o["starts_at"]), datetime.fromisoformat(o["ends_at"])) for o in answer]
    assert got == expected
    skipped = answer[2]
    assert skipped["original_start"].startswith("2027-03-14T02:30")
    assert skipped["local_start"].startswith("2027-03-14T03:30") and skipped["local_end"].startswith("2027-03-14T04:00")


def test_m5_the_api_occurrences_agree_with_the_files(world, scheduled, client):
    for key, (mid, expected) in scheduled.items():
        answer = client.get(f"/api/v1/meetings/{mid}/occurrences").json()
        got = [(datetime.fromisoformat(o["starts_at"]), datetime.fromisoformat(o["ends_at"])) for o in answer]
        assert got == expected, key


def test_m5_an_invitation_carries_the_same_zone_block_and_instants_as_the_files(world, scheduled, act):
    """An invitation (iTIP REQUEST) is a calendar file too: its VTIMEZONE covers the COUNT series to
    its last occurrence and its onsets are zoneinfo's."""
    from nesa_collab.meetings import invitations

    for key in ("london_count", "new_york_skipped", "cairo_repeated_series"):
        mid, expected = scheduled[key]
        text = invitations.itip(_get(act, mid), "REQUEST", "http://testserver", "Omar <omar@example.org>",
                                "Nadia", "nadia@example.org")
        zone = next(c.zone for c in CASES if c.key == key)
        block = readers.observances(text)[zone]
        for start, end in expected:
            assert readers.vtimezone_offset(block, start) == start.astimezone(ZoneInfo(zone)).utcoffset(), (key, start)
        assert readers.python_instants(text, *WINDOW) == {f"meeting-{mid}@testserver": expected}
