"""The history's charts are laid out on the server: bars in proportion to their numbers on a round scale,
each with its number as a title (the table beside the chart carries them too)."""

from __future__ import annotations

from datetime import date

from nesa_collab.flags.history import TermMonth, bar_chart, month_start, terms_chart, week_start


def test_bars_are_in_proportion_on_a_round_scale():
    chart = bar_chart("Flags", [("Jan", [(3, "Jan: 3 raised", "raised"), (0, "Jan: 0 cleared", "cleared")]),
                                ("Feb", [(7, "Feb: 7 raised", "raised"), (6, "Feb: 6 cleared", "cleared")])])
    heights = {b.title: b.height for b in chart.bars}
    assert [v for _, v in chart.gridlines] == [2, 4, 6, 8]  # 7 rounds up to 8, in steps of 2
    assert abs(heights["Feb: 6 cleared"] - 2 * heights["Jan: 3 raised"]) < 0.5 and heights["Jan: 0 cleared"] == 0
    assert all(abs(b.y + b.height - 180) < 0.01 for b in chart.bars)  # on the baseline
    assert [label for _, label in chart.labels] == ["Jan", "Feb"]


def test_past_months_are_drawn_apart_from_those_to_come():
    months = [TermMonth(date(2026, 12, 1), 2), TermMonth(date(2027, 1, 1), 5)]
    chart = terms_chart(months, date(2027, 1, 11))
    assert [(b.css, b.value) for b in chart.bars] == [("past", 2), ("ending", 5)]


def test_weeks_start_on_monday_and_months_on_the_first():
    assert week_start(date(2027, 1, 17)) == date(2027, 1, 11)
    assert month_start(date(2027, 1, 17), -1) == date(2026, 12, 1) and month_start(date(2027, 12, 5), 1) == date(2028, 1, 1)
