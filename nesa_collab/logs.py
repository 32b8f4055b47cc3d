"""What the server writes to its logs: never a secret calendar link. A personal or school feed's
address is its only credential (M5), so the access log shows it as ``/calendars/people/[secret].ics``."""

from __future__ import annotations

import logging
import re

#: The secret part of a feed address: the token between the kind and ``.ics``.
SECRET_PATH = re.compile(r"(/calendars/(?:people|schools)/)[^/?#\s]+(\.ics)")


def redact(text: str) -> str:
    return SECRET_PATH.sub(r"\1[secret]\2", text)


class RedactSecretLinks(logging.Filter):
    """Rewrites a record's message arguments (uvicorn's access log passes the path as one) and its
    message, so no handler or formatter sees the token."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install() -> None:
    """On the loggers a request's address reaches (uvicorn's access and error logs); idempotent."""
    for name in ("uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecretLinks) for f in logger.filters):
            logger.addFilter(RedactSecretLinks())
