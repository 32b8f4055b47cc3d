"""The finance office's export of hotel-night claims (S3): one CSV row per claim, with its status and
payment reference, optionally for the nights of one month."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from ..auth.models import Person
from ..errors import DomainError
from ..meetings.models import Conference, Meeting
from ..network.models import Collaborative, School
from ..permissions import Actor, require
from .models import Claim

COLUMNS = ["claim_id", "claimant", "email", "school", "collaborative", "conference", "night", "amount", "currency",
           "status", "payment_reference", "submitted_on", "decided_on", "paid_on", "rejection_reason"]
_MONTH = re.compile(r"(\d{4})-(\d{2})")
#: A cell starting with one of these is read as a formula by spreadsheets: written with a leading
#: apostrophe, so a name or reference typed in cannot run in the finance office's spreadsheet.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def month_range(month: str | None) -> tuple[date, date] | None:
    """``2027-03`` as [1 March 2027, 1 April 2027); None for no month."""
    if not month:
        return None
    m = _MONTH.fullmatch(month.strip())
    if m is None or not 1 <= int(m.group(2)) <= 12:
        raise DomainError("S3", "give the month as YYYY-MM, such as 2027-03", field="month")
    year, number = int(m.group(1)), int(m.group(2))
    start = date(year, number, 1)
    return start, date(year + number // 12, number % 12 + 1, 1)


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _day(instant: datetime | None, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).date().isoformat() if instant is not None else ""


def claims_csv(db: Session, actor: Actor, zone: ZoneInfo, month: str | None = None) -> str:
    """S3: every claim (of the nights in ``month``), by night: amounts as exact strings with their
    currency, dates in the network's zone. One query, whatever the number of claims."""
    require(actor, "claim.decide")
    span = month_range(month)
    stmt = (select(Claim, Person.name, Person.email, School.name, Collaborative.name, Conference.name)
            .join(Person, Person.id == Claim.person_id).outerjoin(School, School.id == Person.school_id)
            .join(Meeting, Meeting.id == Claim.meeting_id)
            .join(Collaborative, Collaborative.id == Meeting.collaborative_id)
            .join(Conference, Conference.id == Claim.conference_id)
            .order_by(Claim.night_on, Claim.id).options(lazyload("*")))
    if span is not None:
        stmt = stmt.where(Claim.night_on >= span[0], Claim.night_on < span[1])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for claim, name, email, school, collab, conference in db.execute(stmt):
        writer.writerow([_cell(v) for v in (
            claim.id, name, email, school, collab, conference, claim.night_on.isoformat(), f"{claim.amount:.2f}",
            claim.currency, claim.status.value, claim.payment_reference, _day(claim.created_at, zone),
            _day(claim.decided_at, zone), _day(claim.paid_at, zone), claim.rejection_reason)])
    return out.getvalue()
