"""Issue 12 (10): phones. A wide table scrolls inside its own box (the page never gets wider than the
screen), and the header keeps the signed-in person's name and "Sign out" together on the brand's line,
with the navigation on a line of its own that wraps.

A fast suite cannot run a browser, so these check the markup the stylesheet relies on; the browser's
own measure (``document.documentElement.scrollWidth`` at 390 px) is ``bench/phone_widths.py``, run by
the slow test at the end when Playwright and a Chromium are at hand."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from nesa_collab import clock
from nesa_collab.app import create_app
from nesa_collab.db import Database

from .conftest import SEED_DAY, sign_in

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
STYLE = ROOT / "nesa_collab" / "static" / "style.css"
SCROLL_BOX = '<div class="table-scroll">'
JINJA = re.compile(r"\{%-?.*?-?%\}|\{#.*?#\}", re.S)


def test_every_table_in_the_templates_sits_directly_in_a_scrolling_box():
    """A table wider than a phone scrolls inside ``div.table-scroll``, not the page."""
    bare = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        for m in re.finditer(r"<table\b", text):
            before = JINJA.sub("", text[:m.start()]).rstrip()
            if not before.endswith(SCROLL_BOX):
                bare.append(f"{path.relative_to(TEMPLATES)}:{text.count(chr(10), 0, m.start()) + 1}")
    assert not bare, f"tables outside a {SCROLL_BOX}: {bare}"


def test_the_stylesheet_scrolls_the_box_and_keeps_what_it_holds_inside_it():
    css = STYLE.read_text()
    rule = re.search(r"\.table-scroll\s*\{([^}]*)\}", css).group(1)
    assert "overflow-x: auto" in rule
    # The screen-reader-only text in a cell is absolutely placed: its box must be the scroller, or it
    # stretches the page (it made /cores 792 px wide at 390).
    assert "position: relative" in rule


class _Tables(HTMLParser):
    """Each <table> of a page, and whether a ``div.table-scroll`` holds it (only divs are followed:
    a paragraph or list item closed implicitly cannot mislead the count)."""

    def __init__(self) -> None:
        super().__init__()
        self.divs: list[bool] = []
        self.tables: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag == "div":
            self.divs.append("table-scroll" in classes)
        elif tag == "table":
            self.tables.append((" ".join(classes) or "table", any(self.divs)))

    def handle_endtag(self, tag):
        if tag == "div" and self.divs:
            self.divs.pop()


class _Header(HTMLParser):
    """The order of the header bar's parts: brand, who, nav."""

    def __init__(self) -> None:
        super().__init__()
        self.order: list[str] = []
        self.in_header = False

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag == "header" and "site" in classes:
            self.in_header = True
        elif self.in_header and ("brand" in classes or "who" in classes or tag == "nav"):
            self.order.append("nav" if tag == "nav" else classes[0])

    def handle_endtag(self, tag):
        if tag == "header":
            self.in_header = False


def _as(app, email: str) -> TestClient:
    return sign_in(TestClient(app), email, "demo-password")


MAIN_PAGES = ["/", "/cores", "/collaboratives", "/meetings", "/plans", "/people", "/audit", "/flags", "/claims",
              "/obligations", "/conferences", "/schools", "/flags/history", "/flags/runs", "/plans/template",
              "/profile/tokens", "/api/v1/docs", "/conferences/sec-2027", "/conferences/sec-2027/support",
              "/conferences/sec-2027/run-sheet"]


def _first(client: TestClient, listing: str, pattern: str) -> str:
    return re.search(pattern, client.get(listing).text).group(1)


def test_every_table_on_the_main_pages_scrolls_in_its_own_box_and_the_name_stays_with_sign_out(seeded):
    world, settings = seeded
    clock.freeze(SEED_DAY)
    app = create_app(settings, Database(world.url))
    with TestClient(app):
        dpl = _as(app, "maya.haddad@nesa-demo.org")
        collab = _first(dpl, "/collaboratives", r'href="(/collaboratives/(?!new")[a-z0-9-]+)"')
        meeting = _first(dpl, "/meetings", r'href="(/meetings/\d+)"')
        plan = _first(dpl, "/plans", r'href="(/plans/\d+)"')
        school = _first(dpl, "/schools", r'href="(/schools/(?!new")[a-z0-9-]+)"')
        pages = MAIN_PAGES + [collab, collab + "/core", collab + "/members", meeting, meeting + "/agenda",
                              meeting + "/minutes", plan, plan + "/revisions", school, school + "/obligations"]
        bare, tables = [], 0
        for path in pages:
            r = dpl.get(path)
            assert r.status_code == 200, path
            found = _Tables()
            found.feed(r.text)
            tables += len(found.tables)
            bare += [f"{path} {name}" for name, held in found.tables if not held]
            header = _Header()
            header.feed(r.text)
            # The name and Sign out come right after the brand, the navigation on its own line below.
            assert header.order == ["brand", "who", "nav"], (path, header.order)
        assert tables >= 20
        assert not bare, bare


def test_the_navigation_is_a_wrapping_row_of_its_own():
    css = STYLE.read_text()
    nav = re.search(r"header\.site nav\s*\{([^}]*)\}", css).group(1)
    assert "flex-basis: 100%" in nav or "flex: 1 1 100%" in nav  # a line of its own, under brand and name
    ul = re.search(r"header\.site nav ul\s*\{([^}]*)\}", css).group(1)
    assert "flex-wrap: wrap" in ul
    who = re.search(r"\.who\s*\{([^}]*)\}", css).group(1)
    assert "white-space: nowrap" in who and "margin-left: auto" in who


# --- the browser's own measure (slow; needs Playwright and Chromium) ----------------------------------

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.mark.slow
def test_at_390_px_no_main_page_is_wider_than_the_screen(seeded):
    pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium")
    import uvicorn

    world, settings = seeded
    clock.freeze(SEED_DAY)
    app = create_app(settings, Database(world.url))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(100):
            if server.started:
                break
            time.sleep(0.1)
        # In a process of its own: Playwright's sync API refuses a thread that already drives a
        # browser (the browser journeys' fixture may, in the same test worker).
        measured = subprocess.run([sys.executable, str(ROOT / "bench" / "phone_widths.py"), "--base",
                                   f"http://127.0.0.1:{port}", "--chromium", CHROMIUM],
                                  capture_output=True, text=True, timeout=600)
        assert measured.returncode == 0, measured.stdout[-3000:] + measured.stderr[-3000:]
    finally:
        server.should_exit = True
        thread.join(10)
