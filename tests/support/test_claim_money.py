"""S3, money: amounts are exact decimals everywhere — the sum of many claims is exact in SQL and in the
CSV; claims in different currencies are listed apart and refused as one total; amounts are parsed
exactly or refused."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, insert, select

from nesa_collab.auth.models import Person
from nesa_collab.cores.services import load_actor
from nesa_collab.errors import DomainError
from nesa_collab.meetings import conferences
from nesa_collab.money import parse_amount, parse_currency
from nesa_collab.permissions import SYSTEM
from nesa_collab.support import claims, export, totals
from nesa_collab.support.models import Claim
from nesa_collab.support.totals import Total, one_total

from .conftest import TODAY, planning_meeting

STAMP = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
ATHENS = ZoneInfo("Europe/Athens")


def _many_claims(database, world, n: int, amount: str, *, status: str = "submitted") -> None:
    """``n`` claims of ``amount`` against the world's planning meeting, one per (new) person, written
    in bulk: this is about adding them up, not about submitting them (tested elsewhere)."""
    with database.transaction() as db:
        known = db.scalar(select(func.count()).select_from(Person))
        ids = db.scalars(insert(Person).returning(Person.id, sort_by_parameter_order=True), [
            {"name": f"Claimant {known + i}", "email": f"claimant{known + i}@example.org", "created_at": STAMP}
            for i in range(n)]).all()
        db.execute(insert(Claim), [{
            "person_id": person_id, "conference_id": world.conference.id, "meeting_id": world.meeting.id,
            "night_on": date(2027, 3, 24), "amount": Decimal(amount), "currency": "USD", "status": status,
            "created_at": STAMP, "receipt_file": f"{person_id:032x}.pdf", "receipt_name": "r.pdf",
            "receipt_type": "application/pdf", "receipt_size": 10, "receipt_sha256": "0" * 64,
            **({"decided_at": STAMP} if status != "submitted" else {})} for person_id in ids])


def _staff(db, world):
    return load_actor(db, db.get(Person, world.staff.id), TODAY)


def test_s3_the_sum_of_a_thousand_claims_of_ten_cents_is_exactly_one_hundred(world, database):
    _many_claims(database, world, 1000, "0.10")
    with database.session(write=False) as db:
        [line] = totals.totals_by_conference(db, _staff(db, world))
        assert (line.claims, line.submitted, line.currency) == (1000, Decimal("100.00"), "USD")
        assert str(line.all) == "100.00"
        [by_collab] = totals.totals_by_collaborative(db, _staff(db, world))
        assert by_collab.submitted == Decimal("100.00") and by_collab.name == "Librarians"
        rows = list(csv.DictReader(io.StringIO(export.claims_csv(db, _staff(db, world), ATHENS))))
    assert len(rows) == 1000 and {r["amount"] for r in rows} == {"0.10"}
    assert sum(Decimal(r["amount"]) for r in rows) == Decimal("100.00")


def test_s3_large_and_small_amounts_add_up_to_the_cent(world, database):
    """A float sum of 0.10s and millions drifts; the SQL sum of cents does not."""
    _many_claims(database, world, 300, "0.10")
    _many_claims(database, world, 3, "9999999.99", status="approved")
    with database.session(write=False) as db:
        [line] = totals.totals_by_conference(db, _staff(db, world))
    assert line.submitted == Decimal("30.00") and line.approved == Decimal("29999999.97")
    assert line.all == Decimal("30000029.97") and line.claims == 303


def test_s3_claims_in_different_currencies_are_listed_apart_and_not_added_together(world, database, claim_night):
    with database.transaction() as db:
        conf = conferences.create_conference(db, SYSTEM, name="Summer Institute", starts_on=date(2027, 6, 10),
                                             ends_on=date(2027, 6, 12), city="Istanbul", time_zone="Europe/Istanbul",
                                             hotel_night_cap="160.00", hotel_cap_currency="EUR")
        istanbul = planning_meeting(db, world.collab, conference=conf.slug, day=date(2027, 6, 9))
    claim_night(world.core, amount="139.50")
    claim_night(world.second_core, amount="100.25")
    claim_night(world.core, meeting=istanbul, night_on=date(2027, 6, 8), amount="150.00", currency="EUR")
    with database.session(write=False) as db:
        staff = _staff(db, world)
        by_collab = totals.totals_by_collaborative(db, staff)
        assert [(t.name, t.currency, t.claims, t.submitted) for t in by_collab] == [
            ("Librarians", "EUR", 1, Decimal("150.00")), ("Librarians", "USD", 2, Decimal("239.75"))]
        with pytest.raises(DomainError) as refused:
            one_total(by_collab, "Librarians")
        assert refused.value.rule == "S3" and "EUR and USD" in refused.value.message
        by_conf = totals.totals_by_conference(db, staff)
        assert [(t.name, t.currency) for t in by_conf] == [("Spring Educators Conference", "USD"),
                                                           ("Summer Institute", "EUR")]
        spring = one_total(totals.totals_by_conference(db, staff, world.conference.id), "Spring")
        assert (spring.currency, spring.all) == ("USD", Decimal("239.75"))


def test_s3_one_total_of_nothing_is_none_and_of_one_currency_adds_up():
    line = Total(1, "x", "X", "USD", 2, Decimal("1.10"), Decimal("2.20"), Decimal("0.00"))
    assert one_total([], "X") is None
    merged = one_total([line, line], "X")
    assert (merged.claims, merged.all) == (4, Decimal("6.60"))


def test_s3_rejected_claims_are_not_spend(world, database, act, claim_night):
    claim = claim_night(world.core)
    claim_night(world.second_core, amount="10.00")
    act(world.staff, claims.reject, claim, "Not the conference hotel")
    with database.session(write=False) as db:
        [line] = totals.totals_by_conference(db, _staff(db, world))
    assert (line.claims, line.all) == (1, Decimal("10.00"))


@pytest.mark.parametrize(("text", "value"), [("145", "145.00"), (" 139.5 ", "139.50"), ("0.10", "0.10"),
                                             ("9999999999.99", "9999999999.99")])
def test_s3_amounts_are_read_exactly(text, value):
    assert parse_amount(text) == Decimal(value) and str(parse_amount(text)) == value


@pytest.mark.parametrize("bad", [0.1, 145, True, "1e2", "1,000.00", "12.345", "-1", "NaN", "Infinity", "", None,
                                 "99999999999.00", Decimal("NaN"), Decimal("1.005")])
def test_s3_anything_but_an_exact_amount_is_refused_with_the_rule(bad):
    with pytest.raises(DomainError) as refused:
        parse_amount(bad)
    assert (refused.value.rule, refused.value.field) == ("S3", "amount")


def test_s3_currencies_are_three_letter_codes():
    assert parse_currency(" usd ") == "USD"
    for bad in ("US", "USDX", "U$D", "", None, 840):
        with pytest.raises(DomainError):
            parse_currency(bad)
