"""The demo's obligations (O1–O3): reconciled from the Core terms, planning meetings, conferences and
answers already loaded, then the schools' answers from ``seed_data/obligations.yaml``, each given
through the service by the coordinator it names on the day it names. Idempotent: an answered
obligation is left alone."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth.models import Person
from ..auth.services import find_by_email
from ..cores.services import load_actor
from ..meetings.models import Conference
from ..network.models import School
from ..meetings.seed import SCHEDULED_DAYS_AGO
from ..network.seed import load_day, read_yaml, told_on
from ..settings import Settings
from . import decisions, services
from .models import Obligation


def load_obligations(db: Session, seed_dir: Path, settings: Settings) -> dict[str, int]:
    path = seed_dir / "obligations.yaml"
    answers = read_yaml(path) if path.exists() else []
    # O1–O3: owed from when the planning meetings were scheduled, and before any school answered.
    derived = min([load_day(settings) - timedelta(days=SCHEDULED_DAYS_AGO)]
                  + [row["decided_on"] - timedelta(days=1) for row in answers])
    with told_on(derived, settings, 10, 30):
        counts = {"obligations": len(services.reconcile_all(db).created), "obligation answers": 0}
    tz = ZoneInfo(settings.network_time_zone)
    for row in answers:
        found = list(db.scalars(
            select(Obligation).join(School, School.id == Obligation.school_id)
            .join(Person, Person.id == Obligation.person_id).join(Conference, Conference.id == Obligation.conference_id)
            .where(Obligation.withdrawn_at.is_(None), Obligation.kind == row["kind"], School.slug == row["school"],
                   Person.email == row["person"].lower(), Conference.slug == row["conference"])).unique())
        if len(found) != 1:
            raise ValueError(f"obligations.yaml: {len(found)} live {row['kind']} obligations of {row['person']} "
                             f"at {row['conference']} (expected one)")
        obligation = found[0]
        if obligation.decided_at is not None:
            continue
        coordinator = load_actor(db, find_by_email(db, row["by"]), row["decided_on"])
        with told_on(row["decided_on"], settings):
            decisions.decide(db, coordinator, obligation, row["decision"], row.get("reason"), row.get("note", ""))
        obligation.decided_at = datetime.combine(row["decided_on"], time(10), tz)
        counts["obligation answers"] += 1
    db.flush()
    return counts
