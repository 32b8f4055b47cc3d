"""M2 is written once, as the policy ``meeting.view``; listing queries say the same in SQL
(``services.visible_meetings``). These tests hold the two together: for drafts, published and
cancelled meetings of active and forming collaboratives, and for every kind of viewer, the lists
return exactly the meetings the policy lets that viewer see, and a single meeting is found exactly then."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from nesa_collab.auth.models import Person
from nesa_collab.permissions import can
from nesa_collab.cores.services import load_actor
from nesa_collab.errors import NotFound
from nesa_collab.meetings import services as meetings
from nesa_collab.meetings.models import Meeting

from .conftest import TODAY, virtual

LONG_AGO = datetime(2020, 1, 1, tzinfo=timezone.utc)


@pytest.fixture
def every_kind_of_meeting(world, act, factory):
    """A draft, a published and a cancelled meeting in each of: the Librarians (active, world.core's
    Core), Mathematics (active, world.other_core's Core) and a forming collaborative."""
    forming = factory.collaborative("Outdoor learning", status="forming")
    made = {}
    for label, collab, editor in (("librarians", world.collab, world.core),
                                  ("mathematics", world.other, world.other_core), ("forming", forming, world.dpl)):
        for status in ("draft", "published", "cancelled"):
            m = act(editor, meetings.create_meeting, collab, **virtual(title=f"{label} {status}"))
            if status != "draft":
                act(editor, meetings.publish_meeting, m)
            if status == "cancelled":
                act(editor, meetings.cancel_meeting, m, "no quorum")
            made[f"{label} {status}"] = m.id
    return made


VIEWERS = ["anonymous", "member", "core of the Librarians", "core of Mathematics", "center staff", "dpl"]


def _viewer(world, name):
    return {"anonymous": None, "member": world.member, "core of the Librarians": world.core,
            "core of Mathematics": world.other_core, "center staff": world.staff, "dpl": world.dpl}[name]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_m2_the_meeting_lists_show_exactly_what_the_policy_lets_each_viewer_see(world, database,
                                                                               every_kind_of_meeting, viewer):
    person = _viewer(world, viewer)
    with database.session(write=False) as db:
        actor = load_actor(db, db.get(Person, person.id), TODAY) if person is not None else None
        every = db.scalars(select(Meeting)).all()
        allowed = {m.title for m in every if can(actor, "meeting.view", m)}
        listed = {m.title for m in db.scalars(meetings.meetings_query(actor, since=LONG_AGO)).unique()}
        upcoming = {m.title for m, _ in meetings.upcoming(db, actor, None, LONG_AGO, limit=100)}
        found = set()
        for m in every:
            try:
                found.add(meetings.get_meeting(db, actor, m.id).title)
            except NotFound:
                pass
    assert listed == allowed == upcoming == found
    # What the rule says, so that the comparison above cannot pass by both sides being wrong alike.
    expected = {
        "anonymous": {"librarians published", "librarians cancelled", "mathematics published", "mathematics cancelled"},
        "dpl": set(every_kind_of_meeting),
    }.get(viewer, {t for t in every_kind_of_meeting if not t.endswith("draft")})
    expected |= {"core of the Librarians": {"librarians draft"},
                 "core of Mathematics": {"mathematics draft"}}.get(viewer, set())
    assert allowed == expected
