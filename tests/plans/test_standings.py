"""P5 decided once: the standing judged from a fully loaded plan (``PlanFacts.of`` a plan with its
milestones, the current one chosen by ``pick_current``) and the standing the set-based query gives
(the lists' rows, their SQL filter and counts) agree — on the demo network and on a world built to sit
on each boundary, on every day next to a boundary (a year since the last revision, a milestone due
the day before or that day, the plan's years ending or beginning)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from nesa_collab.db import Database
from nesa_collab.network.models import Collaborative
from nesa_collab.permissions import SYSTEM
from nesa_collab.plans import services, standings
from nesa_collab.plans.models import Plan
from nesa_collab.plans.standing import ENDING_SOON_MONTHS, PlanFacts, add_months, out_of_date
from nesa_collab.dates import school_year_of

from .conftest import TODAY, typed

DAY = timedelta(days=1)


def _boundary_days(db, settings) -> list[date]:
    """Each day on which a P5 condition of some plan starts or stops holding, and the days around it."""
    marks = set()
    for plan in db.scalars(select(Plan)):
        last = plan.last_revised_at.astimezone(settings.tz).date()
        marks |= {add_months(last, settings.plan_stale_months), add_months(plan.ends_on, -ENDING_SOON_MONTHS),
                  plan.starts_on, plan.ends_on + DAY}
        marks |= {m.due_on for m in plan.milestones} | {m.due_on + DAY for m in plan.milestones}
    return sorted({d + k * DAY for d in marks for k in (-1, 0, 1)})


def _loaded_plans(db) -> list[tuple[Collaborative, list[Plan]]]:
    """Each collaborative in service with its plans, fully loaded (milestones and all)."""
    return [(c, services.plans_of(db, SYSTEM, c))
            for c in db.scalars(select(Collaborative).where(Collaborative.status != "retired"))]


def _from_loaded_plans(loaded, settings, today: date) -> dict[int, tuple]:
    """Each collaborative in service: (current plan id, next plan id, reasons), from fully loaded plans."""
    out = {}
    year = school_year_of(today, settings.school_year_start_month)
    for c, plans in loaded:
        plan = services.pick_current(plans, year)
        later = [p for p in plans if plan is not None and p.first_year > plan.last_year]
        reasons = out_of_date(PlanFacts.of(plan) if plan else None, c, today, settings)
        out[c.id] = (plan.id if plan else None, later[0].id if later else None, reasons)
    return out


def _from_the_query(db, settings, today: date, **filters) -> dict[int, tuple]:
    shown = standings.page(db, today, settings, standings.Filters(**filters), 1, per_page=1000)
    return {s.collaborative.id: (s.plan.id if s.plan else None, s.next_plan.id if s.next_plan else None, s.reasons)
            for s in shown.items}


def _assert_they_agree(db, settings, days) -> int:
    """On each of ``days``; returns how many standings out of date were compared."""
    seen = 0
    plans = _loaded_plans(db)
    for today in days:
        loaded = _from_loaded_plans(plans, settings, today)
        queried = _from_the_query(db, settings, today)
        assert queried == loaded, today
        late = {cid for cid, (_, _, reasons) in loaded.items() if reasons}
        # The SQL judgement (filters, order, counts) agrees with the reasons out_of_date gives.
        assert set(_from_the_query(db, settings, today, standing="out_of_date")) == late, today
        assert set(_from_the_query(db, settings, today, standing="up_to_date")) == set(loaded) - late, today
        first = standings.page(db, today, settings, standings.Filters(), 1, per_page=1000).items
        assert [bool(s.reasons) for s in first] == sorted((bool(s.reasons) for s in first), reverse=True), today
        shown = standings.summary(db, today, settings)
        assert shown.out_of_date == len(late), today
        assert {s.collaborative.id for s in shown.first} <= late and len(shown.first) == min(5, len(late)), today
        seen += len(late)
    return seen


def test_p5_the_query_and_the_loaded_plans_agree_on_the_demo_network_around_every_boundary(seeded):
    world, settings = seeded
    database = Database(world.url)
    try:
        with database.session(write=False) as db:
            days = _boundary_days(db, settings)
            assert len(days) > 30
            assert _assert_they_agree(db, settings, [TODAY, *days]) > len(days)
    finally:
        database.dispose()


def test_p5_the_query_and_the_loaded_plans_agree_on_a_world_at_each_boundary(world, factory, database, settings):
    # Revised at 22:30 UTC on 14 March 2026: already 15 March in the network's zone (Athens), so stale
    # from 15 March 2027; a day's error either way, or judging in UTC, would show on the 14th or 15th.
    revised = datetime(2026, 3, 14, 22, 30, tzinfo=timezone.utc)
    assert revised.astimezone(settings.tz).date() == date(2026, 3, 15)
    with database.transaction() as db:
        actor = world.actor(db, world.dpl)
        literacy = db.get(Collaborative, world.collab.id)
        plan = services.create_plan(db, actor, literacy, title="Ending without a next plan", first_year=2025,
                                    last_year=2026, settings=settings, at=revised)
        services.save_plan(db, actor, plan, typed(milestones=[
            {"title": "Due yesterday", "due_on": TODAY - DAY}, {"title": "Due today", "due_on": TODAY},
            {"title": "Done late", "due_on": TODAY - 10 * DAY, "is_done": True, "done_on": TODAY}]),
            "Milestones", TODAY, at=revised)
    with_next, empty, forming, future = (factory.collaborative("With a next plan"), factory.collaborative("No plan"),
                                         factory.collaborative("Forming", status="forming"),
                                         factory.collaborative("Not begun"))
    blank, norms_only, forming_blank = (factory.collaborative("Blank draft"), factory.collaborative("Norms only"),
                                        factory.collaborative("Forming, blank", status="forming"))
    factory.collaborative("Retired", status="retired")
    with database.transaction() as db:
        at = datetime(2026, 9, 1, 8, tzinfo=timezone.utc)
        # Written: a free-text section (with_next), a goal (future). Nothing written: blank, forming_blank,
        # and norms_only, whose only text is the norms section (which a plan starts from, K3).
        written = {with_next: typed(texts={"purpose": "Every student reads."}),
                   future: typed(goals=[{"statement": "Read"}]), norms_only: typed(texts={"norms": "On time."})}
        for collab, years in ((with_next, (2026, 2027)), (with_next, (2028, 2029)), (future, (2027, 2028)),
                              (blank, (2026, 2027)), (norms_only, (2026, 2027)), (forming_blank, (2026, 2027))):
            plan = services.create_plan(db, SYSTEM, db.get(Collaborative, collab.id), title="Plan",
                                        first_year=years[0], last_year=years[1], settings=settings, at=at)
            if collab in written:
                services.save_plan(db, SYSTEM, plan, written[collab], "Written", TODAY, at=at)
    with database.session(write=False) as db:
        days = _boundary_days(db, settings)
        for day in (date(2027, 3, 14), date(2027, 3, 15), TODAY, TODAY + DAY, date(2027, 1, 31), date(2027, 8, 1)):
            assert day in days
        assert _assert_they_agree(db, settings, days) > len(days)
        # The boundaries themselves, as out_of_date draws them (see test_out_of_date), through the query.
        def conditions(today, collab):
            line = _from_the_query(db, settings, today)[collab.id]
            return [r.condition for r in line[2]]
        assert "stale" not in conditions(date(2027, 3, 14), world.collab)
        assert "stale" in conditions(date(2027, 3, 15), world.collab)
        assert conditions(TODAY, world.collab) == ["overdue"]
        assert "1 milestone is overdue and not done: Due yesterday" in str(_from_the_query(db, settings, TODAY)[
            world.collab.id][2][0])
        assert "2 milestones are overdue" in str(_from_the_query(db, settings, TODAY + DAY)[world.collab.id][2][0])
        assert "ending" not in conditions(date(2027, 1, 30), world.collab)
        assert "ending" in conditions(date(2027, 1, 31), world.collab)
        assert "ending" not in conditions(date(2028, 1, 31), with_next)  # a next plan is drafted
        assert conditions(TODAY, empty) == ["no_plan"] and conditions(TODAY, forming) == []
        assert conditions(date(2027, 7, 31), future) == ["not_covering"]
        assert conditions(date(2027, 8, 1), future) == []
        # Issue 12 (9): a plan with nothing written is no plan written yet, until a section has content.
        assert conditions(TODAY, blank) == conditions(TODAY, norms_only) == ["not_written"]
        assert conditions(TODAY, forming_blank) == [] and conditions(TODAY, with_next) == []


def test_p5_the_plans_list_pages_filters_by_standing_status_and_name_out_of_date_first(world, factory, as_):
    plan_id = world.new_plan(2026, 2027)  # Literacy: a draft started and written today, up to date
    with world.database.transaction() as db:
        services.save_plan(db, SYSTEM, db.get(Plan, plan_id), typed(texts={"purpose": "Every student reads."}),
                           "Purpose", TODAY)
    for i in range(30):
        factory.collaborative(f"Science {i:02d}")  # active without a plan: out of date
    dpl = as_(world.dpl)

    first = dpl.get("/api/v1/plans").json()
    assert (first["total"], first["pages"], len(first["items"])) == (31, 2, 25)
    assert all(s["plan"] is None and s["out_of_date"][0]["condition"] == "no_plan" for s in first["items"])
    last = dpl.get("/api/v1/plans?page=2").json()["items"]
    assert last[-1]["collaborative_slug"] == world.collab.slug and last[-1]["out_of_date"] == []

    def names(query: str) -> list[str]:
        return [s["collaborative_name"] for s in dpl.get(f"/api/v1/plans?{query}").json()["items"]]

    assert names("standing=up_to_date") == ["Literacy"]
    assert names("status=draft") == ["Literacy"] and names("status=accepted") == []
    assert len(names("standing=no_plan")) == 25 and names("standing=no_plan&page=2")[-1] == "Science 29"
    assert names("q=science+05") == ["Science 05"]
    assert names("q=%25") == [] and names("q=_") == []  # typed characters, not wildcards
    assert len(names("standing=nonsense")) == 25  # an unknown filter is ignored

    page = dpl.get("/plans?standing=out_of_date&page=2")
    assert page.status_code == 200 and "Science 29" in page.text and "Literacy" not in page.text.split("<table>")[1]
    assert "standing=out_of_date" in page.text.split('rel="prev" href="')[1].split('"')[0]
    assert "No collaborative matches these filters" in dpl.get("/plans?q=nothing+like+it").text

    home = dpl.get("/").text
    panel = home[home.index("Plans out of date"):home.index("</section>", home.index("Plans out of date"))]
    assert '<span class="badge bad">30</span>' in panel and panel.count("is active and has no plan") == 5
    assert "/plans?standing=out_of_date" in panel and "All 30 plans out of date" in panel
