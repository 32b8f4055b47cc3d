"""Running the sweep: one runner at a time across every process and host sharing the database (a
lease row taken atomically), exactly one scheduled sweep per day, and each run recorded.

However many processes start a sweep at the same moment — the schedulers of ``uvicorn --workers
4``, several hosts on one PostgreSQL, a cron job and the Director's button — one takes the lease
and the others step aside without writing anything. A scheduled sweep also steps aside when the
day's scheduled sweep has already finished (a process whose clock fired a little later).

A run whose day and basis (``sweep.basis``: the audit log's size and the settings) are those of the
last run has nothing new to judge: it is recorded as such without judging the rules again, unless
asked for a full sweep.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..clock import now_utc
from ..db import Database, get_or_not_found
from ..permissions import Actor, require
from ..settings import Settings
from .models import Lease, SweepRun, SweepTrigger
from .sweep import basis, sweep

log = logging.getLogger("nesa_collab.flags")

#: The lease every sweep takes.
SWEEP_LEASE = "sweep"
#: How long a lease is held at most: a runner that died frees it after this long.
LEASE_TTL = timedelta(minutes=30)


def holder_name() -> str:
    """This process, uniquely: "host:pid:random"."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


LEASES = Lease.__table__


def _insert(db: Session):
    return (postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert)(LEASES)


def acquire(database: Database, name: str, holder: str, ttl: timedelta = LEASE_TTL) -> bool:
    """Take the lease ``name`` for ``holder`` if nobody holds it (or its holder's time ran out), in a
    transaction of its own. Atomic: of several processes asking at once exactly one gets it (the
    update of an expired row and the insert of a missing one each succeed for one writer only; on
    SQLite the write transaction serializes them, on PostgreSQL the row lock and the primary key)."""
    now = now_utc()
    values = {"holder": holder, "acquired_at": now, "expires_at": now + ttl}
    with database.transaction() as db:
        taken = db.execute(update(LEASES).where(LEASES.c.name == name, LEASES.c.expires_at < now).values(**values)
                           .returning(LEASES.c.name)).first()
        if taken is None:
            taken = db.execute(_insert(db).values(name=name, **values).on_conflict_do_nothing(index_elements=["name"])
                               .returning(LEASES.c.name)).first()
    return taken is not None


def release(database: Database, name: str, holder: str) -> None:
    """Give the lease back (only its holder can)."""
    with database.transaction() as db:
        db.execute(delete(LEASES).where(LEASES.c.name == name, LEASES.c.holder == holder))


@dataclass(frozen=True)
class RunOutcome:
    """What ``run_sweep`` did: ran (the run's id, its counts, its error if it failed) or stepped aside
    (``skipped`` says why; nothing was recorded)."""

    run_id: int | None = None
    raised: int = 0
    cleared: int = 0
    error: str | None = None
    skipped: str | None = None
    #: False when nothing had changed since the last run of the day, so the rules were not judged.
    judged: bool = True
    #: Stepped aside because another process holds the lease (it is sweeping now).
    busy: bool = False

    @property
    def ran(self) -> bool:
        return self.run_id is not None


