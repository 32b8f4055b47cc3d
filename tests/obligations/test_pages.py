"""O3 through HTTP: a coordinator sees and answers only their own school's obligations (pages and
API); the DPL and Center staff see them across the network; the coordinator's home page leads with
what the school owes; the person concerned sees the answer; the school's page marks who serves on
which Core; the school's feed lists the owed days."""

from __future__ import annotations

import re
from datetime import date, datetime

from icalendar import Calendar
from sqlalchemy import select

from nesa_collab.meetings import feed_tokens, services as meetings
from nesa_collab.obligations import decisions
from nesa_collab.obligations.models import Obligation

from ..conftest import post_form
from .conftest import going


def _ids(database, **filters) -> list[int]:
    with database.session(write=False) as db:
        return list(db.scalars(select(Obligation.id).filter_by(**filters).order_by(Obligation.id)))


def _status(database, obligation_id: int) -> str:
    with database.session(write=False) as db:
        return db.get(Obligation, obligation_id).status


def test_o3_the_coordinator_sees_the_schools_obligations_and_confirms_one(world, as_, database):
    rania = as_(world.rania)
    r = rania.get(f"/schools/{world.amman.slug}/obligations")
    assert r.status_code == 200
    assert ("Release Layla Haddad on 25 March 2027 for the Science Collaborative&#39;s planning meeting beside the "
            "Spring Educators Conference") in r.text
    assert "Support Layla Haddad&#39;s attendance at the Spring Educators Conference" in r.text
    assert "Omar Khalil" not in r.text  # Dubai's
    assert "declining for budget is a" in r.text  # O2: the page says a budget decline is normal
    (release,) = _ids(database, kind="release", person_id=world.layla.id)
    r = post_form(rania, f"/obligations/{release}/decide", {"decision": "confirm"})
    assert r.status_code == 303 and r.headers["location"] == f"/schools/{world.amman.slug}/obligations"
    assert _status(database, release) == "confirmed"
    assert "confirmed" in rania.get(f"/schools/{world.amman.slug}/obligations?status=confirmed").text.lower()


def test_o3_declining_needs_a_reason_and_budget_is_offered_for_attendance(world, act, as_, database):
    going(act, world.sami, world.planning)
    rania = as_(world.rania)
    (sami,) = _ids(database, kind="attendance", person_id=world.sami.id)
    (release,) = _ids(database, kind="release", person_id=world.layla.id)
    page = rania.get(f"/obligations/{sami}/decide?decision=decline")
    assert page.status_code == 200 and 'value="budget"' in page.text
    assert 'value="budget"' not in rania.get(f"/obligations/{release}/decide?decision=decline").text
    r = post_form(rania, f"/obligations/{sami}/decide", {"decision": "decline"})
    assert r.status_code == 422 and "O3" in r.text and _status(database, sami) == "pending"
    r = post_form(rania, f"/obligations/{sami}/decide", {"decision": "decline", "reason": "budget"})
    assert r.status_code == 303 and _status(database, sami) == "declined"
    # The person concerned sees their school's answer.
    home = as_(world.sami).get("/").text
    assert "Your school's answers" in home and "Declined" in home and "Budget" in home


def test_o3_a_coordinator_of_another_school_neither_sees_nor_answers_its_obligations(world, as_, factory, database):
    allison = as_(world.allison)  # coordinates the Dubai school
    (release,) = _ids(database, kind="release", person_id=world.layla.id)
    # The school is known to every signed-in person; what it owes is not theirs to read: refused.
    assert allison.get(f"/schools/{world.amman.slug}/obligations").status_code == 403
    assert allison.get(f"/api/v1/schools/{world.amman.slug}/obligations").status_code == 403
    # One obligation names a person and what their school owes them: not revealed.
    assert allison.get(f"/obligations/{release}/decide").status_code == 404
    assert post_form(allison, f"/obligations/{release}/decide", {"decision": "confirm"}).status_code == 404
    token = factory.token(world.allison)
    h = {"Authorization": f"Bearer {token}"}
    assert allison.post(f"/api/v1/obligations/{release}/confirm", headers=h).status_code == 404
    r = allison.post(f"/api/v1/obligations/{release}/decline", json={"reason": "budget"}, headers=h)
    assert r.status_code == 404
    assert _status(database, release) == "pending"
    # Their own school's, they may.
    (omar,) = _ids(database, kind="release", person_id=world.omar.id)
    r = allison.post(f"/api/v1/obligations/{omar}/confirm", headers=h)
    assert r.status_code == 200 and r.json()["status"] == "confirmed" and r.json()["rule"] == "O1"
    # Not the network's view either.
    assert allison.get("/obligations").status_code == 403
    # Members and Core members do not see the school's list.
    assert as_(world.layla).get(f"/schools/{world.amman.slug}/obligations").status_code == 403


