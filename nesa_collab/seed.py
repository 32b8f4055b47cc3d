"""``nesa-collab seed``: load the demo network from ``seed_data/``, one domain after another, in
one transaction. Running it again adds only what is missing.

The demo tells its story around the day it is loaded: each step is recorded on its own day in the
past, by who did it (``network.seed.told_on``), so the audit log, the norms' history and the plans'
revisions read as the network's history rather than one load."""

from __future__ import annotations

from pathlib import Path

from .db import Database
from .cores.seed import load_cores, load_norms
from .meetings.seed import load_meetings, load_past_meetings, load_rsvps
from .network.seed import lapse_schools, load_network, read_yaml
from .obligations.seed import load_obligations
from .paths import SEED_DIR
from .plans.seed import load_plans
from .settings import Settings
from .support.seed import load_claims

#: Later domains (cores, plans, meetings, obligations, support) append loaders: (db, seed_dir, settings) -> counts.
LOADERS = [load_network, load_cores, load_norms, lapse_schools, load_plans, load_meetings, load_past_meetings,
           load_rsvps, load_obligations, load_claims]


def load(database: Database, settings: Settings, seed_dir: Path = SEED_DIR) -> dict[str, int]:
    counts: dict[str, int] = {}
    with database.transaction() as db:
        for loader in LOADERS:
            counts.update(loader(db, seed_dir, settings))
    return counts


def demo_accounts(seed_dir: Path = SEED_DIR) -> tuple[str, list[dict[str, str]]]:
    data = read_yaml(seed_dir / "demo_accounts.yaml")
    return data["password"], data["accounts"]
