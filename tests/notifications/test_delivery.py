"""Delivering the outbox through a real SMTP server (aiosmtpd in the test process): after the commit,
never for a rolled-back change, retried with back-off when the server refuses or is down, each message
exactly once — also with two senders at once."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from nesa_collab.auth.models import Person
from nesa_collab.notifications import delivery
from nesa_collab.notifications.delivery import Courier, claim, send_due
from nesa_collab.notifications.models import OutboxMessage
from nesa_collab.notifications.services import Attachment, tell

from ..conftest import post_form, sign_in

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)


def queue(database, people, n: int = 1, **kw) -> list[int]:
    """Write ``n`` messages to each of ``people`` in one committed transaction; their ids."""
    with database.transaction() as db:
        rows = [tell(db, db.get(Person, p.id), "test", f"Message {i} to {p.name}", f"Hello {p.name}, number {i}.", **kw)
                for p in people for i in range(n)]
        db.flush()
        return [r.id for r in rows]


def outbox(database) -> list[OutboxMessage]:
    with database.session(write=False) as db:
        return list(db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_messages_of_a_committed_change_arrive_and_are_marked_sent(database, mail_settings, smtp, world):
    queue(database, world.members)
    result = send_due(database, mail_settings, NOW)
    assert (result.sent, result.failed, result.waiting) == (3, 0, 0)
    assert sorted(r for rcpts, _ in smtp.inbox.received for r in rcpts) == sorted(m.email for m in world.members)
    message = smtp.inbox.to("nadia@school.example.org")[0]
    assert message["Subject"] == "Message 0 to Nadia Rahman"
    assert message["From"] == "NESA Collaboratives <collaboratives@nesa.test>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content().strip() == "Hello Nadia Rahman, number 0."
    rows = outbox(database)
    assert all(r.sent_at == NOW and r.claimed_by is None and r.attempts == 0 for r in rows)
    assert send_due(database, mail_settings, NOW + timedelta(hours=1)).sent == 0  # sent once, never again
    assert len(smtp.inbox.received) == 3


def test_a_rolled_back_change_sends_nothing(database, mail_settings, smtp, world):
    with pytest.raises(RuntimeError):
        with database.transaction() as db:
            tell(db, db.get(Person, world.core.id), "test", "Never", "This change fails.")
            db.flush()
            raise RuntimeError("the change is refused")
    assert outbox(database) == []
    assert send_due(database, mail_settings, NOW).sent == 0
    assert smtp.inbox.received == []


def test_a_request_that_wrote_messages_wakes_the_courier_after_its_commit(database, mail_settings, smtp, world, as_):
    from nesa_collab.app import create_app
    from starlette.testclient import TestClient

    app = create_app(mail_settings, database)
    with TestClient(app) as client:
        sign_in(client, world.core.email)
        r = post_form(client, f"/collaboratives/{world.collab.slug}/announcements/new",
                      {"subject": "Room change", "body": "We meet in the library."})
        assert r.status_code == 303, r.text
        arrived = smtp.inbox.wait_for(4)  # the three members and the Core member
        # A refused request (no subject) rolls back: it writes nothing and sends nothing.
        r = post_form(client, f"/collaboratives/{world.collab.slug}/announcements/new", {"subject": "", "body": "x"})
        assert r.status_code == 422
        assert app.state.courier.wait(5)
    assert len(arrived) == 4 and {m["Subject"] for m in arrived} == {"Librarians: Room change"}
    assert all(r.sent_at is not None for r in outbox(database)) and len(outbox(database)) == 4


def test_a_refusing_server_leaves_the_messages_queued_with_the_error_and_a_next_attempt(
        database, mail_settings, smtp, world):
    ids = queue(database, world.members)
    smtp.inbox.refuse = "451 4.3.0 Try again later"
    result = send_due(database, mail_settings, NOW)
    assert (result.sent, result.failed, result.waiting) == (0, 3, 3)
    for row in outbox(database):
        assert row.sent_at is None and row.attempts == 1 and row.claimed_by is None
        assert row.last_error.startswith("451") and "Try again later" in row.last_error
        assert row.next_attempt_at == NOW + timedelta(minutes=1)
    # Not due again before its next attempt.
    assert send_due(database, mail_settings, NOW + timedelta(seconds=30)).failed == 0
    # Refused once more: the wait grows (1 min, then 5 min).
    send_due(database, mail_settings, NOW + timedelta(minutes=1))
    assert {r.attempts for r in outbox(database)} == {2}
    assert {r.next_attempt_at for r in outbox(database)} == {NOW + timedelta(minutes=6)}
    # The server recovers: each message is sent exactly once.
    smtp.inbox.refuse = None
    assert send_due(database, mail_settings, NOW + timedelta(minutes=5)).sent == 0  # not due yet
    result = send_due(database, mail_settings, NOW + timedelta(minutes=6))
    assert (result.sent, result.failed, result.waiting) == (3, 0, 0)
    assert send_due(database, mail_settings, NOW + timedelta(days=1)).sent == 0
    assert len(smtp.inbox.received) == 3
    assert sorted(m["Message-ID"] for m in smtp.inbox.messages) == sorted(
        f"<outbox-{r.id}.{int(r.created_at.timestamp())}@nesa.test>" for r in outbox(database))
    assert {r.id for r in outbox(database)} == set(ids)


def test_a_server_that_is_down_leaves_the_messages_queued_and_after_it_recovers_each_is_sent_once(
        database, mail_settings, smtp, world):
    queue(database, world.members, 2)
    smtp.stop()
    result = send_due(database, mail_settings, NOW)
    assert (result.sent, result.failed, result.waiting) == (0, 6, 6)
    rows = outbox(database)
    assert all(r.attempts == 1 and r.sent_at is None and "Connection" in r.last_error for r in rows), rows[0].last_error
    smtp.start()
    result = send_due(database, mail_settings, NOW + timedelta(minutes=1))
    assert (result.sent, result.waiting) == (6, 0)
    assert len(smtp.inbox.received) == 6 and len({m["Message-ID"] for m in smtp.inbox.messages}) == 6
    assert all(r.last_error for r in outbox(database))  # the error of the failed attempt stays on record


def test_one_refused_recipient_does_not_hold_up_the_others(database, mail_settings, smtp, world):
    class Picky(type(smtp.inbox)):
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address.startswith("layla"):
                return "550 5.1.1 No such mailbox"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    smtp.stop()
    smtp.inbox = Picky()
    smtp.start()
    queue(database, world.members)
    result = send_due(database, mail_settings, NOW)
    assert (result.sent, result.failed) == (2, 1)
    [refused] = [r for r in outbox(database) if r.sent_at is None]
    assert refused.email == "layla@school.example.org" and "550" in refused.last_error and refused.attempts == 1


def test_two_senders_at_once_send_each_message_exactly_once(database, mail_settings, smtp, world, monkeypatch):
    monkeypatch.setattr(delivery, "BATCH", 4)  # small batches, so that both senders take some
    smtp.inbox.delay = 0.01
    ids = queue(database, world.members, 10)
    results = []

    def sender():
        results.append(send_due(database, mail_settings, NOW))

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sum(r.sent for r in results) == 30 and sum(r.failed for r in results) == 0
    ids_received = [m["Message-ID"] for m in smtp.inbox.messages]
    assert len(ids_received) == 30 == len(set(ids_received))
    assert all(r.sent_at is not None for r in outbox(database)) and len(ids) == 30


def test_a_claimed_message_is_not_claimed_again_until_its_lease_has_passed(database, mail_settings, world):
    queue(database, world.members)
    first = claim(database, NOW, "sender-a", mail_settings)
    assert len(first) == 3
    assert claim(database, NOW + timedelta(minutes=1), "sender-b", mail_settings) == []
    # Sender a died holding them: after the lease another sender takes them over.
    later = NOW + delivery.lease(mail_settings) + timedelta(seconds=1)
    assert len(claim(database, later, "sender-b", mail_settings)) == 3


def test_a_message_marked_sent_is_never_sent_again(database, mail_settings, smtp, world):
    [message_id] = queue(database, [world.core])
    with database.transaction() as db:
        # Even with a claim left over from a crash, long past its lease.
        db.execute(update(OutboxMessage).values(sent_at=NOW, claimed_by="ghost", claimed_at=NOW - timedelta(days=1)))
    assert claim(database, NOW + timedelta(days=1), "sender", mail_settings) == []
    assert send_due(database, mail_settings, NOW + timedelta(days=1)).sent == 0
    assert smtp.inbox.received == [] and message_id


def test_without_smtp_nothing_is_sent_and_the_outbox_still_fills(database, settings, smtp, world):
    assert not settings.mail_configured
    queue(database, world.members)
    result = send_due(database, settings, NOW)
    assert not result.configured and result.sent == 0 and result.waiting == 3
    Courier(database, settings).kick()  # does nothing without a server
    assert smtp.inbox.received == [] and len(outbox(database)) == 3


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_the_server_s_login_is_used(database, mail_settings, smtp, world):
    smtp.stop()
    smtp.login = ("nesa", "s3cret-password")
    smtp.start()
    queue(database, [world.core])
    wrong = mail_settings.with_(smtp_username="nesa", smtp_password="wrong")
    assert send_due(database, wrong, NOW).failed == 1
    assert "535" in outbox(database)[0].last_error
    right = mail_settings.with_(smtp_username="nesa", smtp_password="s3cret-password")
    assert send_due(database, right, NOW + timedelta(minutes=1)).sent == 1
    assert len(smtp.inbox.received) == 1
    assert "s3cret" not in repr(right)  # the password is a secret: never in a repr or a log line


def test_an_attachment_travels_as_its_own_part_with_its_method(database, mail_settings, smtp, world):
    calendar = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    queue(database, [world.core], attachment=Attachment("text/calendar", calendar, "REQUEST"),
          headers={"X-NESA-Test": "yes"})
    send_due(database, mail_settings, NOW)
    [message] = smtp.inbox.messages
    assert message.get_content_type() == "multipart/alternative" and message["X-NESA-Test"] == "yes"
    plain, ics = message.iter_parts()
    assert plain.get_content_type() == "text/plain"
    assert ics.get_content_type() == "text/calendar" and ics.get_param("method") == "REQUEST"
    assert "METHOD:REQUEST" in ics.get_content()


def test_mail_send_on_the_command_line(cli_mail, capsys, world, database):
    queue(database, world.members)
    from nesa_collab.cli import main

    main(["mail", "send"])
    assert "Mail: 3 sent, 0 failed (to be tried again), 0 waiting." in capsys.readouterr().out


@pytest.fixture
def cli_mail(monkeypatch, mail_settings):
    for var, value in {"NESA_DATABASE_URL": mail_settings.database_url, "NESA_SMTP_HOST": "127.0.0.1",
                       "NESA_SMTP_PORT": str(mail_settings.smtp_port), "NESA_SMTP_STARTTLS": "false",
                       "NESA_SMTP_TIMEOUT_SECONDS": "3", "NESA_MAIL_FROM": mail_settings.mail_from}.items():
        monkeypatch.setenv(var, value)


def test_a_message_that_cannot_be_built_waits_on_record_and_does_not_hold_up_the_others(
        database, mail_settings, smtp, world):
    queue(database, [world.core], headers={"X-Injected": "a\r\nBcc: everyone@example.org"})
    queue(database, world.members)
    result = send_due(database, mail_settings, NOW)
    assert (result.sent, result.failed) == (3, 1)
    [broken] = [r for r in outbox(database) if r.sent_at is None]
    assert broken.email == world.core.email and broken.last_error.startswith("the message cannot be built")
    assert all("everyone@example.org" not in rcpts for rcpts, _ in smtp.inbox.received)
