"""Benchmark (M5): render a large collaborative feed, and answer conditional requests to it and to a
member's own feed.

    .venv/bin/python bench/feed_bench.py [--events 500 5000]

Targets (issues 5 and 11): a feed of 5,000 events renders in well under a second; a conditional request
that matches the ETag answers from the feed's version stamps (``feed_versions``), at least 50 times
faster than a full render and at the same cost (statements, and roughly time) at 500 and 5,000 events.
Each meeting's events are serialized once and stored in meeting_feed_entries, so a feed is assembled
from stored text: a change through the services ends the changed meeting's entry and bumps the feed's
stamp, and the next feed builds the entry again and stores it (a short write of its own). For each size
the bench prints the cost of writing, the first render (which builds and stores every entry), the
render from stored entries (fresh process and warm), after one edit, without any stored entry (what
every render cost before issue 5), the ETag check, and the HTTP answers with their statements; then a
summary of both sizes side by side.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import event, func, select
from starlette.testclient import TestClient

from nesa_collab.app import create_app
from nesa_collab.auth.models import Person
from nesa_collab.clock import now_utc
from nesa_collab.db import Database
from nesa_collab.meetings import feed_cache, feed_tokens, feeds, ical
from nesa_collab.meetings.feed_cache import FeedEntry
from nesa_collab.meetings.models import AgendaItem, Meeting, Rsvp
from nesa_collab.migrate import upgrade
from nesa_collab.network import services as network
from nesa_collab.network.models import Collaborative, Membership
from nesa_collab.permissions import SYSTEM
from nesa_collab.settings import Settings

ZONES = ["Asia/Kolkata", "Asia/Dubai", "Europe/Istanbul", "Africa/Cairo", "Asia/Kathmandu", "Asia/Bangkok",
         "Europe/Athens", "Asia/Dhaka"]


def build(path: Path, n: int) -> tuple[Settings, str, str, float]:
    """A collaborative with ``n`` published meetings across zones (no feed entries yet: the first feed
    stores them), and a member with a secret link who answered a tenth of them. Returns the settings,
    the collaborative's slug, the member's link and the time of the meetings' commit."""
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
    with database.transaction() as db:
        collab_id = db.scalar(select(Collaborative.id).where(Collaborative.slug == slug))
        member = Person(name="Bench Member", email="member@bench.example.org", is_active=True)
        db.add(member)
        db.flush()
        db.add(Membership(person_id=member.id, collaborative_id=collab_id, joined_on=date(2020, 1, 1)))
        ids = db.scalars(select(Meeting.id).order_by(Meeting.id)).all()
        db.add_all(Rsvp(meeting_id=m.id, occurrence_start=m.local_start, person_id=member.id, answer="going",
                        note="", answered_at=now_utc())
                   for m in db.scalars(select(Meeting).where(Meeting.id.in_(ids[::10]))))
        _, secret = feed_tokens.issue_token(db, SYSTEM, "person", member.id, settings.secret_key)
    database.dispose()
    return settings, slug, f"/calendars/people/{secret}.ics", written


def timed(fn, repeat: int = 1) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


