"""P5: each condition of "out of date" raised and cleared at its boundary dates. The rule is a pure
function of a plan's facts (``PlanFacts.of`` a plan built here), so these tests need no database."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from nesa_collab.network.models import Collaborative
from nesa_collab.plans.models import (Plan, PlanEvidence, PlanGoal, PlanMilestone, PlanOffering, PlanTemplate,
                                      TemplateSection)
from nesa_collab.plans.standing import PlanFacts, add_months, out_of_date
from nesa_collab.settings import Settings

SETTINGS = Settings(network_time_zone="UTC")


def collab(status: str = "active") -> Collaborative:
    return Collaborative(name="Literacy Collaborative", slug="literacy", kind="discipline", status=status)


def plan(first_year: int = 2025, last_year: int = 2026, revised: date = date(2026, 9, 1),
         milestones=(), has_next: bool = False, start_month: int = 8, written: bool = True) -> Plan:
    """A plan with a goal written (``written``), so that only the condition under test holds."""
    p = Plan(title="Plan", first_year=first_year, last_year=last_year, start_month=start_month,
             last_revised_at=datetime.combine(revised, datetime.min.time(), timezone.utc),
             milestones=list(milestones), goals=[PlanGoal(position=0, statement="Read")] if written else [],
             texts={})
    p.has_next_plan = has_next
    return p


def template(*kinds: str) -> PlanTemplate:
    return PlanTemplate(version=1, sections=[TemplateSection(position=i, key=kind, title=kind, kind=kind)
                                             for i, kind in enumerate(kinds)])


def conditions(p, today, c=None, settings=SETTINGS):
    return [r.condition for r in out_of_date(PlanFacts.of(p), c or collab(), today, settings)]


def test_p5_an_active_collaborative_without_a_plan_is_out_of_date():
    reasons = out_of_date(None, collab(), date(2026, 11, 27), SETTINGS)
    assert [(r.rule, r.condition) for r in reasons] == [("P5", "no_plan")]
    assert "has no plan" in reasons[0].message
    assert out_of_date(None, collab("forming"), date(2026, 11, 27), SETTINGS) == []
    assert out_of_date(None, collab("retired"), date(2026, 11, 27), SETTINGS) == []


def test_p5_a_started_plan_with_nothing_written_is_no_plan_written_yet():
    blank = plan(2026, 2027, revised=date(2026, 11, 27), written=False)
    blank.template = template("free_text", "goals", "offerings", "milestones", "evidence", "norms")
    reasons = out_of_date(PlanFacts.of(blank), collab(), date(2026, 11, 27), SETTINGS)
    assert [(r.rule, r.condition) for r in reasons] == [("P5", "not_written")]
    assert "no plan written yet" in reasons[0].message
    # A forming collaborative owes no plan yet, written or not; a retired one owes none.
    assert out_of_date(PlanFacts.of(blank), collab("forming"), date(2026, 11, 27), SETTINGS) == []
    assert out_of_date(PlanFacts.of(blank), collab("retired"), date(2026, 11, 27), SETTINGS) == []
    # The norms the plan starts from (K3) are the collaborative's, not written for the plan; blank
    # space is nothing written.
    blank.texts = {"norms": "We start on time.", "free_text": "  \n "}
    assert conditions(blank, date(2026, 11, 27)) == ["not_written"]


@pytest.mark.parametrize("written", ["text", "goal", "offering", "milestone", "evidence"])
def test_p5_any_section_written_makes_it_a_plan(written):
    p = plan(2026, 2027, revised=date(2026, 11, 27), written=False)
    p.template = template("free_text", "goals", "offerings", "milestones", "evidence", "norms")
    if written == "text":
        p.texts = {"free_text": "Every student reads."}
    elif written == "goal":
        p.goals = [PlanGoal(position=0, statement="Read")]
    elif written == "offering":
        p.offerings = [PlanOffering(position=0, school_year=2026, kind="institute", title="Institute")]
    elif written == "milestone":
        p.milestones = [PlanMilestone(title="Rubric", due_on=date(2027, 5, 1), is_done=False)]
    else:
        p.evidence = [PlanEvidence(position=0, indicator="Fluency")]
    assert conditions(p, date(2026, 11, 27)) == []


def test_p5_no_revision_in_12_months_raised_exactly_12_months_later():
    p = plan(first_year=2026, last_year=2028, revised=date(2026, 3, 15))
    assert "stale" not in conditions(p, date(2027, 3, 14))
    reasons = out_of_date(PlanFacts.of(p), collab(), date(2027, 3, 15), SETTINGS)
    assert "stale" in [r.condition for r in reasons]
    assert "no revision in 12 months (last revised 15 March 2026)" in str(reasons[0])
    # a new revision clears it
    p.last_revised_at = datetime(2027, 3, 15, tzinfo=timezone.utc)
    assert "stale" not in conditions(p, date(2027, 3, 15))


def test_p5_stale_months_are_configurable():
    p = plan(first_year=2026, last_year=2028, revised=date(2026, 3, 15))
    six = SETTINGS.with_(plan_stale_months=6)
    assert "stale" not in conditions(p, date(2026, 9, 14), settings=six)
    assert "stale" in conditions(p, date(2026, 9, 15), settings=six)


def test_p5_stale_is_judged_in_the_network_time_zone():
    # 23:30 UTC on 14 March is already 15 March in Dubai.
    p = plan(first_year=2026, last_year=2028)
    p.last_revised_at = datetime(2026, 3, 14, 23, 30, tzinfo=timezone.utc)
    dubai = SETTINGS.with_(network_time_zone="Asia/Dubai")
    assert "stale" not in conditions(p, date(2027, 3, 14), settings=dubai)
    assert "stale" in conditions(p, date(2027, 3, 14), settings=SETTINGS)


def test_p5_ending_within_6_months_without_a_next_plan_raised_exactly_6_months_before_the_end():
    # 2025–26 and 2026–27: the last day is 31 July 2027; six months before is 31 January 2027.
    p = plan(2025, 2026, revised=date(2026, 12, 1))
    assert p.ends_on == date(2027, 7, 31)
    assert "ending" not in conditions(p, date(2027, 1, 30))
    assert "ending" in conditions(p, date(2027, 1, 31))
    assert "ending" in conditions(p, date(2027, 7, 31))
    # a next plan drafted clears it
    p.has_next_plan = True
    assert "ending" not in conditions(p, date(2027, 1, 31))


def test_p5_current_school_year_not_covered_from_the_first_day_of_a_new_school_year():
    p = plan(2024, 2025, revised=date(2026, 7, 1), has_next=True)
    assert "not_covering" not in conditions(p, date(2026, 7, 31))
    reasons = out_of_date(PlanFacts.of(p), collab(), date(2026, 8, 1), SETTINGS)
    assert "not_covering" in [r.condition for r in reasons]
    assert any("2026–27 is not covered" in r.message for r in reasons)
    # a plan that has not begun yet does not cover the current year either
    future = plan(2027, 2028, revised=date(2026, 7, 1))
    assert "not_covering" in conditions(future, date(2027, 7, 31))
    assert "not_covering" not in conditions(future, date(2027, 8, 1))


def test_p5_school_year_start_month_is_configurable():
    # School years starting in January: 2025 and 2026 end on 31 December 2026.
    p = plan(2025, 2026, revised=date(2026, 12, 1), has_next=True, start_month=1)
    jan = SETTINGS.with_(school_year_start_month=1)
    assert "not_covering" not in conditions(p, date(2026, 12, 31), settings=jan)
    assert "not_covering" in conditions(p, date(2027, 1, 1), settings=jan)


def test_p5_overdue_milestone_raised_the_day_after_it_is_due_and_cleared_when_done():
    m = PlanMilestone(title="Publish the rubric", due_on=date(2026, 11, 30), is_done=False)
    p = plan(2026, 2027, revised=date(2026, 11, 1), milestones=[m])
    assert "overdue" not in conditions(p, date(2026, 11, 30))
    reasons = out_of_date(PlanFacts.of(p), collab(), date(2026, 12, 1), SETTINGS)
    assert [r.condition for r in reasons] == ["overdue"]
    assert "Publish the rubric (due 30 November 2026)" in reasons[0].message
    m.is_done, m.done_on = True, date(2026, 12, 1)
    assert conditions(p, date(2026, 12, 1)) == []


def test_p5_several_conditions_are_all_reported():
    ms = [PlanMilestone(title=f"M{i}", due_on=date(2026, 1, i + 1), is_done=False) for i in range(5)]
    p = plan(2025, 2026, revised=date(2025, 9, 1), milestones=ms)
    found = out_of_date(PlanFacts.of(p), collab(), date(2027, 2, 1), SETTINGS)
    assert [r.condition for r in found] == ["stale", "ending", "overdue"]
    assert "5 milestones are overdue" in found[-1].message and "and 2 more" in found[-1].message


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2027, 7, 31), -6, date(2027, 1, 31)),
    (date(2026, 8, 31), -6, date(2026, 2, 28)),
    (date(2024, 2, 29), 12, date(2025, 2, 28)),
    (date(2026, 3, 15), 12, date(2027, 3, 15)),
])
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected
