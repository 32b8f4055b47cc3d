"""Serve the app for the browser journeys: uvicorn in this process, configured from ``NESA_*`` like
any deployment, with the clock fixed at the instant given (the day the demo network describes), so
a journey sees the same terms, meetings and claims whatever day it runs.

    python -m tests.browser.serve PORT 2026-11-27T09:00:00+00:00
"""

from __future__ import annotations

import sys
from datetime import datetime

import uvicorn

from nesa_collab import clock
from nesa_collab.app import create_app


def main(argv: list[str]) -> None:
    port, at = int(argv[0]), datetime.fromisoformat(argv[1])
    clock.freeze(at)
    uvicorn.run(create_app(), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main(sys.argv[1:])
