"""Sending the outbox through SMTP, after the commit of the change that wrote it.

``send_due(database, settings, now)`` is the worker: the command line (``nesa-collab mail send``,
for cron), the scheduler (every few minutes) and the ``Courier`` (a thread of the web process,
woken after a commit that wrote messages) all call it. Any number of them may run at once, in one
process or many, on one database:

1. **Claim.** One short transaction marks the due messages as this sender's:
   ``UPDATE … SET claimed_by = me, claimed_at = now WHERE id IN (due) AND sent_at IS NULL AND
   (claimed_at IS NULL OR claimed_at < now - lease)``. Only the rows that UPDATE changed are read back
   (by ``claimed_by``) and sent; a row another sender claimed first is not changed, so not sent here.
   A claim is a lease: a sender that died holding messages leaves them to the next one after
   ``lease(settings)``.
2. **Send**, one SMTP connection for the batch, one message at a time; a sender stops taking messages
   when half its lease is gone, so nobody takes them over while it still sends.
3. **Mark** each message sent in a transaction of its own, right after the server accepted it (a
   message marked sent is never claimed again). A refusal (``451 try later``, an unknown recipient) or
   a server that cannot be reached records the error, counts the attempt and makes the message due
   again after a wait that grows (``BACKOFF``: 1 min, 5 min, 30 min, 2 h, then every 6 h); nothing is
   dropped.

The one window: a crash (or a lost database) between the server's "250 accepted" and step 3's
commit leaves the message claimed but not marked; after the lease it is sent again. The window is a
single UPDATE by primary key, and the copy carries the same ``Message-ID`` (``<outbox-{id}.…@host>``),
by which mail programs recognize a duplicate.

Without ``NESA_SMTP_HOST`` nothing is sent: the outbox still fills, and people read their digest at
``/digest``.
"""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import ssl
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.errors import MessageError
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from sqlalchemy import func, or_, select, update

from ..clock import now_utc
from ..db import Database
from ..settings import Settings
from .models import OutboxMessage

log = logging.getLogger(__name__)

#: How long a failed message waits before the next attempt: after the first failure, the second, …;
#: the last wait repeats (a message is never given up).
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=6))
#: How many messages one sender claims at a time.
BATCH = 50
#: A claim lasts at least this long (and four times the SMTP timeout), so that a sender which
#: stopped taking messages at half its lease has long finished the one it was sending.
MIN_LEASE = timedelta(minutes=10)


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt (1 for the first)."""
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


def lease(settings: Settings) -> timedelta:
    return max(MIN_LEASE, timedelta(seconds=4 * settings.smtp_timeout_seconds))


@dataclass
class Delivery:
    """What one ``send_due`` did."""

    configured: bool = True
    sent: int = 0
    failed: int = 0
    #: Messages not sent yet after this run (due later, or claimed by another sender).
    waiting: int = 0


def sender_id() -> str:
    """A name no other sender has: the host, the process and a random part (per run)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:16]}"


def claim(database: Database, now: datetime, sender: str, settings: Settings, limit: int = BATCH) -> list[OutboxMessage]:
    """Step 1: take up to ``limit`` due messages for ``sender``, oldest due first; only those this
    UPDATE changed are returned."""
    free = or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < now - lease(settings))
    # PostgreSQL: rows another sender is claiming right now are skipped rather than waited for, so
    # both take a batch (SQLite has no row locks: its writing transactions take turns).
    due = (select(OutboxMessage.id).where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now, free)
           .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit).with_for_update(skip_locked=True))
    with database.transaction() as db:
        db.execute(update(OutboxMessage).where(OutboxMessage.id.in_(due.scalar_subquery()),
                                               OutboxMessage.sent_at.is_(None), free)
                   .values(claimed_by=sender, claimed_at=now).execution_options(synchronize_session=False))
    with database.session(write=False) as db:
        return list(db.scalars(select(OutboxMessage).where(OutboxMessage.claimed_by == sender,
                                                           OutboxMessage.sent_at.is_(None))
                               .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)))


