"""Real-browser journeys (issue 13): Chromium driven by Playwright against the app served by uvicorn
in a subprocess, on a copy of the demo network (one server and one copy per test module, so the
modules run side by side under pytest-xdist). Every page a journey loads is checked by axe-core; a
serious or critical violation fails the journey. A failed journey leaves a full-page screenshot in
``test-output/browser/``.

Locally the journeys skip, saying why, when Playwright, Chromium (``/usr/bin/chromium``) or axe-core
(``npm ci`` in this folder) is missing; ``NESA_TEST_BROWSER=required`` (set by ``.ci/run``) makes
a missing piece a failure instead."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .. import databases
from ..conftest import SEED_DAY
from ..servers import free_port, wait_until_serving

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CHROMIUM = Path("/usr/bin/chromium")
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "test-output" / "browser"
#: The demo accounts' password (seed_data/demo_accounts.yaml): the seed gives it to them outside production.
DEMO_PASSWORD = "demo-password"
DESKTOP = {"width": 1280, "height": 900}
#: Impacts that fail a journey (axe's scale: minor, moderate, serious, critical).
FAILING_IMPACTS = ("serious", "critical")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so the page fixture knows whether the journey failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if not AXE.exists():
        return f"axe-core is not installed ({AXE}: run `npm ci` in tests/browser)"
    return None


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """One headless Chromium per test process."""
    missing = _missing()
    if missing:
        if os.environ.get("NESA_TEST_BROWSER") == "required":
            pytest.fail(f"browser journeys required, but {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server(chromium, seeded_template, tmp_path_factory) -> Iterator[str]:
    """The app served by uvicorn in a subprocess, on this module's own copy of the demo network, its
    clock on the demo's day; the base URL."""
    folder = tmp_path_factory.mktemp("browser")
    url = databases.clone(seeded_template.url, folder, "journey")
    port = free_port()
    env = {**os.environ, "NESA_DATABASE_URL": url, "NESA_ENV": "test", "NESA_SCHEDULER": "off",
           "NESA_SECRET_KEY": "browser-journeys-" + "x" * 32, "NESA_BASE_URL": f"http://127.0.0.1:{port}",
           "NESA_RECEIPTS_DIR": str(seeded_template.receipts)}
    log = (folder / "server.log").open("w+")
    proc = subprocess.Popen([sys.executable, "-m", "tests.browser.serve", str(port), SEED_DAY.isoformat()],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        if not wait_until_serving(base, proc):
            log.seek(0)
            pytest.fail(f"the server did not start:\n{log.read()}")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        databases.drop(url)


#: Runs in every page the journeys load (the context bypasses the app's Content-Security-Policy,
#: which rightly refuses injected scripts): once the page has loaded, axe checks it and hands its
#: violations to the test, then marks the page as checked.
AXE_RUNNER = """
window.addEventListener('load', () => {
  if (window.top !== window || !/^https?:/.test(location.href)) return;
  axe.run(document, {resultTypes: ['violations']}).then((result) => window.__axeReport({
    url: location.href,
    violations: result.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      targets: v.nodes.map((n) => n.target.join(' ')),
    })),
  })).then(() => { window.__axeChecked = true; });
});
"""


@dataclass
class Journey:
    """A signed-in (or not) person's browser tab; every page it loads is checked by axe."""
    page: object
    base: str
    #: URLs of the documents loaded, in order, and axe's report of each (by load order).
    loaded: list[str] = field(default_factory=list)
    reports: list[dict] = field(default_factory=list)

    def checked(self) -> None:
        """Wait until axe has checked the page now shown; fail on a serious or critical violation."""
        self.page.wait_for_load_state()
        self.page.wait_for_function("() => window.__axeChecked === true")
        report = self.reports[-1]
        bad = [v for v in report["violations"] if v["impact"] in FAILING_IMPACTS]
        if bad:
            pytest.fail("axe found serious or critical violations on " + report["url"] + ":\n" + "\n".join(
                f"  {v['id']} ({v['impact']}): {v['help']} — {', '.join(v['targets'][:6])}" for v in bad))

    def goto(self, path: str) -> None:
        response = self.page.goto(self.base + path)
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        self.checked()

    def submit(self, button) -> None:
        """Click a button that submits a form (or a link), wait for the page it leads to, check it."""
        with self.page.expect_navigation():
            button.click()
        self.checked()

    def sign_in(self, email: str, password: str = DEMO_PASSWORD) -> None:
        self.goto("/sign-in")
        self.page.fill("#f-email", email)
        self.page.fill("#f-password", password)
        self.submit(self.page.locator("main form button[type=submit]"))
        assert "/sign-in" not in self.page.url, f"{email} could not sign in"

    def path(self) -> str:
        return re.sub(r"^https?://[^/]+", "", self.page.url)


@pytest.fixture
def journey(request, chromium, server) -> Iterator[Journey]:
    """A fresh browser context (no cookies) on ``server``, at the module's ``VIEWPORT`` (else a
    desktop's); its screenshot is kept if the journey fails."""
    viewport = getattr(request.module, "VIEWPORT", DESKTOP)
    context = chromium.new_context(viewport=viewport, bypass_csp=True, accept_downloads=True,
                                   timezone_id="Asia/Dubai", locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(30_000)  # a loaded 2-core CI machine
    j = Journey(page, server)
    page.on("load", lambda p: j.loaded.append(p.url))
    context.expose_binding("__axeReport", lambda source, report: j.reports.append(report))
    context.add_init_script(path=str(AXE))
    context.add_init_script(script=AXE_RUNNER)
    try:
        yield j
    finally:
        call = getattr(request.node, "report_call", None)
        if call is not None and call.failed:
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"{request.node.name}.png"), full_page=True)
        context.close()
    if call is not None and call.passed:
        pages = [u for u in j.loaded if u.startswith("http")]
        unchecked = sorted(set(pages) - {r["url"] for r in j.reports})
        assert not unchecked, f"pages loaded but not checked by axe (call journey.checked()): {unchecked}"
