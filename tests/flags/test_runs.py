"""One runner: however many processes start a sweep at the same moment on one database (SQLite here;
PostgreSQL with NESA_TEST_DATABASE_URL), one runs and the others step aside; a scheduled sweep runs
once a day; the schedule itself (APScheduler 3), in the app's lifespan and on the command line."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from nesa_collab import clock
from nesa_collab.app import create_app
from nesa_collab.cli import main
from nesa_collab.flags import runs
from nesa_collab.flags.models import Flag, Lease, SweepRun, SweepTrigger
from nesa_collab.flags.runs import acquire, release, run_sweep
from nesa_collab.flags.scheduling import (JOB_ID, MAIL_JOB_ID, MISFIRE_GRACE_SECONDS, background_scheduler,
                                          scheduled_sweep)
from nesa_collab.notifications.models import OutboxMessage
from nesa_collab.settings import Settings, SettingsError

from .conftest import TODAY

#: A process that gets ready (the app imported, the database connected), waits for the word, then sweeps
#: as the schedule would and prints the outcome.
RACER = """
import json, sys
from datetime import date
from nesa_collab import models
from nesa_collab.db import Database
from nesa_collab.flags.runs import run_sweep
from nesa_collab.settings import Settings
url, day, trigger = sys.argv[1], date.fromisoformat(sys.argv[2]), sys.argv[3]
database = Database(url)
database.engine.connect().close()
print("ready", flush=True)
sys.stdin.readline()
outcome = run_sweep(database, day, Settings(database_url=url, scheduler="off"), trigger)
print(json.dumps({"run_id": outcome.run_id, "skipped": outcome.skipped, "error": outcome.error}), flush=True)
"""


def _race(url: str, processes: int, trigger: str, day: date = TODAY) -> list[dict]:
    """Start the processes, wait until each is ready, then let them all go at once."""
    started = [subprocess.Popen([sys.executable, "-c", RACER, url, day.isoformat(), trigger], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(processes)]
    for p in started:
        assert p.stdout.readline().strip() == "ready", p.stderr.read()
    for p in started:
        p.stdin.write("go\n")
        p.stdin.flush()
    out = []
    for p in started:
        stdout, stderr = p.communicate(timeout=120)
        assert p.returncode == 0, stderr
        out.append(json.loads(stdout.strip().splitlines()[-1]))
    return out


def test_sweeps_started_at_once_in_separate_processes_make_one_run_and_no_duplicate_flags(settings, database):
    outcomes = _race(settings.database_url, 4, "schedule")
    ran = [o for o in outcomes if o["run_id"] is not None]
    assert len(ran) == 1 and ran[0]["error"] is None, outcomes
    assert all(o["skipped"] for o in outcomes if o["run_id"] is None)
    with database.transaction() as db:
        assert db.scalar(select(func.count()).select_from(SweepRun)) == 1
        keys = db.scalars(select(Flag.key).where(Flag.cleared_at.is_(None))).all()
        assert keys and len(keys) == len(set(keys))
    # The day's scheduled sweep has run: later processes (a worker whose clock fired late) step aside.
    assert run_sweep(database, TODAY, settings, "schedule").skipped == "the scheduled sweep of 2027-01-11 has already run"


def test_manual_sweeps_started_at_once_never_overlap(settings, database):
    """Sweeps from cron or the Director are not limited to one a day, but never run two at a time."""
    outcomes = _race(settings.database_url, 2, "cli")
    with database.transaction() as db:
        runs_ = db.scalars(select(SweepRun).order_by(SweepRun.started_at)).all()
        assert len(runs_) == sum(o["run_id"] is not None for o in outcomes) >= 1
        for earlier, later in zip(runs_, runs_[1:]):
            assert earlier.finished_at <= later.started_at
        keys = db.scalars(select(Flag.key).where(Flag.cleared_at.is_(None))).all()
        assert len(keys) == len(set(keys))


def test_a_lease_is_held_by_one_until_released_or_expired(database):
    assert acquire(database, "job", "a", timedelta(minutes=5))
    assert not acquire(database, "job", "b", timedelta(minutes=5))
    release(database, "job", "b")  # only the holder releases
    assert not acquire(database, "job", "b", timedelta(minutes=5))
    release(database, "job", "a")
    assert acquire(database, "job", "b", timedelta(minutes=5))
    # A holder that died: its lease expires and another takes it.
    clock.freeze(datetime.now(timezone.utc) + timedelta(minutes=6))
    assert acquire(database, "job", "c", timedelta(minutes=5))
    with database.transaction() as db:
        assert db.get(Lease, "job").holder == "c"


def test_a_sweep_is_skipped_while_another_holds_the_lease(database, settings):
    assert acquire(database, runs.SWEEP_LEASE, "someone else")
    outcome = run_sweep(database, TODAY, settings, "cli")
    assert not outcome.ran and outcome.skipped == "another sweep is running"
    with database.transaction() as db:
        assert db.scalar(select(func.count()).select_from(SweepRun)) == 0


# --- the schedule -------------------------------------------------------------------------------------------

def test_the_sweep_is_scheduled_daily_at_the_sweep_time_in_the_networks_zone_coalesced_with_a_grace_time(
        database, settings):
    scheduler = background_scheduler(database, settings.with_(sweep_time="06:30", network_time_zone="Asia/Dubai"))
    job = scheduler.get_job(JOB_ID)
    assert job.coalesce is True and job.max_instances == 1 and job.misfire_grace_time == MISFIRE_GRACE_SECONDS
    now = datetime(2027, 1, 11, 3, 0, tzinfo=timezone.utc)  # 07:00 in Dubai: today's 06:30 has passed
    fire = job.trigger.get_next_fire_time(None, now)
    assert (fire.date(), fire.hour, fire.minute, str(fire.tzinfo)) == (date(2027, 1, 12), 6, 30, "Asia/Dubai")


def test_the_scheduled_job_sweeps_the_networks_today(database, settings):
    clock.freeze(datetime(2027, 1, 10, 23, 30, tzinfo=timezone.utc))  # already 11 January in Athens
    outcome = scheduled_sweep(database, settings)
    with database.transaction() as db:
        run = db.get(SweepRun, outcome.run_id)
        assert (run.today, run.triggered_by, run.status) == (TODAY, SweepTrigger.SCHEDULE, "finished")


def test_the_daily_job_writes_the_digest_after_the_sweep_once_a_day(database, settings, world):
    clock.freeze(datetime(2027, 1, 11, 4, 0, tzinfo=timezone.utc))  # 06:00 in Athens

    def digests() -> dict[int, str]:
        with database.transaction() as db:
            return dict(db.execute(select(OutboxMessage.person_id, OutboxMessage.body)
                                   .where(OutboxMessage.kind == "digest")).all())

    assert acquire(database, runs.SWEEP_LEASE, "another process")  # sweeping now: that one writes it
    assert scheduled_sweep(database, settings).busy and digests() == {}
    release(database, runs.SWEEP_LEASE, "another process")
    assert scheduled_sweep(database, settings).ran
    written = digests()
    assert "Lena Haddad's term on the Literacy Core ends on 10 April 2027" in written[world.dpl]  # the new flags
    assert "Release Omar Khalil on 9 February 2027" in written[world.allison]
    again = scheduled_sweep(database, settings)
    assert again.skipped and digests() == written  # once a day


def test_the_outbox_is_sent_every_few_minutes_when_mail_is_configured(database, settings):
    assert background_scheduler(database, settings).get_job(MAIL_JOB_ID) is None
    job = background_scheduler(database, settings.with_(smtp_host="127.0.0.1")).get_job(MAIL_JOB_ID)
    assert job.trigger.interval == timedelta(minutes=5) and job.coalesce and job.max_instances == 1


def test_the_app_starts_its_scheduler_in_its_lifespan_which_sweeps_a_missed_day_at_once(database, settings):
    app = create_app(settings.with_(scheduler="app"), database)
    with TestClient(app):
        scheduler = app.state.scheduler
        assert scheduler.running and scheduler.get_job(JOB_ID) is not None
        for _ in range(200):  # the start's catch-up sweep, in the scheduler's thread
            with database.transaction() as db:
                run = db.scalar(select(SweepRun).where(SweepRun.finished_at.is_not(None)))
            if run is not None:
                break
            time.sleep(0.05)
        assert run is not None and run.triggered_by == SweepTrigger.SCHEDULE
    assert not scheduler.running
    for mode in ("off", "process"):
        other = create_app(settings.with_(scheduler=mode), database)
        with TestClient(other):
            assert other.state.scheduler is None


def test_scheduler_settings_are_checked():
    assert Settings.from_env({}).scheduler == "app" and Settings.from_env({}).sweep_time == "06:00"
    s = Settings.from_env({"NESA_SCHEDULER": "process", "NESA_SWEEP_TIME": "5:45"})
    assert (s.scheduler, s.sweep_hour_minute) == ("process", (5, 45))
    with pytest.raises(SettingsError, match="NESA_SCHEDULER"):
        Settings.from_env({"NESA_SCHEDULER": "cron"})
    for bad in ("24:00", "6", "06:60", "noon"):
        with pytest.raises(SettingsError, match="NESA_SWEEP_TIME"):
            Settings.from_env({"NESA_SWEEP_TIME": bad})


def test_nesa_collab_sweep_runs_one_sweep_for_cron(settings, database, monkeypatch, capsys):
    monkeypatch.setenv("NESA_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("NESA_RECEIPTS_DIR", settings.receipts_dir)
    main(["sweep", "--today", "2027-01-11"])
    assert capsys.readouterr().out.startswith("Sweep of 2027-01-11: ")
    main(["sweep", "--today", "2027-01-11"])
    assert "nothing changed since the last sweep of that day" in capsys.readouterr().out
    main(["sweep", "--today", "2027-01-11", "--full"])
    assert "0 flags raised, 0 cleared" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="YYYY-MM-DD"):
        main(["sweep", "--today", "11/01/2027"])
    with database.transaction() as db:
        assert [r.triggered_by for r in db.scalars(select(SweepRun))] == ["cli"] * 3



def test_nesa_collab_scheduler_runs_the_schedule_in_its_own_process(settings, database):
    import os
    import signal

    env = {**os.environ, "NESA_DATABASE_URL": settings.database_url, "NESA_RECEIPTS_DIR": settings.receipts_dir,
           "NESA_SCHEDULER": "process"}
    process = subprocess.Popen([sys.executable, "-m", "nesa_collab.cli", "scheduler"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert "the flags sweep runs daily at 06:00 (Europe/Athens)" in process.stdout.readline()
        for _ in range(400):  # its start's catch-up sweep
            with database.transaction() as db:
                run = db.scalar(select(SweepRun).where(SweepRun.finished_at.is_not(None)))
            if run is not None:
                break
            time.sleep(0.05)
        assert run is not None and run.triggered_by == SweepTrigger.SCHEDULE and run.error is None
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    assert process.returncode == 0