def _mark_sent(database: Database, message: OutboxMessage, sender: str, now: datetime) -> None:
    """Step 3: the server took it. Only while the claim is still ours (else another sender has it)."""
    with database.transaction() as db:
        done = db.execute(update(OutboxMessage)
                          .where(OutboxMessage.id == message.id, OutboxMessage.claimed_by == sender)
                          .values(sent_at=now, claimed_by=None, claimed_at=None)
                          .execution_options(synchronize_session=False)).rowcount
    if not done:
        log.warning("outbox message %s was sent after its claim had passed to another sender", message.id)


def _mark_failed(database: Database, messages: list[OutboxMessage], sender: str, now: datetime, error: str) -> None:
    """A failed attempt: the error, one more attempt counted, due again after the back-off; released."""
    with database.transaction() as db:
        for m in messages:
            db.execute(update(OutboxMessage).where(OutboxMessage.id == m.id, OutboxMessage.claimed_by == sender)
                       .values(attempts=OutboxMessage.attempts + 1, last_error=error[:2000],
                               next_attempt_at=now + backoff(m.attempts + 1), claimed_by=None, claimed_at=None)
                       .execution_options(synchronize_session=False))


def _release(database: Database, messages: list[OutboxMessage], sender: str) -> None:
    """Give back messages this sender claimed but did not try (no attempt is counted)."""
    if not messages:
        return
    with database.transaction() as db:
        db.execute(update(OutboxMessage).where(OutboxMessage.id.in_([m.id for m in messages]),
                                               OutboxMessage.claimed_by == sender)
                   .values(claimed_by=None, claimed_at=None).execution_options(synchronize_session=False))


def mail_host(settings: Settings) -> str:
    return settings.mail_sender[1].rpartition("@")[2] or "localhost"


def build_message(message: OutboxMessage, settings: Settings) -> EmailMessage:
    """The email of an outbox row: its text, and its attachment as an alternative part (an iCalendar
    invitation: ``text/calendar; method=REQUEST``, as RFC 6047 sends iTIP). The ``Message-ID`` is the
    row's, so a copy sent again after a crash is recognizably the same message."""
    email = EmailMessage()
    email["From"] = formataddr(settings.mail_sender)
    email["To"] = message.email
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = f"<outbox-{message.id}.{int(message.created_at.timestamp())}@{mail_host(settings)}>"
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to it
    for name, value in (message.headers or {}).items():
        email[name] = value
    email.set_content(message.body)
    if message.attachment is not None:
        maintype, _, subtype = (message.attachment_type or "text/plain").partition("/")
        params = {"method": message.attachment_method} if message.attachment_method else {}
        if maintype == "text":
            # base64 keeps the part intact through servers without 8BITMIME (calendars carry non-ASCII).
            email.add_alternative(message.attachment, subtype=subtype, params=params, cte="base64")
        else:
            email.add_attachment(message.attachment.encode(), maintype=maintype, subtype=subtype, params=params)
    return email


def connect(settings: Settings) -> smtplib.SMTP:
    """A connection to the configured server: STARTTLS (verifying its certificate) and login as set."""
    smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds)
    try:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password)
    except BaseException:
        smtp.close()
        raise
    return smtp


#: Refusals of one message: the next one may still go through the same connection.
_MESSAGE_REFUSED = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError,
                    smtplib.SMTPNotSupportedError)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{rcpt}: {code} {msg.decode(errors='replace')}" for rcpt, (code, msg) in exc.recipients.items())
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {exc.smtp_error.decode(errors='replace') if isinstance(exc.smtp_error, bytes) else exc.smtp_error}"
    return f"{type(exc).__name__}: {exc}"


