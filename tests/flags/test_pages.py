"""Flags through HTTP: each person sees the flags they must act on or oversee, acknowledges one with a
note (it stays open; audited), reads the history as charts with their numbers; the Director sees the
runs and sweeps now; the same through the API."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from nesa_collab import clock
from nesa_collab.audit.models import AuditEntry
from nesa_collab.auth.models import Person
from nesa_collab.flags.models import Flag, SweepRun, SweepTrigger
from nesa_collab.flags.runs import SWEEP_LEASE, acquire

from ..conftest import post_form
from .conftest import TODAY, flag_of

NOW = datetime(2027, 1, 11, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def people(world, database):
    with database.transaction() as db:
        return {name: db.get(Person, getattr(world, name)) for name in
                ("dpl", "staff", "rania", "allison", "lina", "omar", "member")}


@pytest.fixture
def flagged(swept):
    """The world swept on 11 January 2027 (and the clock on that day)."""
    clock.freeze(NOW)
    return swept(TODAY)


def _flag_id(database, key: str) -> int:
    with database.transaction() as db:
        return flag_of(db, key).id


def test_each_person_sees_the_flags_they_must_act_on_or_oversee(world, people, flagged, as_):
    dpl = as_(people["dpl"]).get("/flags")
    assert dpl.status_code == 200
    assert "Lena Haddad&#39;s term on the Literacy Core ends on 10 April 2027" in dpl.text
    assert "Literacy Core call (Literacy) meets on 25 January 2027" in dpl.text  # the DPL oversees every flag
    lina = as_(people["lina"]).get("/flags").text
    assert "Literacy Core call" in lina and "Lena Haddad&#39;s term" in lina  # their Core's flags
    assert "Mathematics" not in lina and "Release Omar Khalil" not in lina
    assert f'/meetings/{world.call}/agenda"' in lina  # where it is fixed
    allison = as_(people["allison"]).get("/flags").text
    assert "Release Omar Khalil on 9 February 2027" in allison and "Lena Haddad" not in allison
    assert '/schools/american-school-of-dubai/obligations"' in allison
    rania = as_(people["rania"]).get("/flags").text  # ACS Amman's coordinator
    assert "Release Mona Saleh on 9 February 2027" in rania and "Omar Khalil" not in rania
    assert as_(people["member"]).get("/flags").status_code == 403


def test_the_list_filters_by_rule_and_shows_cleared_flags_with_why(world, people, flagged, swept, as_):
    dpl = as_(people["dpl"])
    page = dpl.get("/flags?rule=F4").text
    assert set(re.findall(r'href="/rules#(f\d)" title', page)) == {"f4"}
    swept(date(2027, 8, 1))
    cleared = dpl.get("/flags?status=cleared&rule=F1").text
    assert "Cleared: no longer holds" in cleared and "Lena Haddad" in cleared


def test_acknowledging_a_flag_keeps_it_open_with_who_and_why_and_is_audited(world, people, flagged, as_, database):
    key = f"F5 meeting:{world.call} - 2027-01-25"
    flag_id = _flag_id(database, key)
    lina = as_(people["lina"])
    form = lina.get(f"/flags/{flag_id}/acknowledge")
    assert form.status_code == 200 and 'for="f-note"' in form.text
    refused = post_form(lina, f"/flags/{flag_id}/acknowledge", {"note": " "})
    assert refused.status_code == 422 and "F5: say what is being done, or why it can wait" in refused.text
    r = post_form(lina, f"/flags/{flag_id}/acknowledge", {"note": "The agenda goes out on Friday."})
    assert r.status_code == 303
    with database.transaction() as db:
        flag = db.get(Flag, flag_id)
        assert flag.is_open and flag.acknowledged_by_id == world.lina
        assert flag.acknowledged_note == "The agenda goes out on Friday."
        entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "flag.acknowledge"))
        assert entry.actor_id == world.lina and entry.subject_id == flag_id
        assert entry.collaborative_id == world.literacy and entry.after["note"] == "The agenda goes out on Friday."
    page = as_(people["dpl"]).get("/flags?rule=F5").text
    assert "Literacy 0,\n" in page and "The agenda goes out on Friday." in page  # who acknowledged it, and why


def test_acknowledging_is_for_those_who_must_act(world, people, flagged, as_, database):
    lina = as_(people["lina"])
    # Another Core's flag is not even shown to a Core member of Literacy.
    math_plan = _flag_id(database, f"F4 collaborative:{world.mathematics} no_plan -")
    assert post_form(lina, f"/flags/{math_plan}/acknowledge", {"note": "Ours now."}).status_code == 404
    # Their Core's term ending is the Director's to act on: seen, but not theirs to acknowledge.
    ending = _flag_id(database, f"F1 appointment:{world.lena_term} ending 2027-04-10")
    assert post_form(lina, f"/flags/{ending}/acknowledge", {"note": "We know."}).status_code == 403
    assert post_form(as_(people["dpl"]), f"/flags/{ending}/acknowledge", {"note": "Seat advertised."}).status_code == 303


def test_the_history_charts_flags_over_time_and_terms_ending_by_month_with_their_numbers(people, flagged, swept,
                                                                                       as_):
    swept(date(2027, 3, 1))
    page = as_(people["dpl"]).get("/flags/history")
    assert page.status_code == 200 and page.text.count("<svg") == 2 and "<script" not in page.text
    assert re.search(r"<title>Jan 2027: \d+ raised</title>", page.text)
    assert "<caption>Terms ending</caption>" in page.text
    assert re.search(r"<th scope=\"row\">Jul 2027</th><td>(\d+)</td>", page.text).group(1) == "13"
    weekly = as_(people["dpl"]).get("/flags/history?period=week&rule=F3").text
    assert "F3 flags raised and cleared by week" in weekly


def test_the_director_sees_the_runs_and_sweeps_now(world, people, as_, database):
    clock.freeze(NOW)
    dpl = as_(people["dpl"])
    assert "No sweep has run yet." in dpl.get("/flags/runs").text
    r = post_form(dpl, "/flags/runs")
    assert r.status_code == 303 and r.headers["location"] == "/flags/runs"
    page = dpl.get("/flags/runs").text
    assert "Swept: " in page and "Maya Haddad" in page
    with database.transaction() as db:
        run = db.scalar(select(SweepRun))
        assert (run.today, run.triggered_by, run.started_by_id) == (TODAY, SweepTrigger.DPL, world.dpl)
    again = post_form(dpl, "/flags/runs", follow_redirects=True).text
    assert "Nothing has changed since the last sweep of today" in again, re.findall(r'class="flash[^>]*>([^<]*)', again)
    acquire(database, SWEEP_LEASE, "a cron job")
    assert "No sweep was run: another sweep is running." in post_form(dpl, "/flags/runs", follow_redirects=True).text
    assert as_(people["staff"]).get("/flags/runs").status_code == 403


def test_the_api_lists_flags_acknowledges_and_runs_sweeps(world, people, flagged, as_, factory, database):
    lina_token = factory.token(people["lina"])
    dpl_token = factory.token(people["dpl"])
    c = as_()

    def call(method, url, token, body=None):
        return c.request(method, "/api/v1" + url, json=body, headers={"Authorization": f"Bearer {token}"})

    listed = call("GET", "/flags?rule=F5", lina_token).json()
    assert listed["total"] == 1
    [item] = listed["items"]
    assert item["rule"] == "F5" and item["link"] == f"/meetings/{world.call}/agenda"
    assert item["audience"] == {"kind": "core", "id": world.literacy} and item["about_on"] == "2027-01-25"
    r = call("POST", f"/flags/{item['id']}/acknowledge", lina_token, {"note": "Draft agenda shared."})
    assert r.status_code == 200 and r.json()["acknowledgement"]["note"] == "Draft agenda shared."
    refused = call("POST", f"/flags/{item['id']}/acknowledge", lina_token, {})
    assert refused.status_code == 422 and refused.json()["rule"] == "F5"
    assert call("GET", "/flags/runs", lina_token).status_code == 403
    run = call("POST", "/flags/runs", dpl_token)
    assert run.status_code == 201 and run.json()["triggered_by"] == "dpl" and run.json()["status"] == "finished"
    assert call("GET", "/flags/runs", dpl_token).json()["total"] == 1
    acquire(database, SWEEP_LEASE, "a cron job")
    assert call("POST", "/flags/runs", dpl_token).status_code == 409
