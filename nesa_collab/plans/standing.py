"""P5: when a plan is out of date. One rule, ``out_of_date``, decides it from the few facts it reads
(``PlanFacts``), which a loaded plan gives (``PlanFacts.of``) and the set-based standings query gives
for a page of collaboratives or the whole network (``standings``) without loading plans. The rule's
dates are worked out once per day (``P5Day``); the query compares the same thresholds in SQL."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Protocol

from ..dates import SchoolYear, school_year_of
from ..network.models import CollaborativeStatus
from ..settings import Settings
from .models import SectionKind

if TYPE_CHECKING:
    from .models import Plan


def fmt(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months; the 31st becomes the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


#: How close to its end a plan must have a successor drafted (P5).
ENDING_SOON_MONTHS = 6


@dataclass(frozen=True)
class Reason:
    """One P5 condition that holds, with a reason people can act on."""

    rule: str
    condition: str
    message: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


@dataclass(frozen=True)
class MilestoneDue:
    """P5: a milestone not done, by its title and due date."""

    title: str
    due_on: date


def is_written(plan: "Plan") -> bool:
    """P5: something is written in the plan: a goal, an offering, a milestone, evidence of impact, or
    a free-text section that is not blank. The norms section does not count: a new plan starts from
    the collaborative's norms (K3), so they say nothing about whether the plan has been written."""
    if plan.goals or plan.offerings or plan.milestones or plan.evidence:
        return True
    texts = plan.texts or {}
    sections = plan.template.sections if plan.template is not None else []
    return any((texts.get(s.key) or "").strip() for s in sections if s.kind == SectionKind.FREE_TEXT)


@dataclass(frozen=True)
class PlanFacts:
    """P5: what the rule reads of a plan. ``open_milestones`` are the milestones not done, by due
    date (the standings query gives only those already past due: the others cannot be overdue);
    ``has_content``: something is written in it (``is_written``)."""

    first_year: int
    last_year: int
    start_month: int
    last_revised_at: datetime
    has_next_plan: bool
    open_milestones: tuple[MilestoneDue, ...]
    has_content: bool

    @classmethod
    def of(cls, plan: "Plan") -> "PlanFacts":
        """The facts of a loaded plan (its rows, template and ``has_next_plan`` load with it)."""
        return cls(plan.first_year, plan.last_year, plan.start_month, plan.last_revised_at, bool(plan.has_next_plan),
                   tuple(MilestoneDue(m.title, m.due_on) for m in plan.milestones if not m.is_done),
                   is_written(plan))

    @property
    def ends_on(self) -> date:
        return SchoolYear(self.last_year, self.start_month).ends_on

    @property
    def years_label(self) -> str:
        return f"{SchoolYear(self.first_year, self.start_month).label} to {SchoolYear(self.last_year, self.start_month).label}"


class Judged(Protocol):
    """What the rule reads of a collaborative."""

    name: str
    status: str


