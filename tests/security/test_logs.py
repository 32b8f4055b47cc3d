"""Issue 13 / M5: a secret calendar link is a credential and never reaches the server's log."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx

from ..servers import free_port, wait_until_serving


def test_m5_the_access_log_of_a_real_server_shows_no_secret_link(settings):
    port = free_port()
    env = {**os.environ, "NESA_DATABASE_URL": settings.database_url, "NESA_ENV": "development",
           "NESA_SCHEDULER": "off"}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "nesa_collab.app:app", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    secret = "s3cr3t-token-of-someone"
    try:
        assert wait_until_serving(f"http://127.0.0.1:{port}", proc), "the server did not start"
        for kind in ("people", "schools"):
            r = httpx.get(f"http://127.0.0.1:{port}/calendars/{kind}/{secret}.ics?download=1")
            assert r.status_code == 404
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0]
    assert "/calendars/people/[secret].ics" in out and "/calendars/schools/[secret].ics" in out, out
    assert secret not in out