def send_due(database: Database, settings: Settings, now: datetime | None = None, *, limit: int | None = None) -> Delivery:
    """Send every message due at ``now`` (default: the clock's now), batch after batch, each message at
    most once (see the module's description); ``limit`` caps how many this run takes."""
    now = now or now_utc()
    result = Delivery(configured=settings.mail_configured)
    if not settings.mail_configured:
        result.waiting = _unsent(database)
        return result
    taken = 0
    while limit is None or taken < limit:
        sender = sender_id()
        batch = claim(database, now, sender, settings, BATCH if limit is None else min(BATCH, limit - taken))
        if not batch:
            break
        taken += len(batch)
        sent, failed, stop = _send_batch(database, settings, batch, sender, now)
        result.sent += sent
        result.failed += failed
        if stop:
            break
    result.waiting = _unsent(database)
    return result


def _send_batch(database: Database, settings: Settings, batch: list[OutboxMessage], sender: str,
                now: datetime) -> tuple[int, int, bool]:
    """Steps 2 and 3 for one claimed batch: (sent, failed, whether the server is out of reach)."""
    claimed_at = time.monotonic()
    half_lease = lease(settings).total_seconds() / 2
    sent = failed = 0
    smtp: smtplib.SMTP | None = None
    try:
        for n, message in enumerate(batch):
            if time.monotonic() - claimed_at > half_lease:
                _release(database, batch[n:], sender)
                return sent, failed, False
            try:
                email = build_message(message, settings)
            except (ValueError, MessageError) as exc:  # a row no email can be made of: it waits, on record
                _mark_failed(database, [message], sender, now, f"the message cannot be built: {exc}")
                failed += 1
                continue
            try:
                if smtp is None:
                    smtp = connect(settings)
                smtp.send_message(email)
            except _MESSAGE_REFUSED as exc:
                _mark_failed(database, [message], sender, now, _describe(exc))
                failed += 1
                continue
            except (smtplib.SMTPException, OSError) as exc:
                # The server is out of reach (down, refusing connections, timing out, a failed
                # login): this message and the rest of the batch wait for their next attempt.
                error = _describe(exc)
                log.warning("mail: %s (%s) — %d message(s) wait for a later attempt",
                            settings.smtp_host, error, len(batch) - n)
                _mark_failed(database, batch[n:], sender, now, error)
                return sent, failed + len(batch) - n, True
            _mark_sent(database, message, sender, now)
            sent += 1
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()
    return sent, failed, False


def _unsent(database: Database) -> int:
    with database.session(write=False) as db:
        return db.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))) or 0


class Courier:
    """Sends the outbox from a thread of the web process, woken after a commit that wrote messages,
    so that mail leaves within moments and the request does not wait for the SMTP server.

    The thread lives only while there is something to send: ``kick()`` starts it (or tells the
    running one to look again) and it ends when a look finds no new kick. It sends what is due then;
    a failed message's retry is left to the scheduler's regular ``send_due`` (or cron's
    ``nesa-collab mail send``). Several processes each with their own courier are safe: the claims
    keep every message to one sender. Without SMTP configured, a kick does nothing."""

    def __init__(self, database: Database, settings: Settings):
        self.database = database
        self.settings = settings
        self._lock = threading.Lock()
        self._again = False
        self._thread: threading.Thread | None = None

    def kick(self) -> None:
        if not self.settings.mail_configured:
            return
        with self._lock:
            self._again = True
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="nesa-mail", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._again:
                    self._thread = None
                    return
                self._again = False
            try:
                send_due(self.database, self.settings)
            except Exception:  # noqa: BLE001 - a courier that dies would leave mail to the scheduler alone
                log.exception("mail: sending the outbox failed")

    def wait(self, timeout: float = 10.0) -> bool:
        """Wait until the courier is idle (the app's shutdown; tests). True if it is."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                thread = self._thread
            if thread is None:
                return True
            thread.join(max(0.0, min(0.5, deadline - time.monotonic())))
        return False
