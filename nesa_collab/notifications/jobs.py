"""What the scheduler (and cron) runs for mail, each in transactions of its own:

- ``send_mail(database, settings)`` every few minutes: send what is due (retries included);
- ``daily_digest(database, settings, today)`` once a day: write today's digests, then send them.

Both are safe to run in several processes at once (the outbox's claims and the digest's key)."""

from __future__ import annotations

from datetime import date, datetime

from ..db import Database
from ..settings import Settings
from .delivery import Delivery, send_due
from .digest import queue_digests


def send_mail(database: Database, settings: Settings, now: datetime | None = None) -> Delivery:
    """Send every message due (see ``delivery.send_due``)."""
    return send_due(database, settings, now)


def daily_digest(database: Database, settings: Settings, today: date) -> tuple[int, Delivery]:
    """Write ``today``'s digest for everyone with something waiting who wants it (once a day), then
    send what is due. Returns how many digests were written, and what was sent."""
    with database.transaction() as db:
        written = queue_digests(db, today, settings)
    return written, send_due(database, settings)
