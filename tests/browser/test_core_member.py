"""M1–M3, M5 in a browser: a Core member schedules a meeting of their Core (a draft), writes its
agenda (the running total against the meeting's length), publishes it and downloads its .ics, which
a calendar library reads back with the same title and time."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest

pytestmark = pytest.mark.browser

TITLE = "Planning the spring institute (browser journey)"
ZONE = "Asia/Dubai"
AGENDA = [("Welcome and norms", "Omar Khalil", "15"), ("Data from the autumn visits", "", "45"),
          ("Next steps and owners", "", "20")]


def test_m3_a_core_member_writes_an_agenda_publishes_the_meeting_and_downloads_its_ics(journey):
    page = journey.page
    journey.sign_in("omar.khalil@asd-dubai.example")
    journey.submit(page.locator("header nav").get_by_role("link", name="Meetings", exact=True))
    journey.submit(page.get_by_role("link", name="Schedule a meeting"))

    # A draft of the Core's meeting (the collaboratives offered are those whose Core he is on).
    collaborative = page.locator("#f-collaborative option:not([value=''])").first
    page.select_option("#f-collaborative", collaborative.get_attribute("value"))
    page.fill("#f-title", TITLE)
    page.fill("#f-time_zone", ZONE)
    page.fill("#f-starts", "2027-01-12T16:00")
    page.fill("#f-ends", "2027-01-12T17:30")
    page.fill("#f-join_url", "https://meet.example.org/spring-institute")
    journey.submit(page.locator("main form").get_by_role("button", name="Save as draft"))
    assert re.fullmatch(r"/meetings/\d+", journey.path()), page.locator(".error").all_inner_texts()
    meeting_path = journey.path()
    assert page.get_by_text("This is a draft").is_visible()

    # The agenda: three items, the running total against the 90 minutes (M3).
    journey.submit(page.get_by_role("link", name="Edit agenda"))
    add = page.locator("main form").filter(has=page.get_by_role("button", name="Add item"))
    for title, presenter, minutes in AGENDA:
        add.locator("#f-title").fill(title)
        add.locator("#f-presenter").fill(presenter)
        add.locator("#f-minutes").fill(minutes)
        journey.submit(add.get_by_role("button", name="Add item"))
    rows = page.locator("#agenda tbody tr")
    assert rows.count() == len(AGENDA)
    assert [rows.nth(i).locator("td").nth(1).inner_text() for i in range(rows.count())] == [a[0] for a in AGENDA]
    assert "80 of 90 minutes" in page.locator("#agenda").inner_text()

    # Publish (M2), then add it to one's calendar.
    journey.submit(page.get_by_role("link", name="Back to the meeting"))
    journey.submit(page.locator("main .actions").get_by_role("button", name="Publish"))
    assert journey.path() == meeting_path
    assert not page.get_by_text("This is a draft").count()
    with page.expect_download() as download:
        page.get_by_role("link", name="This meeting (.ics)").click()
    assert re.fullmatch(r"meeting-\d+\.ics", download.value.suggested_filename)
    calendar = icalendar.Calendar.from_ical(open(download.value.path(), "rb").read())
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    event = events[0]
    assert str(event["SUMMARY"]) == TITLE
    assert event["DTSTART"].dt == datetime(2027, 1, 12, 16, 0, tzinfo=ZoneInfo(ZONE))
    assert event["DTEND"].dt == datetime(2027, 1, 12, 17, 30, tzinfo=ZoneInfo(ZONE))
    assert event.get("STATUS", "CONFIRMED") == "CONFIRMED"
