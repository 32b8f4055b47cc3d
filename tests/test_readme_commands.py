"""The README's two set-up commands: the demo's run exactly as written in a fresh virtual environment;
the tests' is the one CI runs."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from .servers import free_port, wait_until_serving

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def readme_command(marker: str) -> str:
    text = (ROOT / "README.md").read_text()
    m = re.search(rf"<!-- {marker} -->\s*```sh\n(.+?)\n```", text, re.S)
    assert m, f"README.md has no {marker} block"
    return m.group(1).strip()


def fresh_copy(dest: Path) -> Path:
    """The project as a newcomer gets it: the tracked (and not ignored) files only."""
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split()
    for name in files:
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


def test_readme_demo_and_test_commands_work_in_fresh_environments(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NESA_", "VIRTUAL_ENV", "PYTEST"))}
    env["PATH"] = ":".join(p for p in env.get("PATH", "").split(":") if ".venv" not in p)

    # 1. The demo: installs, creates the SQLite database, loads the demo data and serves it.
    demo_dir = fresh_copy(tmp_path / "demo")
    port = free_port()
    proc = subprocess.Popen(["bash", "-c", f"{readme_command('demo-command')} --port {port}"], cwd=demo_dir,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        if not wait_until_serving(base, proc, seconds=600):
            pytest.fail("the demo did not start")
        directory = httpx.get(f"{base}/collaboratives").text
        assert "Literacy Collaborative" in directory
        with httpx.Client(base_url=base, follow_redirects=True) as c:
            token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/sign-in").text).group(1)
            r = c.post("/sign-in", data={"email": "maya.haddad@nesa-demo.org", "password": "demo-password",
                                         "csrf_token": token})
            assert r.status_code == 200 and "Maya Haddad" in r.text
            # Pages and files of every domain come with the installed package.
            for path in ("/cores", "/plans", "/meetings", "/audit", "/api/v1/openapi.json"):
                assert c.get(path).status_code == 200, path
            plan = c.get("/collaboratives/literacy/plan")
            assert plan.status_code == 200
            export = re.search(r'href="([^"]*export\.md)"', plan.text)
            assert export and c.get(export.group(1)).status_code == 200
        feed = httpx.get(f"{base}/calendars/collaboratives/math.ics")
        assert feed.status_code == 200 and "BEGIN:VCALENDAR" in feed.text and "BEGIN:VTIMEZONE" in feed.text
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        out = proc.communicate(timeout=30)[0]
    assert "demo-password" in out and "maya.haddad@nesa-demo.org" in out
    assert (demo_dir / "nesa-demo.db").exists()

    # 2. The tests: CI runs `.ci/run` on a fresh clone, and its command is the README's, word for word
    # (running it once more from here would only double CI's time).
    ci = (ROOT / ".ci" / "run").read_text()
    assert readme_command("test-command") in ci.splitlines()
