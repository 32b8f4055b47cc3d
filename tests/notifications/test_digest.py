"""The daily digest: what is waiting for each person (new since yesterday, still open), queued once a
day for those who want it, readable on /digest, and sent through the outbox."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from nesa_collab import clock
from nesa_collab.auth.models import Person
from nesa_collab.notifications import digest
from nesa_collab.notifications.delivery import send_due
from nesa_collab.notifications.models import OutboxMessage
from nesa_collab.notifications.services import set_preferences
from nesa_collab.permissions import SYSTEM
from nesa_collab.plans import posts

from ..conftest import SEED_DAY, post_form
from .conftest import TODAY


def propose(act, world, title: str, at: datetime | None = None):
    return act(world.core, posts.create_post, world.collab, kind="proposal", title=title, body="Let us meet twice.",
               at=at)


def digests_in(database) -> list[OutboxMessage]:
    with database.session(write=False) as db:
        return list(db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "digest").order_by(OutboxMessage.id)))


def queue(database, settings, day: date = TODAY) -> int:
    with database.transaction() as db:
        return digest.queue_digests(db, day, settings)


def test_m4_the_dpl_s_digest_lists_the_open_proposals_new_and_still_open(database, settings, world, act):
    propose(act, world, "A summer institute", at=datetime(2026, 11, 20, 9, tzinfo=timezone.utc))
    propose(act, world, "A reading circle", at=datetime(2026, 11, 30, 15, tzinfo=timezone.utc))
    with database.session(write=False) as db:
        found = digest.digests(db, TODAY)
    assert set(found) == {world.dpl.id}  # nobody else has anything waiting
    mine = found[world.dpl.id]
    assert [i.title for i in mine.new] == ["Librarians: A reading circle"]
    assert [i.title for i in mine.still_open] == ["Librarians: A summer institute"]
    assert mine.items[0].path.startswith("/posts/") and mine.items[0].path.endswith("/answer")


def test_the_digest_is_queued_once_a_day_per_person(database, settings, world, act):
    propose(act, world, "A summer institute")
    assert queue(database, settings) == 1
    assert queue(database, settings) == 0  # however often the scheduler runs it that day
    [message] = digests_in(database)
    assert message.person_id == world.dpl.id and message.key == f"digest:{world.dpl.id}:2026-12-01"
    assert message.subject.startswith("NESA: 1 thing waiting for you")
    assert "A summer institute" in message.body and "http://testserver/posts/" in message.body
    assert "http://testserver/profile#mail" in message.body and message.headers["List-Unsubscribe"]
    assert queue(database, settings, TODAY + timedelta(days=1)) == 1  # the next day, again
    assert len(digests_in(database)) == 2


def test_the_digest_is_not_queued_for_those_who_turned_it_off(database, settings, world, act):
    propose(act, world, "A summer institute")
    with database.transaction() as db:
        set_preferences(db, SYSTEM, world.dpl.id, wants_digest=False, wants_announcements=True)
    assert queue(database, settings) == 0 and digests_in(database) == []


def test_nothing_waiting_means_no_digest(database, settings, world):
    assert queue(database, settings) == 0


def test_the_digest_is_readable_on_its_page_without_mail(database, settings, world, act, as_):
    clock.freeze(datetime(2026, 12, 1, 9, tzinfo=timezone.utc))
    propose(act, world, "A summer institute")
    page = as_(world.dpl).get("/digest")
    assert page.status_code == 200
    assert "A summer institute" in page.text and "Mail is not configured here" in page.text
    assert 'href="/posts/' in page.text
    quiet = as_(world.members[0]).get("/digest")
    assert "Nothing is waiting for you today." in quiet.text
    api = as_(world.dpl).get("/api/v1/digest", headers={"X-CSRF-Token": "x"})
    assert api.status_code == 200
    [item] = api.json()["items"]
    assert item["new"] is True and item["url"].startswith("http://testserver/posts/")


def test_the_digest_arrives_at_the_smtp_server(database, mail_settings, smtp, world, act):
    propose(act, world, "A summer institute")
    queue(database, mail_settings)
    assert send_due(database, mail_settings).sent == 1
    [message] = smtp.inbox.to("maya@nesa.example.org")
    assert "waiting for you" in message["Subject"] and "A summer institute" in message.get_content()


def test_on_the_demo_data_the_dpl_center_staff_and_coordinators_each_get_their_digest(seeded):
    from nesa_collab.db import Database

    seed, settings = seeded
    database = Database(seed.url)
    try:
        with database.transaction() as db:
            count = digest.queue_digests(db, SEED_DAY.date(), settings)
            rows = db.execute(select(Person.email, OutboxMessage.body).join(Person, Person.id == OutboxMessage.person_id)
                              .where(OutboxMessage.kind == "digest")).all()
        with database.transaction() as db:
            assert digest.queue_digests(db, SEED_DAY.date(), settings) == 0
    finally:
        database.dispose()
    bodies = dict(rows)
    assert count == len(bodies) >= 3
    assert "Proposals waiting for your answer (M4)" in bodies["maya.haddad@nesa-demo.org"]
    assert "Hotel-night claims waiting for Center staff (S3)" in bodies["eleni.papadopoulou@nesa-demo.org"]
    assert "Obligations awaiting your school's answer (O3)" in bodies["rania.nassar@acs-amman.example"]


# --- preferences ------------------------------------------------------------------------------------

def test_the_profile_turns_the_digest_and_announcements_off_and_on(database, world, as_):
    client = as_(world.members[0])
    page = client.get("/profile")
    assert 'id="mail"' in page.text and 'name="wants_digest" value="1" checked' in page.text
    r = post_form(client, "/profile/mail", {"wants_announcements": "1"})
    assert r.status_code == 303 and r.headers["location"] == "/profile#mail"
    page = client.get("/profile")
    assert 'name="wants_digest" value="1" checked' not in page.text
    assert 'name="wants_announcements" value="1" checked' in page.text
    api = client.put("/api/v1/mail/preferences", json={"wants_digest": True},
                     headers={"X-CSRF-Token": _csrf(client)})
    assert api.status_code == 200 and api.json() == {"wants_digest": True, "wants_announcements": True}
    with database.session(write=False) as db:
        from nesa_collab.audit.models import AuditEntry

        actions = db.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == world.members[0].id)).all()
    assert actions.count("mail.preferences") == 2


def _csrf(client) -> str:
    from ..conftest import csrf_of

    return csrf_of(client)


def test_mail_digest_on_the_command_line_writes_today_s_digests_once_and_sends_them(
        database, mail_settings, smtp, world, act, monkeypatch, capsys):
    from nesa_collab.cli import main

    propose(act, world, "A summer institute")
    for var, value in {"NESA_DATABASE_URL": mail_settings.database_url, "NESA_SMTP_HOST": "127.0.0.1",
                       "NESA_SMTP_PORT": str(mail_settings.smtp_port), "NESA_SMTP_STARTTLS": "off",
                       "NESA_SMTP_TIMEOUT_SECONDS": "3"}.items():
        monkeypatch.setenv(var, value)
    main(["mail", "digest", "--today", "2026-12-01"])
    main(["mail", "digest", "--today", "2026-12-01"])
    out = capsys.readouterr().out.splitlines()
    assert out == ["Digest of 1 December 2026: 1 written to the outbox; 1 message(s) sent.",
                   "Digest of 1 December 2026: 0 written to the outbox; 0 message(s) sent."]
    assert len(smtp.inbox.to("maya@nesa.example.org")) == 1
    monkeypatch.delenv("NESA_SMTP_HOST")
    main(["mail", "send"])
    assert "Mail is not configured (NESA_SMTP_HOST): nothing sent; 0 message(s) wait" in capsys.readouterr().out
