"""The input checks the meetings services share: required text of bounded length (S1, M1, M3), join
links (M1) and the agenda's final-by day (M3)."""

from __future__ import annotations

import re
from datetime import date

from ..errors import DomainError
from .models import Meeting

URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$")


def check_text(value: str | None, field: str, label: str, rule: str, max_len: int = 200) -> str:
    """``value`` stripped; refused under ``rule`` when empty or longer than ``max_len``."""
    value = (value or "").strip()
    if not value:
        raise DomainError(rule, f"a {label} is needed", field=field)
    if len(value) > max_len:
        raise DomainError(rule, f"the {label} is at most {max_len} characters", field=field)
    return value


def check_url(url: str | None, field: str = "join_url") -> str | None:
    """M1: a join link is an http(s) URL (None when empty)."""
    url = (url or "").strip()
    if not url:
        return None
    if not URL_RE.match(url):
        raise DomainError("M1", "the join link must be an http(s) URL", field=field)
    return url


def check_final_by(meeting: Meeting, day: date | None) -> date | None:
    """M3: the agenda must be final by the day of the meeting at the latest."""
    if day is not None and day > meeting.local_start.date():
        raise DomainError("M3", "the agenda must be final by the day of the meeting at the latest",
                          field="agenda_final_by")
    return day
