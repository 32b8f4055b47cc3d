"""Benchmark (M5): render a 5,000-event collaborative feed, and answer a conditional request.

    .venv/bin/python bench/feed_bench.py [--events 5000]

Target (issue 5): a feed of 5,000 events renders in well under a second, and a conditional request
that matches the ETag answers without rebuilding the feed. Each meeting's events are serialized once
and stored in meeting_feed_entries, so a feed is assembled from stored text: a change through the
services ends the changed meeting's entry, and the next feed builds it again and stores it (a short
write of its own). The bench prints the cost of writing, the first render (which builds and stores
every entry), the render from stored entries (fresh process and warm), after one edit, without any
stored entry (what every render cost before), the ETag check, and both HTTP answers.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from starlette.testclient import TestClient

from nesa_collab.app import create_app
from nesa_collab.permissions import SYSTEM
from nesa_collab.clock import now_utc
from nesa_collab.db import Database
from sqlalchemy import func, select

from nesa_collab.meetings import feed_cache, feeds, ical
from nesa_collab.meetings.feed_cache import FeedEntry
from nesa_collab.meetings.models import AgendaItem, Meeting
from nesa_collab.network.models import Collaborative
from nesa_collab.migrate import upgrade
from nesa_collab.network import services as network
from nesa_collab.settings import Settings

ZONES = ["Asia/Kolkata", "Asia/Dubai", "Europe/Istanbul", "Africa/Cairo", "Asia/Kathmandu", "Asia/Bangkok",
         "Europe/Athens", "Asia/Dhaka"]


def build(path: Path, n: int) -> tuple[Settings, str, float]:
    """A collaborative with ``n`` published meetings across zones (no feed entries yet: the first feed
    stores them). Returns the time of the commit."""
    url = f"sqlite:///{path}"
    upgrade(url)
    settings = Settings(database_url=url, env="test", secret_key="bench-" + "x" * 40, base_url="https://collab.example.org")
    database = Database(url)
    with database.transaction() as db:
        collab = network.create_collaborative(db, SYSTEM, name="Bench", kind="discipline", today=date(2020, 1, 1))
        network.set_collaborative_status(db, SYSTEM, collab, "activate", date(2020, 1, 1))
        slug = collab.slug
    t = time.perf_counter()
    with database.transaction() as db:
        collab_id = db.scalar(select(Collaborative.id).where(Collaborative.slug == slug))
        stamp = now_utc()
        rows = []
        for i in range(n):
            zone = ZONES[i % len(ZONES)]
            local = datetime(2027, 1, 1, 9, 0) + timedelta(days=i // 10, hours=i % 10)
            starts = local.replace(tzinfo=ZoneInfo(zone)).astimezone(timezone.utc)
            m = Meeting(collaborative_id=collab_id, title=f"Meeting {i}", mode="virtual", status="published",
                        time_zone=zone, local_start=local, local_end=local + timedelta(hours=1), starts_at=starts,
                        ends_at=starts + timedelta(hours=1), last_ends_at=starts + timedelta(hours=1),
                        join_url="https://meet.example.org/x", place="", description="", sequence=0,
                        is_planning=False, created_at=stamp, updated_at=stamp)
            m.agenda = [AgendaItem(position=0, title="News", minutes=20, presenter="", notes=""),
                        AgendaItem(position=1, title="Work", minutes=40, presenter="", notes="")]
            rows.append(m)
        db.add_all(rows)
    written = time.perf_counter() - t
    database.dispose()
    return settings, slug, written


def timed(fn, repeat: int = 1) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings, slug, written = build(Path(tmp) / "bench.db", args.events)
        database = Database(settings.database_url)
        with database.session(write=False) as db:
            collab = db.scalar(select(Collaborative).where(Collaborative.slug == slug))
            scope = feeds.collaborative_scope(collab, settings.base_url, "NESA")

        def render(store: bool = True) -> bytes:
            # No ETag: the whole-feed cache is not used. As the feed page does, the entries the render
            # had to build are stored for the next one.
            with database.session(write=False) as db:
                return feeds.render(db, scope, settings.base_url, store_in=database if store else None)

        t = time.perf_counter()
        body = render()
        first_render = time.perf_counter() - t
        with database.session(write=False) as db:
            assert db.scalar(select(func.count()).select_from(FeedEntry)) == args.events
        ical.event_bytes.cache_clear()  # as in a fresh process: nothing serialized in memory
        cold = timed(render)
        warm = timed(render, 5)
        with database.transaction() as db:  # one meeting changes, as after an edit through the services
            first = db.scalar(select(Meeting).order_by(Meeting.id))
            first.title, first.sequence, first.updated_at = "Changed", first.sequence + 1, now_utc()
            feed_cache.forget(db, [first.id])
        rebuilt = timed(render)
        after_edit = timed(render, 5)
        with database.transaction() as db:  # without stored entries (e.g. NESA_BASE_URL changed)
            db.execute(FeedEntry.__table__.delete())
        ical.event_bytes.cache_clear()
        unstored = timed(lambda: render(store=False))
        with database.session(write=False) as db:
            fp_time = timed(lambda: feeds.fingerprint(db, scope), 20)
        print(f"events: {args.events}, feed size: {len(body) / 1e6:.2f} MB")
        print(f"writing {args.events} meetings: {written * 1000:.0f} ms "
              f"({written / args.events * 1000:.2f} ms a meeting)")
        print(f"first render (serializes every event and stores the entries): {first_render * 1000:.0f} ms")
        print(f"render from stored entries, fresh process: {cold * 1000:.0f} ms")
        print(f"render from stored entries, median of 5: {warm * 1000:.0f} ms")
        print(f"first render after one meeting changed (rebuilds and stores its entry): {rebuilt * 1000:.0f} ms")
        print(f"render after that, median of 5: {after_edit * 1000:.0f} ms")
        print(f"render with no stored entries (every event serialized now, nothing stored): {unstored * 1000:.0f} ms")
        print(f"fingerprint (count + max(updated_at)), median of 20: {fp_time * 1000:.2f} ms")
        render()  # store the entries again for the HTTP figures
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
