"""Issue 13 / M5: a secret calendar link is a credential and never reaches the server's log."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx

from ..test_readme_commands import free_port


def test_m5_the_access_log_of_a_real_server_shows_no_secret_link(settings):
    port = free_port()
    env = {**os.environ, "NESA_DATABASE_URL": settings.database_url, "NESA_ENV": "development",
           "NESA_SCHEDULER": "off"}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "nesa_collab.app:app", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    secret = "s3cr3t-token-of-someone"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and proc.poll() is None, "the server did not start"
                time.sleep(0.2)
        for kind in ("people", "schools"):
            r = httpx.get(f"http://127.0.0.1:{port}/calendars/{kind}/{secret}.ics?download=1")
            assert r.status_code == 404
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0]
    assert "/calendars/people/[secret].ics" in out and "/calendars/schools/[secret].ics" in out, out
    assert secret not in out