@contextmanager
def statements(database: Database):
    """Count the SQL statements run inside the block (not BEGIN/COMMIT)."""
    seen: list[str] = []

    def on_execute(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SAVEPOINT", "RELEASE")):
            seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", on_execute)
    try:
        yield seen
    finally:
        event.remove(database.engine, "before_cursor_execute", on_execute)


async def asgi_get(app, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str]]:
    """One GET straight into the ASGI app, without a test client's threads and HTTP parsing: what
    the server spends on the request (the framework, the handler, the database)."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "https", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
             + [(b"host", b"collab.example.org")],
             "client": ("127.0.0.1", 50000), "server": ("collab.example.org", 443)}
    answer: dict = {}

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
            answer["headers"] = {k.decode(): v.decode() for k, v in message["headers"]}

    await app(scope, receive, send)
    return answer["status"], answer["headers"]


def served(app, database: Database, url: str, repeat: int) -> dict[str, float]:
    """The server's cost of a full answer (the feed rendered from stored entries, no ETag held) and
    of a matching If-None-Match (304): median wall time, mean CPU time and statements of each."""

    async def measure(headers: dict[str, str], status: int, times: int) -> tuple[float, float, int]:
        full = status == 200

        async def get() -> int:
            if full:  # the bytes the last render kept for its ETag would answer without rendering
                feeds._CACHE.clear()
            return (await asgi_get(app, url, headers))[0]

        for _ in range(3):  # warm up
            assert await get() == status
        wall = []
        cpu = time.process_time()
        for _ in range(times):
            t = time.perf_counter()
            await get()
            wall.append(time.perf_counter() - t)
        cpu = (time.process_time() - cpu) / times
        with statements(database) as seen:
            await get()
        return statistics.median(wall), cpu, len(seen)

    async def both() -> dict[str, float]:
        _, headers = await asgi_get(app, url)
        full = await measure({}, 200, 5)
        hit = await measure({"If-None-Match": headers["etag"]}, 304, repeat)
        return {"render": full[0], "render_cpu": full[1], "render_statements": full[2],
                "304": hit[0], "304_cpu": hit[1], "304_statements": hit[2]}

    return asyncio.run(both())


def run(n: int) -> dict[str, float]:
    """Every figure for a feed of ``n`` events; returns those the summary compares."""
    with tempfile.TemporaryDirectory() as tmp:
        settings, slug, person_url, written = build(Path(tmp) / "bench.db", n)
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
            assert db.scalar(select(func.count()).select_from(FeedEntry)) == n
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
        print(f"events: {n}, feed size: {len(body) / 1e6:.2f} MB")
        print(f"writing {n} meetings: {written * 1000:.0f} ms ({written / n * 1000:.2f} ms a meeting)")
        print(f"first render (serializes every event and stores the entries): {first_render * 1000:.0f} ms")
        print(f"render from stored entries, fresh process: {cold * 1000:.0f} ms")
        print(f"render from stored entries, median of 5: {warm * 1000:.0f} ms")
        print(f"first render after one meeting changed (rebuilds and stores its entry): {rebuilt * 1000:.0f} ms")
        print(f"render after that, median of 5: {after_edit * 1000:.0f} ms")
        print(f"render with no stored entries (every event serialized now, nothing stored): {unstored * 1000:.0f} ms")
        print(f"fingerprint (the feed's version stamp), median of 20: {fp_time * 1000:.2f} ms")
        render()  # store the entries again for the HTTP figures
        app = create_app(settings, database)
        figures = {"full": unstored, "stored": warm}
        with TestClient(app) as client:  # runs the app's lifespan; the figures call the app directly
            for name, url in (("collaborative", f"/calendars/collaboratives/{slug}.ics"), ("person", person_url)):
                t = time.perf_counter()
                first = client.get(url)
                through_client = time.perf_counter() - t
                assert first.status_code == 200
                wall = []
                for _ in range(20):
                    t = time.perf_counter()
                    assert client.get(url, headers={"If-None-Match": first.headers["etag"]}).status_code == 304
                    wall.append(time.perf_counter() - t)
                f = served(app, database, url, 200)
                print(f"{name} feed through a test client: first GET {through_client * 1000:.0f} ms, "
                      f"304 median of 20 {statistics.median(wall) * 1000:.1f} ms (mostly the client's threads)")
                print(f"{name} feed served, full answer (stored entries; the ETag-keyed bytes not used), median of 5: "
                      f"{f['render'] * 1000:.0f} ms ({f['render_cpu'] * 1000:.0f} ms CPU), "
                      f"{f['render_statements']} statements")
                print(f"{name} feed served, matching If-None-Match -> 304, median of 200: {f['304'] * 1000:.2f} ms "
                      f"({f['304_cpu'] * 1000:.2f} ms CPU), {f['304_statements']} statements")
                figures |= {f"{name}_{k}": v for k, v in f.items()}
        database.dispose()
        print()
        return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, nargs="+", default=[500, 5000])
    args = parser.parse_args()
    results = {n: run(n) for n in args.events}
    print("summary: the collaborative feed (full render: no stored entries; stored render: from stored entries,"
          " in-process; served: the whole request into the app, from stored entries), then a member's own feed")
    print(f"{'events':>7} {'full render':>12} {'stored render':>14} {'served 200':>11} {'stmts':>6} {'304':>8} "
          f"{'304 CPU':>8} {'stmts':>6} {'full/304':>9} {'served/304':>11} {'person 304':>11} {'stmts':>6}")
    for n, f in results.items():
        print(f"{n:>7} {f['full'] * 1000:>10.0f}ms {f['stored'] * 1000:>12.0f}ms "
              f"{f['collaborative_render'] * 1000:>9.0f}ms {f['collaborative_render_statements']:>6} "
              f"{f['collaborative_304'] * 1000:>6.2f}ms {f['collaborative_304_cpu'] * 1000:>6.2f}ms "
              f"{f['collaborative_304_statements']:>6} {f['full'] / f['collaborative_304']:>8.0f}x "
              f"{f['collaborative_render'] / f['collaborative_304']:>10.0f}x "
              f"{f['person_304'] * 1000:>9.2f}ms {f['person_304_statements']:>6}")


if __name__ == "__main__":
    main()
