"""Issue 12 (7): cancelling a meeting or one occurrence asks first, on a page that says whose calendars
mark it and who is told; a cancelled occurrence can be restored, and the feeds show it again."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import recurring_ical_events
from icalendar import Calendar
from sqlalchemy import select

from nesa_collab import clock
from nesa_collab.audit.models import AuditEntry
from nesa_collab.errors import DomainError, PermissionDenied
from nesa_collab.meetings import invitations, services as meetings
from nesa_collab.meetings.models import Meeting, OccurrenceStatus
from nesa_collab.permissions import SYSTEM

from ..conftest import post_form
from .conftest import virtual

UTC = timezone.utc
FEB = datetime(2027, 2, 9, 16, 0)  # the second occurrence of the series (Cairo wall time)


def _get(act, meeting_id):
    return act(None, lambda db, _a: meetings.get_meeting(db, SYSTEM, meeting_id))


def _series(world, act) -> int:
    m = act(world.core, meetings.create_meeting, world.collab, **virtual(title="Librarians monthly",
                                                                         rrule="FREQ=MONTHLY;BYDAY=+2TU;COUNT=6"))
    act(world.core, meetings.publish_meeting, _get(act, m.id))
    return m.id


def _status(act, meeting_id, original_start):
    occ = next((o for o in _get(act, meeting_id).occurrences if o.original_start == original_start), None)
    return occ.status if occ else None


def _feed_starts(client, world, meeting_id) -> list[datetime]:
    cal = Calendar.from_ical(client.get(f"/calendars/collaboratives/{world.collab.slug}.ics").text)
    uid = f"meeting-{meeting_id}@testserver"
    return sorted(e["DTSTART"].dt.astimezone(UTC) for e in recurring_ical_events.of(cal).between(
        datetime(2027, 1, 1, tzinfo=UTC), datetime(2027, 7, 1, tzinfo=UTC)) if str(e["UID"]) == uid)


def test_m2_cancelling_a_meeting_asks_first_and_says_whose_calendars_mark_it_and_who_is_told(world, act, as_,
                                                                                              database, settings):
    clock.freeze(datetime(2026, 12, 1, 9, tzinfo=UTC))
    m = act(world.core, meetings.create_meeting, world.collab, **virtual())
    act(world.core, meetings.publish_meeting, _get(act, m.id))
    act(world.core, invitations.send_invitations, _get(act, m.id), datetime(2026, 12, 1).date(), settings)
    core = as_(world.core)
    page = core.get(f"/meetings/{m.id}").text
    assert f'href="/meetings/{m.id}/cancel"' in page
    r = core.get(f"/meetings/{m.id}/cancel")
    assert r.status_code == 200
    # The collaborative's 4 members and its Core member: each one's personal calendar marks it cancelled.
    assert "5 members and Core members" in r.text
    assert "public calendar of Librarians" in r.text
    assert "5 people who were sent it as an invitation are sent its cancellation by email" in r.text
    assert _get(act, m.id).status == "published"  # a GET changes nothing


def test_m1_cancel_this_one_leads_to_a_confirmation_page_that_changes_nothing_until_confirmed(world, act, as_):
    clock.freeze(datetime(2026, 12, 1, 9, tzinfo=UTC))
    mid = _series(world, act)
    core = as_(world.core)
    page = core.get(f"/meetings/{mid}").text
    assert 'value="cancel"' not in page  # no one-click cancellation left on the meeting page
    confirm = f"/meetings/{mid}/occurrences/2027-02-09T16:00/cancel"
    assert f'href="{confirm}"' in page
    r = core.get(confirm)
    assert r.status_code == 200
    assert "Tue 9 Feb 2027" in r.text and "5 members and Core members" in r.text
    assert "nobody was sent it as an invitation" in r.text
    assert _status(act, mid, FEB) is None
    # An old page's one-click form is sent to the confirmation too, and cancels nothing.
    r = post_form(core, f"/meetings/{mid}/occurrences", {"original_start": "2027-02-09T16:00", "action": "cancel"})
    assert r.status_code == 303 and r.headers["location"] == confirm
    assert _status(act, mid, FEB) is None
    r = post_form(core, confirm, {"note": "half-term"})
    assert r.status_code == 303
    assert _status(act, mid, FEB) == OccurrenceStatus.CANCELLED


def test_m1_a_cancelled_occurrence_is_restored_and_the_feed_shows_it_again(world, act, as_, client, database):
    clock.freeze(datetime(2026, 12, 1, 9, tzinfo=UTC))
    mid = _series(world, act)
    act(world.core, meetings.change_occurrence, _get(act, mid), FEB, cancel=True)
    url = f"/calendars/collaboratives/{world.collab.slug}.ics"
    before = client.get(url)
    assert datetime(2027, 2, 9, 14, 0, tzinfo=UTC) not in _feed_starts(client, world, mid)
    core = as_(world.core)
    page = core.get(f"/meetings/{mid}").text
    restore = f"/meetings/{mid}/occurrences/2027-02-09T16:00/restore"
    assert f'action="{restore}"' in page
    r = post_form(core, restore)
    assert r.status_code == 303
    assert _status(act, mid, FEB) is None  # back to the rule's own occurrence
    after = client.get(url, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    assert datetime(2027, 2, 9, 14, 0, tzinfo=UTC) in _feed_starts(client, world, mid)
    master = [e for e in Calendar.from_ical(after.text).walk("VEVENT")
              if str(e["UID"]) == f"meeting-{mid}@testserver" and "RECURRENCE-ID" not in e][0]
    assert "EXDATE" not in master
    with database.session(write=False) as db:
        entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "meeting.occurrence.restore")).one()
        assert "9 Feb 2027" in entry.summary and entry.collaborative_id == world.collab.id


def test_m1_restoring_an_occurrence_is_refused_to_those_who_do_not_edit_the_meeting(world, act, as_, client, factory):
    mid = _series(world, act)
    act(world.core, meetings.change_occurrence, _get(act, mid), FEB, cancel=True)
    for person in (world.other_core, world.member):
        with pytest.raises(PermissionDenied):
            act(person, meetings.restore_occurrence, _get(act, mid), FEB)
        assert post_form(as_(person), f"/meetings/{mid}/occurrences/2027-02-09T16:00/restore").status_code == 403
        r = client.post(f"/api/v1/meetings/{mid}/occurrences/2027-02-09T16:00/restore",
                        headers={"Authorization": f"Bearer {factory.token(person)}"})
        assert r.status_code == 403
    assert _status(act, mid, FEB) == OccurrenceStatus.CANCELLED


def test_m1_restoring_through_the_api_and_only_what_is_cancelled(world, act, client, factory):
    mid = _series(world, act)
    h = {"Authorization": f"Bearer {factory.token(world.core)}"}
    r = client.post(f"/api/v1/meetings/{mid}/occurrences/2027-02-09T16:00/restore", headers=h)
    assert r.status_code == 422 and r.json()["rule"] == "M1"  # nothing to restore: it is not cancelled
    act(world.core, meetings.change_occurrence, _get(act, mid), FEB, cancel=True)
    sequence = _get(act, mid).sequence
    r = client.post(f"/api/v1/meetings/{mid}/occurrences/2027-02-09T16:00/restore", headers=h)
    assert r.status_code == 200, r.text
    feb = [o for o in r.json() if o["original_start"].startswith("2027-02-09")]
    assert [o["status"] for o in feb] == ["scheduled"]
    assert _get(act, mid).sequence == sequence + 1  # M5: its EXDATE list changed
    with pytest.raises(DomainError) as err:
        act(world.core, meetings.restore_occurrence, _get(act, mid), datetime(2027, 2, 10, 16, 0))
    assert err.value.rule == "M1"


def test_m2_a_cancelled_series_has_no_occurrence_to_restore(world, act):
    mid = _series(world, act)
    act(world.core, meetings.change_occurrence, _get(act, mid), FEB, cancel=True)
    act(world.core, meetings.cancel_meeting, _get(act, mid))
    with pytest.raises(DomainError) as err:
        act(world.core, meetings.restore_occurrence, _get(act, mid), FEB)
    assert err.value.rule == "M2"
    assert isinstance(_get(act, mid), Meeting)
