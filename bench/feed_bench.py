"""Benchmark (M5): render a 5,000-event collaborative feed, and answer a conditional request.

    .venv/bin/python bench/feed_bench.py [--events 5000]

Prints the time to build the feed (cold: load rows + render), the time of a conditional request
whose ETag matches (answered from a count/max(updated_at) query, nothing rendered) and of a full
request through the app.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from starlette.testclient import TestClient

from nesa_collab.app import create_app
from nesa_collab.clock import now_utc
from nesa_collab.db import Database
from nesa_collab.meetings import feeds
from nesa_collab.meetings.models import AgendaItem, Meeting
from nesa_collab.migrate import upgrade
from nesa_collab.network import services as network
from nesa_collab.settings import Settings

ZONES = ["Asia/Kolkata", "Asia/Dubai", "Europe/Istanbul", "Africa/Cairo", "Asia/Kathmandu", "Asia/Bangkok",
         "Europe/Athens", "Asia/Dhaka"]


def build(path: Path, n: int) -> tuple[Settings, str]:
    url = f"sqlite:///{path}"
    upgrade(url)
    settings = Settings(database_url=url, env="test", secret_key="bench-" + "x" * 40, base_url="https://collab.example.org")
    database = Database(url)
    with database.transaction() as db:
        collab = network.create_collaborative(db, None, name="Bench", kind="discipline", today=date(2020, 1, 1))
        network.set_collaborative_status(db, None, collab, "activate", date(2020, 1, 1))
        db.flush()
        stamp = now_utc()
        from zoneinfo import ZoneInfo
        rows = []
        for i in range(n):
            zone = ZONES[i % len(ZONES)]
            local = datetime(2027, 1, 1, 9, 0) + timedelta(days=i // 10, hours=i % 10)
            starts = local.replace(tzinfo=ZoneInfo(zone)).astimezone(timezone.utc)
            m = Meeting(collaborative_id=collab.id, title=f"Meeting {i}", mode="virtual", status="published",
                        time_zone=zone, local_start=local, local_end=local + timedelta(hours=1), starts_at=starts,
                        ends_at=starts + timedelta(hours=1), last_ends_at=starts + timedelta(hours=1),
                        join_url="https://meet.example.org/x", place="", description="", minutes="", sequence=0,
                        is_planning=False, created_at=stamp, updated_at=stamp)
            m.agenda = [AgendaItem(position=0, title="News", minutes=20, presenter="", notes=""),
                        AgendaItem(position=1, title="Work", minutes=40, presenter="", notes="")]
            rows.append(m)
        db.add_all(rows)
        slug = collab.slug
    database.dispose()
    return settings, slug


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings, slug = build(Path(tmp) / "bench.db", args.events)
        database = Database(settings.database_url)
        with database.session(write=False) as db:
            from nesa_collab.network.models import Collaborative
            from sqlalchemy import select

            collab = db.scalar(select(Collaborative).where(Collaborative.slug == slug))
            scope = feeds.collaborative_scope(collab, settings.base_url, "NESA")
            t = time.perf_counter()
            body = feeds.render(db, scope, settings.base_url)  # no ETag: the whole-feed cache is not used
            cold = time.perf_counter() - t
            # One meeting changes (as after an edit): only its VEVENT is serialized again.
            first = db.scalar(select(Meeting).order_by(Meeting.id))
            first.title, first.sequence, first.updated_at = "Changed", first.sequence + 1, now_utc()
            db.flush()
            timings = []
            for _ in range(3):
                t = time.perf_counter()
                body = feeds.render(db, scope, settings.base_url)
                timings.append(time.perf_counter() - t)
            db.rollback()
            t = time.perf_counter()
            fp = feeds.fingerprint(db, scope)
            fp_time = time.perf_counter() - t
        print(f"events: {args.events}, feed size: {len(body) / 1e6:.2f} MB")
        print(f"render, cold process (load rows + build every VEVENT + serialize): {cold * 1000:.0f} ms")
        print(f"render after one event changed (load rows + rebuild that VEVENT), median of 3: "
              f"{statistics.median(timings) * 1000:.0f} ms")
        print(f"fingerprint (count + max(updated_at)): {fp_time * 1000:.2f} ms")
        app = create_app(settings, database)
        with TestClient(app) as client:
            url = f"/calendars/collaboratives/{slug}.ics"
            t = time.perf_counter()
            first = client.get(url)
            full = time.perf_counter() - t
            assert first.status_code == 200
            conditional = []
            for _ in range(20):
                t = time.perf_counter()
                r = client.get(url, headers={"If-None-Match": first.headers["etag"]})
                conditional.append(time.perf_counter() - t)
                assert r.status_code == 304
        print(f"HTTP GET, first (renders): {full * 1000:.0f} ms")
        print(f"HTTP GET with matching If-None-Match -> 304, median of 20: {statistics.median(conditional) * 1000:.1f} ms")
        database.dispose()


if __name__ == "__main__":
    main()
