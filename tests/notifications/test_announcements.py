"""M4: a Core sends an announcement to its collaborative's members by mail through the outbox; those
who turned announcements off are skipped; announcements are listed on the collaborative's page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from nesa_collab.audit.models import AuditEntry
from nesa_collab.cores import announcements
from nesa_collab.errors import DomainError, PermissionDenied
from nesa_collab.notifications.delivery import send_due
from nesa_collab.notifications.models import OutboxMessage
from nesa_collab.notifications.services import set_preferences
from nesa_collab.permissions import SYSTEM

from ..conftest import post_form
from .conftest import TODAY


def announce(act, person, collab, settings, subject="Room change", body="We meet in the library."):
    return act(person, announcements.send_announcement, collab, subject=subject, body=body, today=TODAY,
               settings=settings)


def recipients(database) -> list[str]:
    with database.session(write=False) as db:
        return sorted(db.scalars(select(OutboxMessage.email).where(OutboxMessage.kind == "announcement")))


def test_m4_an_announcement_reaches_the_members_and_core_except_those_who_opted_out(
        database, mail_settings, smtp, world, act):
    with database.transaction() as db:
        set_preferences(db, SYSTEM, world.members[1].id, wants_digest=True, wants_announcements=False)
    sent = announce(act, world.core, world.collab, mail_settings)
    assert sent.recipients == 3
    assert recipients(database) == ["nadia@school.example.org", "omar@school.example.org", "sami@school.example.org"]
    assert send_due(database, mail_settings).sent == 3
    [message] = smtp.inbox.to("nadia@school.example.org")
    assert message["Subject"] == "Librarians: Room change"
    assert "We meet in the library." in message.get_content() and "— Omar Khalil, for the Librarians" in message.get_content()
    assert message["List-Unsubscribe"] == "<http://testserver/profile#mail>"
    assert smtp.inbox.to("layla@school.example.org") == []
    with database.session(write=False) as db:
        entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "announcement.send"))
    assert entry.actor_id == world.core.id and entry.collaborative_id == world.collab.id
    assert entry.after == {"subject": "Room change", "recipients": 3, "left_out": 1}


def test_m4_an_announcement_needs_a_subject_and_a_text(settings, world, act):
    with pytest.raises(DomainError, match="M4: an announcement needs a subject"):
        announce(act, world.core, world.collab, settings, subject="  ")
    with pytest.raises(DomainError, match="M4: an announcement needs a text"):
        announce(act, world.core, world.collab, settings, body="")


def test_m4_a_member_cannot_send_an_announcement(settings, world, act):
    with pytest.raises(PermissionDenied):
        announce(act, world.members[0], world.collab, settings)


def test_m4_a_core_member_of_one_collaborative_cannot_announce_to_another(database, settings, world, act, as_):
    with pytest.raises(PermissionDenied):
        announce(act, world.core, world.other, settings)
    r = post_form(as_(world.core), f"/collaboratives/{world.other.slug}/announcements/new",
                  {"subject": "Ours now", "body": "Hello."})
    assert r.status_code == 403
    assert recipients(database) == []


def test_the_dpl_may_announce_to_any_collaborative(settings, world, act):
    assert announce(act, world.dpl, world.other, settings).recipients == 1  # Mathematics' Core member


def test_announcements_are_listed_on_the_collaborative_s_page(database, settings, world, act, as_):
    announce(act, world.core, world.collab, settings, subject="Room change")
    page = as_(world.members[0]).get(f"/collaboratives/{world.collab.slug}")
    assert 'id="announcements"' in page.text and "Room change" in page.text
    assert "Send an announcement" not in page.text
    core_page = as_(world.core).get(f"/collaboratives/{world.collab.slug}")
    assert "Send an announcement" in core_page.text
    listing = as_(world.members[0]).get(f"/collaboratives/{world.collab.slug}/announcements")
    assert "sent to 4 people" in listing.text and "We meet in the library." in listing.text


def test_the_announcement_form_and_api(database, settings, world, as_):
    core = as_(world.core)
    form = core.get(f"/collaboratives/{world.collab.slug}/announcements/new")
    assert form.status_code == 200 and "(4 people today)" in form.text
    r = post_form(core, f"/collaboratives/{world.collab.slug}/announcements/new", {"subject": "", "body": "Hi"})
    assert r.status_code == 422 and "an announcement needs a subject" in r.text and recipients(database) == []
    r = post_form(core, f"/collaboratives/{world.collab.slug}/announcements/new", {"subject": "Agenda", "body": "Hi"})
    assert r.status_code == 303
    from ..conftest import csrf_of

    api = core.post(f"/api/v1/collaboratives/{world.collab.slug}/announcements",
                    json={"subject": "Minutes", "body": "They are online."}, headers={"X-CSRF-Token": csrf_of(core)})
    assert api.status_code == 201 and api.json()["recipients"] == 4 and api.json()["author"]["name"] == "Omar Khalil"
    listed = core.get(f"/api/v1/collaboratives/{world.collab.slug}/announcements").json()
    assert [a["subject"] for a in listed["items"]] == ["Minutes", "Agenda"]
    assert len(recipients(database)) == 8


def test_k1_a_retired_collaborative_sends_no_announcements(settings, factory, act):
    retired = factory.collaborative("Old", status="retired")
    with pytest.raises(DomainError, match="K1"):
        act(None, lambda db, _a, c: announcements.send_announcement(
            db, SYSTEM, c, subject="x", body="y", today=TODAY, settings=settings), retired)
