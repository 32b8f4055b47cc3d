"""A real SMTP server in the test process (aiosmtpd, on a free local port) and settings that send
through it with short timeouts; a small network with a collaborative, its Core, members and a DPL."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import time
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import delete

from nesa_collab.auth.models import Person
from nesa_collab.cores.services import load_actor
from nesa_collab.db import Base
from nesa_collab.network.models import Collaborative
from nesa_collab.notifications.models import OutboxMessage

TODAY = date(2026, 12, 1)
SENDER = "NESA Collaboratives <collaboratives@nesa.test>"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """The server's handler: keeps what it accepts; ``refuse`` (e.g. "451 4.3.0 try later") refuses
    every message at DATA; ``delay`` slows each one down (to make senders overlap)."""

    def __init__(self):
        self.received: list[tuple[list[str], EmailMessage]] = []
        self.refuse: str | None = None
        self.delay = 0.0

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.refuse:
            return self.refuse
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 2.0.0 OK"

    @property
    def messages(self) -> list[EmailMessage]:
        return [m for _, m in self.received]

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpts, m in self.received if address in rcpts]

    def wait_for(self, count: int, timeout: float = 5.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages


@dataclass
class SmtpServer:
    port: int
    inbox: Inbox
    controller: Controller | None = None
    #: (user, password) the server requires, if any.
    login: tuple[str, str] | None = None
    kwargs: dict = field(default_factory=dict)

    def start(self) -> None:
        kwargs = dict(self.kwargs)
        if self.login:
            def authenticate(server, session, envelope, mechanism, auth_data):
                def text(value):
                    return value.decode() if isinstance(value, bytes) else value

                ok = (text(auth_data.login), text(auth_data.password)) == self.login
                return AuthResult(success=ok, handled=False)

            kwargs.update(authenticator=authenticate, auth_require_tls=False, auth_required=True)
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **kwargs)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp():
    server = SmtpServer(free_port(), Inbox())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_settings(settings, smtp):
    """The test's settings, sending through the local server (no STARTTLS, a short timeout)."""
    return settings.with_(smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_starttls=False, smtp_timeout_seconds=3,
                          mail_from=SENDER)


@dataclass
class World:
    collab: Collaborative
    other: Collaborative
    core: Person
    other_core: Person
    members: list[Person]
    dpl: Person


@pytest.fixture
def world(factory) -> World:
    dubai = factory.school("American School of Dubai", time_zone="Asia/Dubai", city="Dubai", country="UAE")
    collab = factory.collaborative("Librarians")
    other = factory.collaborative("Mathematics")
    core = factory.educator(dubai, name="Omar Khalil", email="omar@school.example.org")
    other_core = factory.educator(dubai, name="Priya Nair", email="priya@school.example.org")
    factory.core_member(core, collab, date(2025, 8, 1), date(2027, 7, 31))
    factory.core_member(other_core, other, date(2025, 8, 1), date(2027, 7, 31))
    members = [factory.educator(dubai, name=name, email=f"{name.split()[0].lower()}@school.example.org")
               for name in ("Nadia Rahman", "Layla Haddad", "Sami Aziz")]
    for m in members:
        factory.member(m, collab)
    dpl = factory.dpl(email="maya@nesa.example.org")
    with factory.database.transaction() as db:
        db.execute(delete(OutboxMessage))  # the appointments' messages: each test counts its own
    return World(collab, other, core, other_core, members, dpl)


@pytest.fixture
def act(database):
    """``act(person, fn, *args, **kw)``: call a service as ``person`` in one committed transaction."""

    def run(person, fn, *args, **kw):
        with database.transaction() as db:
            actor = load_actor(db, db.get(Person, person.id), TODAY) if person is not None else None
            args = [db.get(type(a), a.id) if isinstance(a, Base) else a for a in args]
            result = fn(db, actor, *args, **kw)
            db.flush()
            return result

    return run