@dataclass
class P5Day:
    """P5's thresholds on one day, worked out once so that judging many plans, in Python or in SQL,
    compares each plan's facts with the same few values.

    - ``stale_before``: a plan last revised before this instant has had no revision in the last
      ``plan_stale_months`` months (the first local day ``d`` with ``add_months(d, months) > today``).
    - ``covered_year(m)``: the school year (its start year) a plan with school years starting in
      month ``m`` must cover today.
    - ``ending_year(m)``: the last year of a plan that ends within 6 months from today (or None).
    """

    today: date
    settings: Settings
    stale_before: datetime = field(init=False)
    _covered: dict[int, int] = field(init=False, default_factory=dict)
    _ending: dict[int, int | None] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        months = self.settings.plan_stale_months
        cutoff = add_months(self.today, -months)
        # add_months is monotonic, so the days with add_months(d, months) <= today end just before cutoff.
        while add_months(cutoff, months) <= self.today:
            cutoff = date.fromordinal(cutoff.toordinal() + 1)
        self.stale_before = datetime.combine(cutoff, time(0), self.settings.tz)

    def covered_year(self, start_month: int) -> int:
        if start_month not in self._covered:
            self._covered[start_month] = school_year_of(self.today, start_month).start_year
        return self._covered[start_month]

    def ending_year(self, start_month: int) -> int | None:
        # Only a plan whose last year is the current one can end within 6 months and not be over yet.
        if start_month not in self._ending:
            year = SchoolYear(self.covered_year(start_month), start_month)
            soon = add_months(year.ends_on, -ENDING_SOON_MONTHS) <= self.today
            self._ending[start_month] = year.start_year if soon else None
        return self._ending[start_month]

    def is_stale(self, plan: PlanFacts) -> bool:
        return plan.last_revised_at < self.stale_before

    def is_ending(self, plan: PlanFacts) -> bool:
        return not plan.has_next_plan and plan.last_year == self.ending_year(plan.start_month)

    def covers(self, plan: PlanFacts) -> bool:
        return plan.first_year <= self.covered_year(plan.start_month) <= plan.last_year

    def overdue(self, plan: PlanFacts) -> list[MilestoneDue]:
        """The due day itself is not overdue."""
        return [m for m in plan.open_milestones if m.due_on < self.today]


def out_of_date(plan: PlanFacts | None, collaborative: Judged, today: date, settings: Settings, *,
                day: P5Day | None = None) -> list[Reason]:
    """P5: every reason ``plan`` (the facts of a collaborative's current plan, or None) is out of date
    on ``today``.

    - ``no_plan``: an active collaborative has no plan.
    - ``not_written``: an active collaborative's plan has nothing written in it (``is_written``): a plan
      just started is no plan yet.
    - ``stale``: no revision in the last ``settings.plan_stale_months`` months (12 by default): a plan
      last revised on 15 March 2026 is out of date from 15 March 2027 on.
    - ``ending``: the plan ends within 6 months — from the day 6 months before its last day — and
      no next plan (one starting after it) is drafted.
    - ``not_covering``: the current school year is not among the plan's years (from the first day
      of a school year the plan does not cover).
    - ``overdue``: a milestone is past its due date (the day after it) and not done.

    Retired collaboratives owe no plan. ``day`` (the thresholds of ``today``) may be passed in when
    judging many plans.
    """
    if collaborative.status == CollaborativeStatus.RETIRED:
        return []
    if plan is None:
        if collaborative.status == CollaborativeStatus.ACTIVE:
            return [Reason("P5", "no_plan", f"{collaborative.name} is active and has no plan")]
        return []
    day = day if day is not None and day.today == today else P5Day(today, settings)
    reasons: list[Reason] = []
    if not plan.has_content and collaborative.status == CollaborativeStatus.ACTIVE:
        reasons.append(Reason("P5", "not_written", "no plan written yet: nothing is written in its sections"))
    if day.is_stale(plan):
        last = plan.last_revised_at.astimezone(settings.tz).date()
        months = settings.plan_stale_months
        reasons.append(Reason("P5", "stale", f"no revision in {months} months (last revised {fmt(last)})"))
    if day.is_ending(plan):
        reasons.append(Reason("P5", "ending", f"the plan ends on {fmt(plan.ends_on)} and no next plan "
                                              "is drafted"))
    if not day.covers(plan):
        year = school_year_of(today, settings.school_year_start_month)
        reasons.append(Reason("P5", "not_covering", f"the current school year {year.label} is not covered "
                                                    f"(the plan covers {plan.years_label})"))
    overdue = day.overdue(plan)
    if overdue:
        names = "; ".join(f"{m.title} (due {fmt(m.due_on)})" for m in overdue[:3])
        more = f" and {len(overdue) - 3} more" if len(overdue) > 3 else ""
        noun = "milestone is" if len(overdue) == 1 else "milestones are"
        reasons.append(Reason("P5", "overdue", f"{len(overdue)} {noun} overdue and not done: {names}{more}"))
    return reasons
