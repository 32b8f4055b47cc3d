"""The schedule (APScheduler 3), in the web app's process (``NESA_SCHEDULER=app``, the default) or in a
process of its own (``nesa-collab scheduler``, with ``NESA_SCHEDULER=process`` so the web workers
start none):

- daily at ``NESA_SWEEP_TIME`` in the network's zone, the flags sweep (F1–F8) and then the day's
  digest, so the digest tells of the flags just raised;
- every few minutes, the outbox's messages that are due (retries included), when mail is configured.

APScheduler's ``coalesce``, ``max_instances`` and ``misfire_grace_time`` act inside one process
only; across processes and hosts the sweep's lease (``runs.run_sweep``) lets exactly one run per
scheduled day, so every web worker may carry a scheduler safely: the process that sweeps writes the
digest (its key keeps it to one a day), and the outbox's claims keep each message to one sender.
"""

from __future__ import annotations

import logging
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from ..clock import today as clock_today
from ..db import Database
from ..notifications.jobs import daily_digest, send_mail
from ..settings import Settings
from .models import SweepTrigger
from .runs import RunOutcome, run_sweep

log = logging.getLogger("nesa_collab.flags")

JOB_ID = "flags-sweep"
MAIL_JOB_ID = "mail-send"
#: A sweep missed (the process was down or busy at its time) still runs if it can start within an hour.
MISFIRE_GRACE_SECONDS = 3600
#: How often the outbox is looked at for messages due (new ones also leave at once, after their commit).
MAIL_EVERY_MINUTES = 5


def scheduled_sweep(database: Database, settings: Settings) -> RunOutcome:
    """The daily job: sweep the network's today (its date in the network's zone), then write the day's
    digest and send what is due — unless another process is sweeping now: that one writes it."""
    today = clock_today(settings.tz)
    outcome = run_sweep(database, today, settings, SweepTrigger.SCHEDULE)
    if not outcome.busy:
        written, sent = daily_digest(database, settings, today)
        log.info("digest of %s: %d written, %d sent", today, written, sent.sent)
    return outcome


def scheduled_mail(database: Database, settings: Settings) -> None:
    """The outbox's job: send the messages that are due (a failed one waits for its next attempt)."""
    sent = send_mail(database, settings)
    if sent.sent or sent.failed:
        log.info("mail: %d sent, %d failed", sent.sent, sent.failed)


def sweep_trigger(settings: Settings) -> CronTrigger:
    """Daily at ``settings.sweep_time`` (HH:MM) in the network's zone (daylight saving included)."""
    hour, minute = settings.sweep_hour_minute
    return CronTrigger(hour=hour, minute=minute, timezone=settings.tz)


def add_jobs(scheduler: BaseScheduler, database: Database, settings: Settings) -> None:
    """The daily sweep and digest; also once as the scheduler starts, so that a day whose sweep was
    missed (no process was up at its time) is judged at once — on a day already swept that run steps
    aside. With mail configured, the outbox every few minutes."""
    scheduler.add_job(scheduled_sweep, sweep_trigger(settings), args=[database, settings], id=JOB_ID,
                      name="F1–F8 sweep", coalesce=True, max_instances=1,
                      misfire_grace_time=MISFIRE_GRACE_SECONDS, replace_existing=True,
                      next_run_time=datetime.now(settings.tz))
    if settings.mail_configured:
        scheduler.add_job(scheduled_mail, "interval", minutes=MAIL_EVERY_MINUTES, args=[database, settings],
                          id=MAIL_JOB_ID, name="mail", coalesce=True, max_instances=1,
                          misfire_grace_time=MAIL_EVERY_MINUTES * 60, replace_existing=True)


def background_scheduler(database: Database, settings: Settings) -> BackgroundScheduler:
    """The scheduler the web app starts in its lifespan (not started here)."""
    scheduler = BackgroundScheduler(timezone=settings.tz)
    add_jobs(scheduler, database, settings)
    return scheduler


def run_blocking(database: Database, settings: Settings) -> None:
    """``nesa-collab scheduler``: run the schedule in this process until it is stopped."""
    scheduler = BlockingScheduler(timezone=settings.tz)
    add_jobs(scheduler, database, settings)
    log.info("scheduler started: the sweep runs daily at %s %s", settings.sweep_time, settings.network_time_zone)
    mail = (f"the outbox is sent every {MAIL_EVERY_MINUTES} minutes" if settings.mail_configured
            else "mail is not configured (NESA_SMTP_HOST): the outbox waits")
    print(f"nesa-collab scheduler: the flags sweep runs daily at {settings.sweep_time} "
          f"({settings.network_time_zone}), then the daily digest; {mail}; stop with Ctrl+C.", flush=True)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
