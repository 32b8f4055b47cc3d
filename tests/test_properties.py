"""Properties of the rules, over many generated cases (hypothesis): the two-year term (C3), the size
of a Core (C2) and money (S3)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from nesa_collab.cores.models import MAX_CORE
from nesa_collab.cores.services import current_core
from nesa_collab.dates import anniversary, earliest_two_year_end, lasts_two_years
from nesa_collab.errors import DomainError
from nesa_collab.money import format_money, parse_amount

days = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))
leap_days = st.integers(1992, 2088).filter(lambda y: y % 4 == 0 and (y % 100 or y % 400 == 0)).map(
    lambda y: date(y, 2, 29))


# --- C3: a term lasts at least two years -------------------------------------------------------------

@given(start=days | leap_days)
def test_c3_the_earliest_end_is_the_day_before_the_second_anniversary(start):
    end = earliest_two_year_end(start)
    assert lasts_two_years(start, end)
    assert not lasts_two_years(start, end - timedelta(days=1))
    assert end + timedelta(days=1) == anniversary(start, 2)
    assert 729 <= (end - start).days + 1 <= 731  # two years of days, counted inclusively


@given(start=days | leap_days, extra=st.integers(-800, 800))
def test_c3_a_term_lasts_two_years_exactly_when_it_reaches_the_earliest_end(start, extra):
    end = earliest_two_year_end(start) + timedelta(days=extra)
    assert lasts_two_years(start, end) is (extra >= 0)


@given(start=leap_days)
def test_c3_a_term_from_29_february_may_end_on_27_february_two_years_on(start):
    """The anniversary of 29 February is 28 February, so the term may end the day before it."""
    assert earliest_two_year_end(start) == date(start.year + 2, 2, 27)


@given(start=days | leap_days, years=st.integers(0, 50))
def test_c3_an_anniversary_keeps_the_day_except_29_february(start, years):
    moved = anniversary(start, years)
    assert moved.year == start.year + years and moved.month == start.month
    assert moved.day == start.day or (start.month, start.day, moved.day) == (2, 29, 28)


# --- C2: a Core has 5 to 8 members -------------------------------------------------------------------

#: Terms asked for, in order: (months after 1 August 2027 the term starts, years it lasts).
terms = st.lists(st.tuples(st.integers(0, 30), st.integers(2, 4)), min_size=1, max_size=11)


def _months_on(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    return date(day.year + year, month + 1, 1)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(asked=terms)
@example(asked=[(0, 2)] * 10)  # ten terms on the same days: the ninth and tenth are refused
def test_c2_a_core_never_has_more_than_eight_members_on_any_day(factory, database, asked):
    """Appointments are made in the order asked; each is refused (C2) exactly when some day of its
    term already has eight members, so no day ever has nine."""
    collab = factory.collaborative()
    school = factory.school()
    first = date(2027, 8, 1)
    kept: list[tuple[date, date]] = []
    for months, years in asked:
        starts_on = _months_on(first, months)
        ends_on = anniversary(starts_on, years) - timedelta(days=1)
        busiest = max((sum(1 for s, e in kept if s <= day <= e) for day in [starts_on] + [s for s, _ in kept]
                       if starts_on <= day <= ends_on), default=0)
        person = factory.educator(school)
        if busiest >= MAX_CORE:
            with pytest.raises(DomainError) as refused:
                factory.core_member(person, collab, starts_on=starts_on, ends_on=ends_on, today=first)
            assert refused.value.rule == "C2"
        else:
            factory.core_member(person, collab, starts_on=starts_on, ends_on=ends_on, today=first)
            kept.append((starts_on, ends_on))
    with database.transaction() as db:
        for day in {s for s, _ in kept} | {e for _, e in kept}:
            size = len(current_core(db, collab.id, day))
            assert size == sum(1 for s, e in kept if s <= day <= e) <= MAX_CORE


# --- S3: money is exact ------------------------------------------------------------------------------

cents = st.integers(0, 10 ** 12 - 1)


@given(amount=cents)
def test_s3_an_amount_written_and_read_again_is_the_same_amount(amount):
    value = Decimal(amount) / 100
    text = f"{value:.2f}"
    assert parse_amount(text) == value and str(parse_amount(text)) == text
    assert format_money(parse_amount(text), "USD") == f"{text} USD"
    assert parse_amount(parse_amount(text)) == value


@given(whole=st.integers(0, 10 ** 10 - 1), places=st.sampled_from(["", ".5", ".50", ".05"]))
def test_s3_an_amount_has_two_decimal_places(whole, places):
    parsed = parse_amount(f"{whole}{places}")
    assert parsed.as_tuple().exponent == -2
    assert parsed == Decimal(f"{whole}{places}")


@given(number=st.floats(allow_nan=True, allow_infinity=True) | st.integers())
def test_s3_a_number_is_never_taken_for_an_amount(number):
    """A JSON number may already have lost its exact value in the sender's float: refused."""
    with pytest.raises(DomainError) as refused:
        parse_amount(number)
    assert refused.value.rule == "S3" and refused.value.field == "amount"


@given(text=st.text(max_size=20))
def test_s3_text_is_an_amount_only_with_digits_and_at_most_two_places(text):
    import re

    looks_right = re.fullmatch(r"\d{1,10}(\.\d{1,2})?", text.strip()) is not None
    try:
        parsed = parse_amount(text)
    except DomainError as refused:
        assert not looks_right, text
        assert refused.rule == "S3"
        return
    assert looks_right, text
    assert parsed == Decimal(text.strip()) and parsed >= 0


@given(amount=cents, other=cents)
def test_s3_sums_of_amounts_are_exact(amount, other):
    a, b = Decimal(amount) / 100, Decimal(other) / 100
    assume(a + b < Decimal("1e10"))
    assert parse_amount(f"{a + b:.2f}") == parse_amount(f"{a:.2f}") + parse_amount(f"{b:.2f}")
