"""M4: minutes are written in Markdown and shown rendered, safely, on the meeting page and the minutes
page; the calendar feeds stay plain text."""

from __future__ import annotations

from datetime import datetime, timezone

from icalendar import Calendar

from nesa_collab import clock
from nesa_collab.meetings import minutes as meeting_minutes, services as meetings
from nesa_collab.permissions import SYSTEM

from .conftest import virtual

MINUTES = "- **Book list agreed.**\n- See [the list](https://example.org/list)\n\n<script>alert(1)</script>"


def test_m4_minutes_show_as_markdown_and_the_feed_keeps_plain_text(world, act, as_):
    m = act(world.core, meetings.create_meeting, world.collab,
            **virtual(description="**Bring** the reading list"))
    act(world.core, meetings.publish_meeting, act(None, lambda db, _a: meetings.get_meeting(db, SYSTEM, m.id)))
    act(world.core, meeting_minutes.record_minutes, act(None, lambda db, _a: meetings.get_meeting(db, SYSTEM, m.id)),
        MINUTES, {world.core.id: "present"}, now=datetime(2027, 1, 12, 15, tzinfo=timezone.utc))
    clock.freeze(datetime(2027, 1, 13, 9, tzinfo=timezone.utc))
    member = as_(world.member)
    for url in (f"/meetings/{m.id}", f"/meetings/{m.id}/minutes"):
        page = member.get(url).text
        assert "<li><strong>Book list agreed.</strong></li>" in page, url
        assert '<a href="https://example.org/list" rel="nofollow noopener">the list</a>' in page, url
        assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page, url
    feed = member.get(f"/calendars/collaboratives/{world.collab.slug}.ics").text
    event = next(e for e in Calendar.from_ical(feed).walk("VEVENT"))
    assert "**Bring** the reading list" in str(event["DESCRIPTION"]) and "<strong>" not in feed
