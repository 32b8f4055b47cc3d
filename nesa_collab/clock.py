"""The only clock. Everything that asks "what time is it" asks here, so tests can fix it."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timezone
from typing import Iterator
from zoneinfo import ZoneInfo

_frozen: datetime | None = None


def now_utc() -> datetime:
    """The current instant, timezone-aware in UTC."""
    if _frozen is not None:
        return _frozen
    return datetime.now(timezone.utc)


def today(tz: ZoneInfo | str) -> date:
    """Today's date in ``tz``: always the network's zone (``settings.tz``), so pages, the API, the
    command line and the services agree on the day even near midnight. There is no UTC default."""
    if isinstance(tz, str):
        tz = ZoneInfo(tz)
    return now_utc().astimezone(tz).date()


def freeze(at: datetime | None) -> None:
    """Fix the clock at ``at`` (aware), or release it with ``None``. For tests and demos."""
    global _frozen
    if at is not None and at.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    _frozen = at.astimezone(timezone.utc) if at else None


@contextmanager
def frozen_at(at: datetime) -> Iterator[None]:
    """Fix the clock at ``at`` (aware) for a block, then put it back as it was (running or frozen).
    The seed records the demo's history on its own days with it."""
    global _frozen
    outer = _frozen
    freeze(at)
    try:
        yield
    finally:
        _frozen = outer
