"""Calendar arithmetic the rules share: anniversaries, two-year terms and school years."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


def anniversary(start: date, years: int) -> date:
    """``start`` moved on by ``years``; the anniversary of 29 February is 28 February (C3)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February in a non-leap year
        return start.replace(year=start.year + years, day=28)


def earliest_two_year_end(start: date) -> date:
    """C3/K4: the earliest last day of a two-year commitment starting on ``start``.

    Dates are inclusive, so a term from 1 August 2027 may end on 31 July 2029 (the day before the
    second anniversary) and no earlier.
    """
    return anniversary(start, 2) - timedelta(days=1)


def lasts_two_years(start: date, end: date) -> bool:
    """C3: whether an inclusive ``start``–``end`` span covers at least two years."""
    return end >= earliest_two_year_end(start)


@dataclass(frozen=True, order=True)
class SchoolYear:
    """A school year, named by the calendar year it starts in (2026 is 2026–27)."""

    start_year: int
    start_month: int = 8

    @property
    def starts_on(self) -> date:
        return date(self.start_year, self.start_month, 1)

    @property
    def ends_on(self) -> date:
        return SchoolYear(self.start_year + 1, self.start_month).starts_on - timedelta(days=1)

    @property
    def label(self) -> str:
        if self.start_month == 1:
            return str(self.start_year)
        return f"{self.start_year}–{str(self.start_year + 1)[-2:]}"

    def next(self) -> "SchoolYear":
        return SchoolYear(self.start_year + 1, self.start_month)

    def __contains__(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


def school_year_of(day: date, start_month: int = 8) -> SchoolYear:
    """The school year that ``day`` falls in."""
    year = day.year if day.month >= start_month else day.year - 1
    return SchoolYear(year, start_month)


def proposed_term(today: date, start_month: int = 8) -> tuple[date, date]:
    """C3: the term an appointment form proposes: the next school year start, for two school years."""
    current = school_year_of(today, start_month)
    first = current if current.starts_on >= today else current.next()
    return first.starts_on, first.next().ends_on
