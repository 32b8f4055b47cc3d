"""Benchmark (issue 11): what each main page and API list costs on the demo network (1×) and on that
network grown 100 times, beside a bare Starlette + Jinja page served the same way in the same run.

    .venv/bin/python bench/pages.py [--factors 1,100] [--requests 100] [--seconds 3] [--pages / /cores]
                                    [--postgres SERVER_URL] [--workers 4]

For each size it builds the network (``bench/grow.py``: the demo loaded through the services, then
copied in bulk) and sweeps it for today's flags, serves the app with uvicorn (one worker and SQLite unless
``--workers`` and ``--postgres`` say otherwise: then the network is copied into PostgreSQL,
``bench/to_postgres.py``; no scheduler) and the bare page
(``bench/bare.py``) on loopback, signs in as the personas of the demo, and for every page prints:

- p50 and p95 latency with one connection (keep-alive), over ``--requests`` requests (fewer if they
  take more than ``--seconds``);
- requests per second with 8 connections at once, for ``--seconds``;
- the server's CPU per request (user + system time of the uvicorn process, read from /proc, over the
  one-connection run) and its ratio to the bare page's;
- SQL statements per request (counted in this process, on the same database, with the same sign-in);
- the server's resident memory after the page's load, and its peak over the whole run.

Targets (issue 11; SQLite, one worker, a 2-core machine, 100×): p95 under 50 ms with one connection;
CPU per request under 10 ms; statements the same at 1× and 100×; memory under 200 MB after the load.
The load is bounded (a few seconds a page). The client runs on the same two cores, which caps the
8-connection figures of cheap pages (the bare page's included); CPU per request is the server's own.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import event
from starlette.testclient import TestClient

import grow
from nesa_collab.app import create_app
from nesa_collab.clock import today
from nesa_collab.db import Database
from nesa_collab.flags.runs import run_sweep
from nesa_collab.settings import Settings

HERE = Path(__file__).resolve().parent
PASSWORD = "demo-password"
SECRET = "bench-" + "x" * 40
TICK = os.sysconf("SC_CLK_TCK")
#: What the report's headings say the run served from.
DATABASE, WORKERS = "SQLite", 1

#: Who asks for what: the Director's lists and dashboards, the API lists, and each persona's home.
DPL = "maya.haddad@nesa-demo.org"
PAGES: list[tuple[str | None, str]] = [
    (DPL, "/"), (DPL, "/cores"), (DPL, "/plans"), (DPL, "/collaboratives"), (DPL, "/people"),
    (DPL, "/schools"), (DPL, "/audit"), (DPL, "/meetings"), (DPL, "/conferences"), (DPL, "/flags"),
    (DPL, "/obligations"), (DPL, "/claims"), (DPL, "/interests"),
    (DPL, "/api/v1/collaboratives"), (DPL, "/api/v1/cores"), (DPL, "/api/v1/plans"), (DPL, "/api/v1/people"),
    (DPL, "/api/v1/schools"), (DPL, "/api/v1/meetings"), (DPL, "/api/v1/audit"), (DPL, "/api/v1/flags"),
    (DPL, "/api/v1/obligations"), (DPL, "/api/v1/claims"),
    ("omar.khalil@asd-dubai.example", "/"),            # a Core member
    ("rania.nassar@acs-amman.example", "/"),           # a school coordinator
    ("eleni.papadopoulou@nesa-demo.org", "/"),         # Center staff
    ("pinar.sahin@robcol.example", "/"),               # the PDAC
    ("nadia.rahman@aisd-dhaka.example", "/"),          # a member
    (None, "/"), (None, "/collaboratives"), (None, "/meetings"),
]


@dataclass
class Figures:
    who: str
    path: str
    status: int
    p50: float
    p95: float
    rps: float
    cpu_ms: float
    statements: int | None
    rss_mb: float


# --- servers -----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """uvicorn serving ``app`` on loopback, with ``workers`` worker processes (1: in its own process)."""

    def __init__(self, app: str, env: dict[str, str], app_dir: Path | None = None, workers: int = 1):
        self.port = free_port()
        args = [sys.executable, "-m", "uvicorn", app, "--port", str(self.port), "--log-level", "warning",
                "--no-access-log"]
        if workers > 1:
            # As in production: `nesa-collab serve`, whose workers' connections are TCP_NODELAY
            # (nesa_collab/serving.py; uvicorn's own --workers costs every keep-alive request ~40 ms).
            args = [sys.executable, "-c", "from nesa_collab.cli import main; main()", "serve", "--no-migrate",
                    "--no-access-log", "--port", str(self.port), "--workers", str(workers)]
        if app_dir:
            args += ["--app-dir", str(app_dir)]
        self.process = subprocess.Popen(args, env={**os.environ, **env})
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(self.base + "/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"{app} did not start")
            time.sleep(0.2)

    def pids(self) -> list[int]:
        """The server's process and its workers (uvicorn's supervisor starts them as children)."""
        out, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            out.append(pid)
            try:
                todo += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
            except OSError:
                pass
        return out

    def cpu_seconds(self) -> float:
        total = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / TICK

    def memory_mb(self, key: str = "VmRSS") -> float:
        """Summed over the server's processes."""
        total = 0.0
        for pid in self.pids():
            try:
                lines = Path(f"/proc/{pid}/status").read_text().splitlines()
            except OSError:
                continue
            total += sum(int(line.split()[1]) / 1024 for line in lines if line.startswith(key + ":"))
        return total

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def sign_in(client: httpx.Client, email: str | None) -> httpx.Client:
    if email is not None:
        form = client.get("/sign-in").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        r = client.post("/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": token})
        assert r.status_code in (200, 303) and "nesa_session" in client.cookies, f"sign-in as {email} failed"
    return client