def test_o3_the_dpl_sees_every_school_and_center_staff_read_without_answering(world, as_, act, database):
    going(act, world.sami, world.planning)
    dpl = as_(world.dpl)
    r = dpl.get("/obligations")
    assert r.status_code == 200
    assert "ACS Amman" in r.text and "American School of Dubai" in r.text and "Spring Educators Conference" in r.text
    assert "Omar Khalil" in r.text and "Sami Aziz" in r.text
    filtered = dpl.get(f"/obligations?school={world.dubai.slug}&status=pending").text
    assert "Omar Khalil" in filtered and "Sami Aziz" not in filtered
    (release,) = _ids(database, kind="release", person_id=world.layla.id)
    assert post_form(dpl, f"/obligations/{release}/decide", {"decision": "confirm"}).status_code == 303
    staff = as_(world.staff)
    assert staff.get("/obligations").status_code == 200
    assert staff.get(f"/schools/{world.amman.slug}/obligations").status_code == 200
    assert post_form(staff, f"/obligations/{release}/decide", {"decision": "decline", "reason": "other",
                                                               "note": "no"}).status_code == 403
    assert _status(database, release) == "confirmed"


def test_o3_the_api_lists_counts_and_answers(world, act, client, factory, database):
    going(act, world.sami, world.planning)
    rania = {"Authorization": f"Bearer {factory.token(world.rania)}"}
    dpl = {"Authorization": f"Bearer {factory.token(world.dpl)}"}
    r = client.get(f"/api/v1/schools/{world.amman.slug}/obligations", headers=rania)
    assert r.status_code == 200 and r.json()["total"] == 3  # Layla's release and attendance, Sami's attendance
    first = r.json()["items"][0]
    assert first["status"] == "pending" and first["school"]["slug"] == world.amman.slug and first["statement"]
    (sami,) = _ids(database, kind="attendance", person_id=world.sami.id)
    r = client.post(f"/api/v1/obligations/{sami}/decline", json={}, headers=rania)
    assert r.status_code == 422 and r.json()["rule"] == "O3"
    r = client.post(f"/api/v1/obligations/{sami}/decline", json={"reason": "budget"}, headers=rania)
    assert r.status_code == 200 and r.json()["decline_reason"] == "budget"
    r = client.get(f"/api/v1/schools/{world.amman.slug}/obligations?status=declined", headers=rania)
    assert [i["id"] for i in r.json()["items"]] == [sami]
    counts = client.get("/api/v1/obligations/counts", headers=dpl).json()
    amman = next(t for t in counts["by_school"] if t["slug"] == world.amman.slug)
    assert (amman["pending"], amman["confirmed"], amman["declined"]) == (2, 0, 1)
    (conf,) = counts["by_conference"]
    assert (conf["slug"], conf["pending"] + conf["confirmed"] + conf["declined"]) == ("sec-2027", 5)
    listed = client.get("/api/v1/obligations?conference=sec-2027&status=pending", headers=dpl).json()
    assert listed["total"] == 4
    assert client.get("/api/v1/obligations", headers=rania).status_code == 403
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/obligations", "/obligations/counts", "/schools/{school}/obligations",
            "/obligations/{obligation_id}/confirm", "/obligations/{obligation_id}/decline"} <= set(paths)


