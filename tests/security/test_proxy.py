"""Issue 13: behind a reverse proxy the client's address comes from X-Forwarded-For, and only when the
proxy is trusted (NESA_TRUSTED_PROXIES); otherwise a client cannot choose the address the sign-in
throttle counts by sending the header."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import httpx
import pytest
from sqlalchemy import select

from nesa_collab.auth.models import SignInAttempt
from nesa_collab.db import Database

from ..servers import free_port, wait_until_serving


def failed_sign_in_from(settings, trusted: str, forwarded_for: str) -> str | None:
    """Serve with `nesa-collab serve`, fail a sign-in sending X-Forwarded-For, and say which address
    the throttle recorded."""
    port = free_port()
    env = {**os.environ, "NESA_DATABASE_URL": settings.database_url, "NESA_ENV": "development",
           "NESA_SCHEDULER": "off", "NESA_TRUSTED_PROXIES": trusted}
    proc = subprocess.Popen([sys.executable, "-c", "from nesa_collab.cli import main; main()", "serve",
                             "--no-migrate", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        assert wait_until_serving(base, proc), "the server did not start"
        with httpx.Client(base_url=base) as c:
            token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/sign-in").text).group(1)
            r = c.post("/sign-in", data={"email": "nobody@example.org", "password": "not-the-password",
                                         "csrf_token": token}, headers={"X-Forwarded-For": forwarded_for})
            assert r.status_code == 400
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
    database = Database(settings.database_url)
    with database.session(write=False) as db:
        ip = db.scalar(select(SignInAttempt.ip).order_by(SignInAttempt.id.desc()))
    database.dispose()
    return ip


@pytest.mark.parametrize("trusted, forwarded_for, seen", [
    ("", "203.0.113.5", "127.0.0.1"),                      # no proxy configured: the header is not believed
    ("127.0.0.1", "203.0.113.5", "203.0.113.5"),           # from the trusted proxy: the client it names
    ("127.0.0.1", "198.51.100.66, 203.0.113.5", "203.0.113.5"),  # a spoofed entry before the proxy's is ignored
    ("10.0.0.1", "203.0.113.5", "127.0.0.1"),              # a proxy elsewhere is trusted, not this connection
])
def test_the_client_address_comes_from_a_trusted_proxy_only(settings, trusted, forwarded_for, seen):
    assert failed_sign_in_from(settings, trusted, forwarded_for) == seen
