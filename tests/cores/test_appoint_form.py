"""The appointment form and the nomination list (issue 12, point 11): the term proposed starts on the
first day a seat is open (C2, C3, C6), the search narrows every list and says when nothing matches,
and the lists offer only people the rules allow (C4/N2, C9)."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from nesa_collab import clock
from nesa_collab.auth.models import Person
from nesa_collab.cores import services as cores
from nesa_collab.network import services as network
from nesa_collab.network.models import Collaborative, School
from nesa_collab.permissions import SYSTEM

from ..conftest import post_form

NOW = datetime(2026, 11, 27, 9, tzinfo=timezone.utc)  # the network's day: 27 November 2026
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _today():
    clock.freeze(NOW)


def seat(factory, collab, n, starts_on=date(2025, 8, 1), ends_on=date(2029, 7, 31)):
    """``n`` Core members of ``collab`` serving ``starts_on``–``ends_on``."""
    school = factory.school()
    return [factory.core_member(factory.educator(school, password=False), collab, starts_on, ends_on,
                                today=date(2025, 7, 1)) for _ in range(n)]


def lapse(factory, school, on=date(2026, 10, 1)):
    with factory.database.transaction() as db:
        network.lapse_school(db, SYSTEM, db.get(School, school.id), on)


def appoint_form(client, collab, **params):
    return client.get(f"/collaboratives/{collab.slug}/core/appoint", params=params)


def names(page, group):
    return [p.name for p in page.context["choices"][group]]


# --- the term proposed (C2, C3, C6) -------------------------------------------------------------------

def test_c6_a_core_short_now_is_offered_a_term_from_today(factory, as_):
    math = factory.collaborative("Math")
    seat(factory, math, 3)
    page = appoint_form(as_(factory.dpl()), math)
    assert page.context["form"]["starts_on"] == "2026-11-27"
    # C3: at least two years, to the end of a school year (28 November 2028 would be the earliest)
    assert page.context["form"]["ends_on"] == "2029-07-31"
    assert "Proposed: today, as the Core is short" in page.text


def test_c3_a_core_in_range_is_offered_two_school_years_from_the_next_august(factory, as_):
    math = factory.collaborative("Math")
    seat(factory, math, 6)
    form = appoint_form(as_(factory.dpl()), math).context["form"]
    assert (form["starts_on"], form["ends_on"]) == ("2027-08-01", "2029-07-31")


def test_c2_a_full_core_is_offered_the_day_after_the_first_seat_opens(factory, as_):
    math = factory.collaborative("Math")
    seat(factory, math, 7)
    seat(factory, math, 1, starts_on=date(2026, 1, 1), ends_on=date(2027, 12, 31))  # the 8th ends first
    page = appoint_form(as_(factory.dpl()), math)
    assert page.context["form"]["starts_on"] == "2028-01-01"
    assert page.context["form"]["ends_on"] == "2030-07-31"
    assert "the first day a seat is open" in page.text


def test_c6_a_core_falling_short_before_august_is_offered_the_day_it_falls_short(factory, as_):
    math = factory.collaborative("Math")
    seat(factory, math, 4)
    seat(factory, math, 1, starts_on=date(2025, 3, 1), ends_on=date(2027, 2, 28))
    form = appoint_form(as_(factory.dpl()), math).context["form"]
    assert form["starts_on"] == "2027-03-01"


def test_c3_the_proposal_form_proposes_the_same_term(factory, as_):
    math = factory.collaborative("Math")
    seat(factory, math, 2)
    form = as_(factory.dpl()).get(f"/collaboratives/{math.slug}/core/propose").context["form"]
    assert form["starts_on"] == "2026-11-27"


# --- the search narrows every list -----------------------------------------------------------------------

@pytest.fixture
def crowd(factory):
    """A Core with an open seat, two candidates, three members and two other educators."""
    math = factory.collaborative("Math")
    seat(factory, math, 5)
    lincoln = factory.school("Lincoln School")
    other = factory.school("Other School")
    people = {name: factory.educator(lincoln if "Lincoln" in name else other, name=name)
              for name in ("Sita Lincoln", "Ravi Other", "Mira Lincoln", "Omar Other", "Tara Other",
                           "Zed Lincoln", "Ann Other")}
    dpl = factory.dpl(name="Nominating Director")
    for name in ("Sita Lincoln", "Ravi Other"):
        with factory.database.transaction() as db:
            actor = cores.load_actor(db, db.get(Person, dpl.id), TODAY)
            cores.nominate(db, actor, db.get(Collaborative, math.id), db.get(Person, people[name].id),
                           "Leads the department.", TODAY)
    for name in ("Mira Lincoln", "Omar Other", "Tara Other"):
        factory.member(people[name], math)
    return math, people


def test_c9_the_search_narrows_candidates_members_and_other_educators(factory, as_, crowd):
    math, _ = crowd
    page = appoint_form(as_(factory.dpl()), math, q="lincoln")
    assert names(page, "Candidates") == ["Sita Lincoln"]
    assert names(page, f"Members of {math.name}") == ["Mira Lincoln"]
    assert names(page, "Other educators") == ["Zed Lincoln"]
    page = appoint_form(as_(factory.dpl()), math, q="tara")
    assert [names(page, g) for g in page.context["choices"]] == [[], ["Tara Other"], []]


def test_c9_a_search_nothing_matches_lists_no_one_and_says_so(factory, as_, crowd):
    math, _ = crowd
    dpl = as_(factory.dpl())
    page = appoint_form(dpl, math, q="Zzzz")
    assert all(people == [] for people in page.context["choices"].values())
    assert "No one matches “Zzzz”." in page.text
    assert "No one matches" not in appoint_form(dpl, math, q="lincoln").text
    proposal = dpl.get(f"/collaboratives/{math.slug}/core/propose", params={"q": "Zzzz"})
    assert "No one matches “Zzzz”." in proposal.text


# --- only people the rules allow -------------------------------------------------------------------------

def test_n2_no_list_of_the_appointment_form_offers_someone_of_a_lapsed_school(factory, as_, crowd):
    math, people = crowd
    lincoln = people["Sita Lincoln"].school
    lapse(factory, lincoln)
    page = appoint_form(as_(factory.dpl()), math)
    offered = {p.name for group in page.context["choices"].values() for p in group}
    assert not offered & {"Sita Lincoln", "Mira Lincoln", "Zed Lincoln"}
    assert {"Ravi Other", "Omar Other", "Ann Other"} <= offered


def test_n2_the_nomination_list_offers_only_members_who_may_be_nominated(factory, as_, crowd):
    """C9: not oneself, not a candidate already, not someone of a lapsed school (who would be refused)."""
    math, people = crowd
    lapse(factory, people["Mira Lincoln"].school)
    nominator = people["Omar Other"]
    page = as_(nominator).get(f"/collaboratives/{math.slug}/seats")
    assert [p.name for p in page.context["members"]] == ["Tara Other"]
    assert "Mira Lincoln" not in page.text.split("Nominate a colleague")[1]


def test_c9_the_nomination_list_is_searched_and_says_when_no_one_matches(factory, as_, crowd):
    math, people = crowd
    client = as_(people["Omar Other"])
    page = client.get(f"/collaboratives/{math.slug}/seats", params={"q": "Zzzz"})
    assert page.context["members"] == [] and "No one matches “Zzzz”." in page.text
    page = client.get(f"/collaboratives/{math.slug}/seats", params={"q": "tara"})
    assert [p.name for p in page.context["members"]] == ["Tara Other"]


def test_c9_the_person_chosen_stays_offered_after_a_refusal_whatever_the_search(factory, as_, crowd):
    math, people = crowd
    dpl = as_(factory.dpl())
    ann = people["Ann Other"]
    r = post_form(dpl, f"/collaboratives/{math.slug}/core/appoint?q=Zzzz",
                  {"person_id": str(ann.id), "starts_on": "2027-08-01", "ends_on": "2029-07-31"})
    assert r.status_code == 422
    assert f'value="{ann.id}" selected' in r.text