def test_o3_the_coordinators_home_page_leads_with_what_the_school_owes(world, as_, database):
    (release,) = _ids(database, kind="release", person_id=world.layla.id)
    rania = as_(world.rania)
    post_form(rania, f"/obligations/{release}/decide", {"decision": "confirm"})
    home = rania.get("/").text
    headings = re.findall(r"<h2[^>]*>(.*?)</h2>", home)
    # First what waits for her answer (with a link to act), then what the school owes.
    assert headings[0].startswith("Waiting for you") and headings[1] == "What your school owes"
    assert re.search(r'href="/schools/[a-z-]+/obligations\?status=pending">Answer 1 obligation of ', home)
    panel = home[home.index("<h2>What your school owes"):home.index(f"<h2>{headings[2]}")]
    awaiting, confirmed = panel.index("Awaiting your answer</h3>"), panel.index("Confirmed, to come</h3>")
    assert awaiting < panel.index("Support Layla Haddad") < confirmed < panel.index("Release Layla Haddad")
    assert re.search(r"Awaiting your answer</dt><dd>1</dd>", home)
    assert re.search(r"Confirmed, to come</dt><dd>1</dd>", home)
    # The person concerned sees their school's answer.
    layla = as_(world.layla).get("/").text
    assert "Your school's answers" in layla and "Confirmed" in layla and "<h2>What your school owes" not in layla


def test_o1_the_schools_page_marks_who_serves_on_which_core_until_when(world, as_):
    page = as_(world.sami).get(f"/schools/{world.amman.slug}").text
    assert "Serving on Cores" in page
    assert re.search(r"Layla Haddad <span class=\"badge core\">Core member</span>\s*of the <a [^>]*>Science "
                     r"Collaborative</a>\s*<span class=\"meta\">until 31 Jul 2028</span>", page)
    assert "What the school owes" not in page  # a member does not see the obligations
    coordinator = as_(world.rania).get(f"/schools/{world.amman.slug}").text
    assert f"/schools/{world.amman.slug}/obligations" in coordinator and "2 awaiting an answer" in coordinator


def test_m5_o1_the_schools_feed_lists_the_owed_days_and_follows_them(world, act, client, settings, database):
    _, secret = act(world.rania, feed_tokens.issue_token, "school", world.amman.id, settings.secret_key)
    url = f"/calendars/schools/{secret}.ics"
    first = client.get(url)
    cal = Calendar.from_ical(first.text)
    by_uid = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    release_id, = _ids(database, kind="release", person_id=world.layla.id)
    release = by_uid[f"obligation-{release_id}@testserver"]
    assert str(release["SUMMARY"]) == ("To confirm: Release Layla Haddad — Science Core planning day "
                                       "(Science Collaborative)")
    assert release.decoded("DTSTART").replace(tzinfo=None) == datetime(2027, 3, 25, 9, 30)
    assert str(release["STATUS"]) == "TENTATIVE" and len(by_uid) == 2  # Layla's release and attendance only
    assert client.get(url, headers={"If-None-Match": first.headers["etag"]}).status_code == 304

    act(world.rania, lambda db, a: decisions.confirm(db, a, db.get(Obligation, release_id)))
    confirmed = client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert confirmed.status_code == 200 and confirmed.headers["etag"] != first.headers["etag"]
    event = {str(e["UID"]): e for e in Calendar.from_ical(confirmed.text).walk("VEVENT")}[str(release["UID"])]
    assert str(event["STATUS"]) == "CONFIRMED" and event["SEQUENCE"] > release["SEQUENCE"]

    act(None, meetings.update_meeting, world.planning, starts=datetime(2027, 3, 30, 9, 30),
        ends=datetime(2027, 3, 30, 15, 30))
    moved = {str(e["UID"]): e for e in Calendar.from_ical(client.get(url).text).walk("VEVENT")}[str(release["UID"])]
    assert moved.decoded("DTSTART").date() == date(2027, 3, 30) and moved["SEQUENCE"] > event["SEQUENCE"]
    assert str(moved["STATUS"]) == "TENTATIVE"  # asked again

    act(None, meetings.cancel_meeting, world.planning)
    gone = {str(e["UID"]): e for e in Calendar.from_ical(client.get(url).text).walk("VEVENT")}[str(release["UID"])]
    assert str(gone["STATUS"]) == "CANCELLED" and str(gone["SUMMARY"]).startswith("Withdrawn: ")
