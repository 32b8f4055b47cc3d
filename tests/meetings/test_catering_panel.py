"""S2 on Center staff's home page, at the cost of what it shows: each coming conference lists its first
five planning meetings with their headcounts and says how many it has (the support sheet has them
all); the conferences whose rooms are not arranged yet are the three soonest and a line for the rest."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

from nesa_collab import clock
from nesa_collab.meetings import conferences
from nesa_collab.meetings import services as meetings
from nesa_collab.network.models import Collaborative
from nesa_collab.permissions import SYSTEM


def _planning(database, collab, conference="sec-2027", day=date(2027, 3, 25)):
    with database.transaction() as db:
        meeting = meetings.create_meeting(
            db, SYSTEM, db.get(Collaborative, collab.id), title=f"{collab.name} Core planning day",
            mode="face_to_face", time_zone="Asia/Bangkok",
            starts=datetime.combine(day, datetime.min.time()).replace(hour=9),
            ends=datetime.combine(day, datetime.min.time()).replace(hour=15), place="Lotus Room", conference=conference)
        meetings.publish_meeting(db, SYSTEM, meeting)


def test_s2_the_home_page_lists_five_planning_meetings_a_conference_and_counts_them_all(world, factory, database,
                                                                                     as_):
    clock.freeze(datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc))
    for i in range(7):
        collab = factory.collaborative(f"Collaborative {i}")
        for n in range(i % 3 + 1):
            factory.core_member(factory.educator(), collab, date(2025, 8, 1), date(2027, 7, 31))
        _planning(database, collab)
    home = as_(world.staff).get("/").text
    start = home.index("Planning meetings beside conferences")
    panel = home[start:home.index("</section>", start)]
    assert "7 planning meetings" in panel
    assert len(re.findall(r"Collaborative \d</a>", panel)) == 5
    assert "2 more planning meetings: the support sheet" in panel
    # The first one's headcount: nobody answered, so the size of its Core (one member), an estimate.
    first = panel[panel.index("Collaborative 0</a>"):]
    assert re.search(r'<td class="num">1 <span class="meta"[^>]*>\(Core size\)', first)


def test_s2_rooms_to_arrange_name_the_three_soonest_conferences_and_count_the_rest(world, factory, database, as_):
    clock.freeze(datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc))
    collab = factory.collaborative("Science")
    with database.transaction() as db:
        for i in range(5):
            conferences.create_conference(db, SYSTEM, name=f"Institute {i}", starts_on=date(2027, 4 + i, 10),
                                          ends_on=date(2027, 4 + i, 12), city="Bangkok", country="Thailand",
                                          time_zone="Asia/Bangkok", featured=[collab.slug], slug=f"institute-{i}")
    for i in range(5):
        _planning(database, collab, conference=f"institute-{i}", day=date(2027, 4 + i, 9))
    home = as_(world.staff).get("/").text
    named = re.findall(r"Arrange rooms and refreshments for 1 planning meeting beside (Institute \d)", home)
    assert named == ["Institute 0", "Institute 1", "Institute 2"]
    assert "Arrange rooms and refreshments beside 2 more conferences" in home
