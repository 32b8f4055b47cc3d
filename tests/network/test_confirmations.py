"""Issue 12 (7): lapsing a school and retiring a collaborative ask first, on a page that says what will
happen (whose terms are flagged, what leaves the calendars, who is told); the GET changes nothing."""

from __future__ import annotations

from datetime import date, datetime, timezone

from nesa_collab import clock
from nesa_collab.meetings import services as meetings
from nesa_collab.network.models import Collaborative, School
from nesa_collab.permissions import SYSTEM

from ..conftest import post_form

UTC = timezone.utc


def test_n2_c10_lapsing_a_school_names_its_core_members_whose_terms_are_flagged(factory, as_, database):
    clock.freeze(datetime(2026, 11, 27, 9, tzinfo=UTC))
    school = factory.school("Lincoln School", time_zone="Asia/Kathmandu")
    math = factory.collaborative("Math")
    kevin = factory.educator(school, name="Kevin Tanaka")
    factory.educator(school, name="Asha Gurung")
    factory.core_member(kevin, math, date(2025, 8, 1), date(2027, 7, 31))
    dpl = as_(factory.dpl())
    assert f'href="/schools/{school.slug}/membership"' in dpl.get(f"/schools/{school.slug}").text
    r = dpl.get(f"/schools/{school.slug}/membership")
    assert r.status_code == 200
    assert "2 people" in r.text
    assert "Kevin Tanaka" in r.text and "Math" in r.text and "31 Jul 2027" in r.text
    assert "C10" in r.text and "Nobody is sent a message" in r.text
    with database.session(write=False) as db:
        assert db.get(School, school.id).is_active  # a GET changes nothing
    r = post_form(dpl, f"/schools/{school.slug}/membership", {"action": "lapse", "lapsed_on": "2026-11-30"})
    assert r.status_code == 303
    with database.session(write=False) as db:
        assert not db.get(School, school.id).is_active


def test_k1_retiring_a_collaborative_says_what_leaves_the_calendars_and_that_its_meetings_stay(factory, as_,
                                                                                              database):
    clock.freeze(datetime(2026, 11, 27, 9, tzinfo=UTC))
    arts = factory.collaborative("Arts")
    for _ in range(2):
        factory.member(factory.educator(password=False), arts)
    with database.transaction() as db:
        m = meetings.create_meeting(db, SYSTEM, db.get(Collaborative, arts.id), title="Arts call", mode="virtual",
                                    time_zone="Asia/Dubai", starts=datetime(2027, 1, 12, 16, 0),
                                    ends=datetime(2027, 1, 12, 17, 0), join_url="https://meet.example.org/a")
        meetings.publish_meeting(db, SYSTEM, m)
    dpl = as_(factory.dpl())
    assert f'href="/collaboratives/{arts.slug}/retire"' in dpl.get(f"/collaboratives/{arts.slug}").text
    r = dpl.get(f"/collaboratives/{arts.slug}/retire")
    assert r.status_code == 200
    assert "2 members" in r.text
    assert "public calendar" in r.text
    assert "1 upcoming meeting" in r.text and "Arts call" in r.text
    assert "Nobody is sent a message" in r.text
    with database.session(write=False) as db:
        assert db.get(Collaborative, arts.id).status == "active"
    assert post_form(dpl, f"/collaboratives/{arts.slug}/retire").status_code == 303
    with database.session(write=False) as db:
        assert db.get(Collaborative, arts.id).status == "retired"