# --- measuring ---------------------------------------------------------------------------------

def one_connection(server: Server, client: httpx.Client, path: str, requests: int, seconds: float):
    """(status, latencies in ms, CPU seconds of the server per request) for sequential requests."""
    for _ in range(3):
        status = client.get(path).status_code  # warm caches
    latencies = []
    cpu = server.cpu_seconds()
    started = time.monotonic()
    while len(latencies) < requests and (len(latencies) < 5 or time.monotonic() - started < seconds):
        t = time.perf_counter()
        client.get(path)
        latencies.append((time.perf_counter() - t) * 1000)
    return status, latencies, (server.cpu_seconds() - cpu) / len(latencies)


def many_connections(server: Server, cookies: httpx.Cookies, path: str, seconds: float, connections: int = 8):
    """Requests per second with ``connections`` clients at once (each finishes the request under way
    when the time is up; those count)."""
    clients = [httpx.Client(base_url=server.base, cookies=cookies, timeout=120) for _ in range(connections)]
    done = [0] * connections
    ready = threading.Barrier(connections + 1)
    stop = [0.0]

    def work(i: int) -> None:
        ready.wait()
        while time.monotonic() < stop[0]:
            clients[i].get(path)
            done[i] += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    started = time.monotonic()
    stop[0] = started + seconds
    ready.wait()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    for c in clients:
        c.close()
    return sum(done) / elapsed


def statements_per_page(url: str, pages: list[tuple[str | None, str]]) -> dict[tuple[str | None, str], int]:
    """SQL statements of one request to each page, counted in this process on the same database."""
    app = create_app(Settings(database_url=url, env="development", secret_key=SECRET, scheduler="off"))
    statements: list[str] = []
    event.listen(app.state.database.engine, "before_cursor_execute", lambda c, cur, s, *a: statements.append(s))
    out = {}
    clients: dict[str | None, TestClient] = {}
    with TestClient(app) as anonymous:
        for who, path in pages:
            if who not in clients:
                clients[who] = sign_in(TestClient(app), who) if who else anonymous
            client = clients[who]
            client.get(path)
            statements.clear()
            client.get(path)
            out[(who, path)] = len(statements)
    app.state.database.dispose()
    return out


def measure(url: str, pages, requests: int, seconds: float, workers: int = 1) -> tuple[list[Figures], Figures, float]:
    env = {"NESA_DATABASE_URL": url, "NESA_SECRET_KEY": SECRET, "NESA_ENV": "development",
           "NESA_SCHEDULER": "off", "NESA_BASE_URL": "http://127.0.0.1"}
    bare = Server("bare:app", {}, app_dir=HERE)
    with httpx.Client(base_url=bare.base, timeout=120) as c:
        status, lat, cpu = one_connection(bare, c, "/", requests * 5, seconds)
    bare_fig = Figures("", "bare page", status, statistics.median(lat), _p95(lat),
                       many_connections(bare, httpx.Cookies(), "/", seconds), cpu * 1000, None, bare.memory_mb())
    bare.stop()

    server = Server("nesa_collab.app:app", env, workers=workers)
    out = []
    clients: dict[str | None, httpx.Client] = {}
    try:
        for who, path in pages:
            if who not in clients:
                clients[who] = sign_in(httpx.Client(base_url=server.base, timeout=120), who)
            client = clients[who]
            status, lat, cpu = one_connection(server, client, path, requests, seconds)
            rps = many_connections(server, client.cookies, path, seconds)
            out.append(Figures(who or "visitor", path, status, statistics.median(lat), _p95(lat), rps, cpu * 1000,
                               None, server.memory_mb()))
            print(f"  {path} as {who or 'a visitor'}: p95 {out[-1].p95:.1f} ms, {out[-1].cpu_ms:.1f} ms CPU",
                  file=sys.stderr, flush=True)
        peak = server.memory_mb("VmHWM")
    finally:
        for c in clients.values():
            c.close()
        server.stop()
    counted = statements_per_page(url, pages)
    for f, page in zip(out, pages):
        f.statements = counted[page]
    return out, bare_fig, peak


