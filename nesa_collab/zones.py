"""Time-zone names people type: the one check of whether a name is an IANA zone."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, WithJsonSchema

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


# --- local wall times in JSON (M6) -----------------------------------------------------------------

#: A wall-clock time as the API writes and reads it: no offset, the zone is beside it (``time_zone``).
WALL_TIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$"


def _no_offset(value: datetime) -> datetime:
    if value.tzinfo is not None:
        raise ValueError("M6: give a local wall time in the meeting's time_zone, without an offset "
                         "(such as 2027-03-25T09:00)")
    return value


#: A local wall time (a meeting's ``starts``): declared in OpenAPI as a string with the pattern
#: above, not as ``date-time``, which would promise an offset it does not carry.
LocalDateTime = Annotated[datetime, AfterValidator(_no_offset), WithJsonSchema({
    "type": "string", "pattern": WALL_TIME_PATTERN, "examples": ["2027-03-25T09:00:00"],
    "description": "wall-clock time in time_zone (no offset)"})]
