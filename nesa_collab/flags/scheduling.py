"""The daily sweep on a schedule (APScheduler 3): at ``NESA_SWEEP_TIME`` in the network's zone, in the
web app's process (``NESA_SCHEDULER=app``, the default) or in a process of its own
(``nesa-collab scheduler``, with ``NESA_SCHEDULER=process`` so the web workers start none).

APScheduler's ``coalesce``, ``max_instances`` and ``misfire_grace_time`` act inside one process
only; across processes and hosts the sweep's lease (``runs.run_sweep``) lets exactly one run per
scheduled day, so every web worker may carry a scheduler safely.
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
from ..settings import Settings
from .models import SweepTrigger
from .runs import RunOutcome, run_sweep

log = logging.getLogger("nesa_collab.flags")

JOB_ID = "flags-sweep"
#: A sweep missed (the process was down or busy at its time) still runs if it can start within an hour.
MISFIRE_GRACE_SECONDS = 3600


def scheduled_sweep(database: Database, settings: Settings) -> RunOutcome:
    """The scheduled job: sweep the network's today (its date in the network's zone)."""
    return run_sweep(database, clock_today(settings.tz), settings, SweepTrigger.SCHEDULE)


def sweep_trigger(settings: Settings) -> CronTrigger:
    """Daily at ``settings.sweep_time`` (HH:MM) in the network's zone (daylight saving included)."""
    hour, minute = settings.sweep_hour_minute
    return CronTrigger(hour=hour, minute=minute, timezone=settings.tz)


def add_sweep_job(scheduler: BaseScheduler, database: Database, settings: Settings) -> None:
    """The daily sweep; also once as the scheduler starts, so that a day whose sweep was missed (no
    process was up at its time) is judged at once — on a day already swept that run steps aside."""
    scheduler.add_job(scheduled_sweep, sweep_trigger(settings), args=[database, settings], id=JOB_ID,
                      name="F1–F8 sweep", coalesce=True, max_instances=1,
                      misfire_grace_time=MISFIRE_GRACE_SECONDS, replace_existing=True,
                      next_run_time=datetime.now(settings.tz))


def background_scheduler(database: Database, settings: Settings) -> BackgroundScheduler:
    """The scheduler the web app starts in its lifespan (not started here)."""
    scheduler = BackgroundScheduler(timezone=settings.tz)
    add_sweep_job(scheduler, database, settings)
    return scheduler


def run_blocking(database: Database, settings: Settings) -> None:
    """``nesa-collab scheduler``: run the schedule in this process until it is stopped."""
    scheduler = BlockingScheduler(timezone=settings.tz)
    add_sweep_job(scheduler, database, settings)
    log.info("scheduler started: the sweep runs daily at %s %s", settings.sweep_time, settings.network_time_zone)
    print(f"nesa-collab scheduler: the flags sweep runs daily at {settings.sweep_time} "
          f"({settings.network_time_zone}); stop with Ctrl+C.", flush=True)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