def sweep(url: str) -> None:
    """Raise today's flags (F1–F8), as the daily sweep would have: the flags pages show them."""
    settings = Settings(database_url=url, env="development", secret_key=SECRET, scheduler="off")
    database = Database(url)
    try:
        outcome = run_sweep(database, today(settings.tz), settings, "cli")
        assert outcome.error is None, outcome.error
    finally:
        database.dispose()


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


# --- the report --------------------------------------------------------------------------------

def print_table(factor: int, figures: list[Figures], bare: Figures, peak: float) -> None:
    print(f"\n## {factor}× the demo network ({DATABASE}, {WORKERS} worker{'s' if WORKERS > 1 else ''})\n")
    print(f"Bare Starlette + Jinja page: p50 {bare.p50:.1f} ms, p95 {bare.p95:.1f} ms, {bare.rps:.0f} req/s "
          f"(8 connections), {bare.cpu_ms:.2f} ms CPU per request.\n")
    print("| who | page | status | p50 ms | p95 ms | req/s (8 conn.) | CPU ms/req | × bare CPU "
          "| statements | RSS MB after |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for f in figures:
        who = f.who.split("@")[0]
        print(f"| {who} | `{f.path}` | {f.status} | {f.p50:.1f} | {f.p95:.1f} | {f.rps:.0f} | {f.cpu_ms:.1f} "
              f"| {f.cpu_ms / max(bare.cpu_ms, 0.01):.1f} | {f.statements} | {f.rss_mb:.0f} |")
    print(f"\nServer memory: {figures[-1].rss_mb:.0f} MB resident after the load, {peak:.0f} MB at its peak.")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--factors", default="1,100", help="sizes of the network, in demo networks")
    parser.add_argument("--requests", type=int, default=100, help="requests per page with one connection")
    parser.add_argument("--seconds", type=float, default=3.0, help="time per page and load, at most")
    parser.add_argument("--pages", nargs="*", help="only these paths")
    parser.add_argument("--keep", help="a folder to keep the grown databases in")
    parser.add_argument("--postgres", metavar="SERVER_URL",
                        help="serve from PostgreSQL: each grown network is copied into a database on this server "
                             "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    args = parser.parse_args(argv)
    pages = [p for p in PAGES if not args.pages or p[1] in args.pages]
    global DATABASE, WORKERS
    DATABASE, WORKERS = ("PostgreSQL" if args.postgres else "SQLite"), args.workers
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="nesa-pages-", dir="/dev/shm"))
    folder.mkdir(parents=True, exist_ok=True)
    results = {}
    try:
        for factor in (int(f) for f in args.factors.split(",")):
            path = folder / f"network-{factor}x.db"
            if not path.exists():
                t = time.perf_counter()
                grow.seed(path)
                if factor > 1:
                    grow.grow(path, factor)
                sweep(f"sqlite:///{path}")
                print(f"Built the {factor}× network in {time.perf_counter() - t:.0f} s", file=sys.stderr)
            url = f"sqlite:///{path}"
            if args.postgres:
                import to_postgres

                t = time.perf_counter()
                url = to_postgres.copy(str(path), args.postgres, f"nesa_bench_{factor}x")
                print(f"Copied the {factor}× network into PostgreSQL in {time.perf_counter() - t:.0f} s", file=sys.stderr)
            results[factor] = measure(url, pages, args.requests, args.seconds, args.workers)
            print_table(factor, *results[factor])
        if len(results) > 1:
            sizes = sorted(results)
            first, last = results[sizes[0]][0], results[sizes[-1]][0]
            grew = [f"{a.path} as {a.who.split('@')[0]}: {a.statements} → {b.statements}"
                    for a, b in zip(first, last) if a.statements != b.statements]
            print(f"\nStatements per request at {sizes[0]}× and {sizes[-1]}×: "
                  + ("the same on every page." if not grew else "they differ on " + "; ".join(grew)))
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