def run_sweep(database: Database, today: date, settings: Settings, trigger: SweepTrigger | str, *,
              started_by_id: int | None = None, holder: str | None = None, full: bool = False) -> RunOutcome:
    """Run one sweep judging ``today``, unless another process is sweeping (or, for the schedule,
    today's scheduled sweep already ran): take the lease, record the run, sweep and record its
    counts in one transaction (so flags and counts commit together), and give the lease back. A
    failure rolls the sweep back and is recorded on the run. When nothing changed since the last run
    (same day, same basis) the rules are not judged again, unless ``full``."""
    trigger = SweepTrigger(trigger)
    holder = holder or holder_name()
    if not acquire(database, SWEEP_LEASE, holder):
        log.info("sweep of %s (%s) skipped: another process is sweeping", today, trigger)
        return RunOutcome(skipped="another sweep is running", busy=True)
    try:
        with database.transaction() as db:
            if trigger == SweepTrigger.SCHEDULE and _scheduled_already(db, today):
                log.info("sweep of %s skipped: today's scheduled sweep has run", today)
                return RunOutcome(skipped=f"the scheduled sweep of {today.isoformat()} has already run")
            run = SweepRun(today=today, triggered_by=trigger, started_by_id=started_by_id, holder=holder,
                           started_at=now_utc())
            db.add(run)
            db.flush()
            run_id = run.id
        try:
            with database.transaction() as db:
                current = basis(db, settings)
                if not full and _unchanged(db, run_id, today, current):
                    _finish(db, run_id, basis=current, judged=False)
                    log.info("sweep of %s: nothing changed since the last run", today)
                    return RunOutcome(run_id=run_id, judged=False)
                result = sweep(db, today, settings)
                _finish(db, run_id, raised=result.raised, cleared=result.cleared, basis=current)
        except Exception as exc:  # noqa: BLE001 - the run records any failure; the sweep was rolled back
            log.exception("sweep of %s failed", today)
            error = f"{type(exc).__name__}: {exc}"[:2000]
            with database.transaction() as db:
                _finish(db, run_id, error=error)
            return RunOutcome(run_id=run_id, error=error)
        log.info("sweep of %s: %d raised, %d cleared", today, result.raised, result.cleared)
        return RunOutcome(run_id=run_id, raised=result.raised, cleared=result.cleared)
    finally:
        release(database, SWEEP_LEASE, holder)


def _scheduled_already(db: Session, today: date) -> bool:
    return db.scalar(select(SweepRun.id).where(
        SweepRun.today == today, SweepRun.triggered_by == SweepTrigger.SCHEDULE, SweepRun.finished_at.is_not(None),
        SweepRun.error.is_(None)).limit(1)) is not None


def _unchanged(db: Session, run_id: int, today: date, current: str) -> bool:
    """Whether the last run that finished (of any day: another day's judgement changes the flags)
    judged ``today`` on the ``current`` basis."""
    last = db.execute(select(SweepRun.today, SweepRun.basis).where(
        SweepRun.id != run_id, SweepRun.finished_at.is_not(None), SweepRun.error.is_(None))
        .order_by(SweepRun.id.desc()).limit(1)).first()
    return last is not None and last.today == today and last.basis == current


def _finish(db: Session, run_id: int, *, raised: int = 0, cleared: int = 0, error: str | None = None,
            basis: str | None = None, judged: bool = True) -> None:
    db.execute(update(SweepRun).where(SweepRun.id == run_id)
               .values(finished_at=now_utc(), raised=raised, cleared=cleared, error=error, basis=basis,
                       judged=judged)
               .execution_options(synchronize_session=False))


# --- the runs, for the Director --------------------------------------------------------------------------

def runs_query(actor: Actor | None):
    """F1–F8: the recorded runs of the sweep, latest first (for the Director)."""
    require(actor, "sweep.run")
    return select(SweepRun).order_by(SweepRun.started_at.desc(), SweepRun.id.desc())


def latest_run(db: Session, actor: Actor | None) -> SweepRun | None:
    """The last sweep that ran (the flags page says when the flags were judged)."""
    return db.scalars(runs_query(actor).limit(1)).first()


def start_run(database: Database, actor: Actor, today: date, settings: Settings) -> RunOutcome:
    """The Director starts a sweep of ``today`` now (the runs page's button, the API). It runs in
    transactions of its own: the request's session must hold no write transaction meanwhile."""
    require(actor, "sweep.run")
    return run_sweep(database, today, settings, SweepTrigger.DPL, started_by_id=actor.id)


def get_run(db: Session, actor: Actor | None, run_id: int) -> SweepRun:
    """One run of the sweep (for the Director)."""
    require(actor, "sweep.run")
    return get_or_not_found(db, SweepRun, run_id)
