"""Time-zone names people type: the one check of whether a name is an IANA zone."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: The longest IANA zone name is 32 characters (America/Argentina/ComodRivadavia); anything much
#: longer is not a zone, and is refused before it reaches the file system.
MAX_NAME = 64


@lru_cache(maxsize=512)
def known_zone(name: str) -> ZoneInfo | None:
    """The zone called ``name``, or None if there is none (also for names too long to be one or
    that the operating system cannot look up as a file, which raise OSError, not "not found")."""
    if not isinstance(name, str) or not name or len(name) > MAX_NAME:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
