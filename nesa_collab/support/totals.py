"""What the hotel nights cost (S3): totals per conference and per collaborative, one line per
currency, added up in SQL; amounts in different currencies are never added together."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import BigInteger, ColumnElement, case, cast, func, select
from sqlalchemy.orm import Session

from ..errors import DomainError
from ..meetings.models import Conference, Meeting
from ..network.models import Collaborative
from ..permissions import Actor, require
from .models import SPENDING, Claim, ClaimStatus

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Total:
    """S3: the claims of one conference (or collaborative) in one currency, by status."""

    key: int
    slug: str
    name: str
    currency: str
    claims: int
    submitted: Decimal
    approved: Decimal
    paid: Decimal

    @property
    def committed(self) -> Decimal:
        """Approved or paid: what the network owes or has paid."""
        return self.approved + self.paid

    @property
    def all(self) -> Decimal:
        """Every claim not rejected."""
        return self.submitted + self.approved + self.paid


def _cents(status: ClaimStatus) -> ColumnElement:
    # Summed as whole cents: exact on PostgreSQL and on SQLite alike (SQLite keeps NUMERIC values as
    # binary floats, so a SUM of 0.10s there drifts; each amount rounded to its cents does not).
    cents = cast(func.round(Claim.amount * 100), BigInteger)
    return func.coalesce(func.sum(case((Claim.status == status, cents), else_=0)), 0)


def _amount(cents) -> Decimal:
    return (Decimal(int(cents)) / 100).quantize(ZERO)


def _totals(db: Session, group, where=()) -> list[Total]:
    key, slug, name, order = group
    stmt = (select(key, slug, name, Claim.currency, func.count(Claim.id), _cents(ClaimStatus.SUBMITTED),
                   _cents(ClaimStatus.APPROVED), _cents(ClaimStatus.PAID))
            .select_from(Claim).join(Conference, Conference.id == Claim.conference_id)
            .join(Meeting, Meeting.id == Claim.meeting_id)
            .join(Collaborative, Collaborative.id == Meeting.collaborative_id)
            .where(Claim.status.in_(SPENDING), *where)
            .group_by(key, slug, name, order, Claim.currency).order_by(order, key, Claim.currency))
    return [Total(k, s, n, currency, count, _amount(sub), _amount(appr), _amount(paid))
            for k, s, n, currency, count, sub, appr, paid in db.execute(stmt)]


BY_CONFERENCE = (Conference.id, Conference.slug, Conference.name, Conference.starts_on)
BY_COLLABORATIVE = (Collaborative.id, Collaborative.slug, Collaborative.name, Collaborative.name)


def totals_by_conference(db: Session, actor: Actor, conference_id: int | None = None) -> list[Total]:
    """S3: per conference (by its first day) and currency, the claims not rejected and their amounts."""
    require(actor, "claim.decide")
    where = [Claim.conference_id == conference_id] if conference_id is not None else []
    return _totals(db, BY_CONFERENCE, where)


def totals_by_collaborative(db: Session, actor: Actor, collaborative_id: int | None = None) -> list[Total]:
    """S3: per collaborative (of the meeting claimed against) and currency."""
    require(actor, "claim.decide")
    where = [Meeting.collaborative_id == collaborative_id] if collaborative_id is not None else []
    return _totals(db, BY_COLLABORATIVE, where)


def one_total(totals: Iterable[Total], what: str) -> Total | None:
    """S3: the totals as one amount, which is only possible in one currency: amounts in different
    currencies are refused rather than added together (None: no claims)."""
    totals = list(totals)
    currencies = sorted({t.currency for t in totals})
    if len(currencies) > 1:
        raise DomainError("S3", f"the claims for {what} are in {' and '.join(currencies)}; amounts in different "
                          "currencies are not added together — see them per currency", field="currency")
    if not totals:
        return None
    first = totals[0]
    return Total(first.key, first.slug, first.name, first.currency, sum(t.claims for t in totals),
                 sum((t.submitted for t in totals), ZERO), sum((t.approved for t in totals), ZERO),
                 sum((t.paid for t in totals), ZERO))
