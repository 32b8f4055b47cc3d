"""History you can see: flags raised and cleared per rule, week by week or month by month, and the Core
terms ending across the network by month — counted in the database (GROUP BY), charted as SVG
drawn on the server (readable without JavaScript) with the numbers in a table beside it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..cores.models import Appointment
from ..permissions import Actor, require
from .models import Flag, FlagRule

#: How far back the flags' history reaches, by period.
PERIODS = {"week": 26, "month": 12}
#: The terms ending: months before and after this month.
TERMS_BACK, TERMS_AHEAD = 12, 24


def month_start(day: date, shift: int = 0) -> date:
    index = day.year * 12 + day.month - 1 + shift
    return date(index // 12, index % 12 + 1, 1)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass
class Bucket:
    """One week or month: its first day, label, and counts by rule."""

    start: date
    label: str
    raised: dict[str, int] = field(default_factory=dict)
    cleared: dict[str, int] = field(default_factory=dict)

    def total(self, which: str, rule: str | None = None) -> int:
        counts = getattr(self, which)
        return counts.get(rule, 0) if rule else sum(counts.values())


@dataclass
class FlagHistory:
    period: str
    rule: str | None
    buckets: list[Bucket]
    rules: list[FlagRule]


def _buckets(today: date, period: str) -> list[Bucket]:
    n = PERIODS[period]
    if period == "week":
        first = week_start(today) - timedelta(weeks=n - 1)
        return [Bucket(d, f"{d.day} {d:%b %Y}") for d in (first + timedelta(weeks=i) for i in range(n))]
    return [Bucket(d, f"{d:%b %Y}") for d in (month_start(today, i - n + 1) for i in range(n))]


def flag_history(db: Session, actor: Actor, today: date, period: str = "month", rule: str | None = None) -> FlagHistory:
    """F1–F8: how many flags were raised and cleared in each of the last 26 weeks or 12 months (by
    the day the sweep judged), by rule — two grouped queries. Counts of the whole network."""
    require(actor, "flag.view")
    period = period if period in PERIODS else "month"
    rule = rule if rule in FlagRule.__members__ else None
    buckets = _buckets(today, period)
    first = buckets[0].start
    starts = [b.start for b in buckets]

    def bucket_of(day: date) -> Bucket | None:
        key = week_start(day) if period == "week" else month_start(day)
        return buckets[starts.index(key)] if key in starts else None

    for column, which in ((Flag.raised_on, "raised"), (Flag.cleared_on, "cleared")):
        for flag_rule, day, n in db.execute(select(Flag.rule, column, func.count()).where(column >= first, column <= today)
                                            .group_by(Flag.rule, column)):
            bucket = bucket_of(day)
            if bucket is not None:
                counts = getattr(bucket, which)
                counts[str(flag_rule)] = counts.get(str(flag_rule), 0) + n
    return FlagHistory(period, rule, buckets, list(FlagRule))


@dataclass
class TermMonth:
    start: date
    ending: int

    @property
    def label(self) -> str:
        return f"{self.start:%b %Y}"


def terms_ending(db: Session, actor: Actor, today: date) -> list[TermMonth]:
    """C3/F1: how many Core terms end (their last day, an early end included) in each month, from a
    year back to two years ahead, across the network — one grouped query."""
    require(actor, "flag.view")
    first, end = month_start(today, -TERMS_BACK), month_start(today, TERMS_AHEAD + 1)
    last_day = func.coalesce(Appointment.ended_on, Appointment.ends_on)
    counts: dict[date, int] = defaultdict(int)
    for day, n in db.execute(select(last_day, func.count()).where(last_day >= first, last_day < end)
                             .group_by(last_day)):
        day = day if isinstance(day, date) else date.fromisoformat(day)
        counts[month_start(day)] += n
    return [TermMonth(m, counts.get(m, 0)) for m in (month_start(today, i) for i in range(-TERMS_BACK, TERMS_AHEAD + 1))]


# --- the charts: geometry for the template's <svg> ----------------------------------------------------------

@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    title: str
    css: str


@dataclass(frozen=True)
class Chart:
    """A bar chart laid out in SVG user units: the bars, the value gridlines and the x labels."""

    width: int
    height: int
    bars: list[Bar]
    gridlines: list[tuple[float, int]]
    labels: list[tuple[float, str]]
    title: str


CHART_HEIGHT, PLOT_TOP, PLOT_BOTTOM, PLOT_LEFT = 220, 10, 180, 36


def _scale(top: int) -> tuple[int, list[int]]:
    """A round maximum for the axis and three gridline values."""
    top = max(top, 1)
    step = 1
    while top / step > 4:
        step = step * 2 if str(step)[0] in "15" else step * 5 // 2
    ceiling = -(-top // step) * step
    return ceiling, list(range(step, ceiling + 1, step))


def bar_chart(title: str, groups: list[tuple[str, list[tuple[int, str, str]]]], label_every: int = 1) -> Chart:
    """Bars grouped per period: ``groups`` is [(period label, [(value, title, css class), …])]."""
    per_group = max((len(bars) for _, bars in groups), default=1)
    slot = 12 * per_group + 8
    width = PLOT_LEFT + slot * len(groups) + 28  # room for the last label
    ceiling, grid = _scale(max((v for _, bars in groups for v, _, _ in bars), default=0))
    span = PLOT_BOTTOM - PLOT_TOP

    def y(value: int) -> float:
        return round(PLOT_BOTTOM - span * value / ceiling, 1)

    out, labels = [], []
    for i, (label, bars) in enumerate(groups):
        left = PLOT_LEFT + i * slot + 4
        for j, (value, bar_title, css) in enumerate(bars):
            out.append(Bar(left + 12 * j, y(value), 11, round(PLOT_BOTTOM - y(value), 1), value, bar_title, css))
        if i % label_every == 0:
            labels.append((left + 6 * per_group, label))
    return Chart(width, CHART_HEIGHT, out, [(y(v), v) for v in grid], labels, title)


def flags_chart(h: FlagHistory) -> Chart:
    """Raised and cleared per period (of one rule, or all)."""
    name = f"{h.rule} flags" if h.rule else "Flags"
    groups = [(b.label, [(b.total("raised", h.rule), f"{b.label}: {b.total('raised', h.rule)} raised", "raised"),
                         (b.total("cleared", h.rule), f"{b.label}: {b.total('cleared', h.rule)} cleared", "cleared")])
              for b in h.buckets]
    return bar_chart(f"{name} raised and cleared by {h.period}", groups, label_every=2 if h.period == "month" else 4)


def terms_chart(months: list[TermMonth], today: date) -> Chart:
    """Terms ending per month; months already past drawn apart."""
    this_month = month_start(today)
    groups = [(m.label, [(m.ending, f"{m.label}: {m.ending} terms end",
                          "past" if m.start < this_month else "ending")]) for m in months]
    return bar_chart("Core terms ending by month", groups, label_every=3)
