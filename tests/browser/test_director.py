"""C1–C3, C5 in a browser: the Director appoints a Core member where there is room, is refused a ninth
member of a full Core (the form stays filled in, nothing is saved), and ends a term early through its
confirmation page."""

from __future__ import annotations

import re

import pytest

from ..conftest import SEED_DAY

pytestmark = pytest.mark.browser

CONSULTED_ON = "2026-11-20"


def _strengths(journey) -> dict[str, tuple[str, int]]:
    """The Core dashboard's Cores: name -> (link to the Core, members today)."""
    rows = journey.page.locator("main table.outlook tbody tr")
    found = {}
    for i in range(rows.count()):
        row = rows.nth(i)
        link = row.locator("th a").first
        today = row.locator("td.strength").first.inner_text()
        found[link.inner_text().strip()] = (link.get_attribute("href"), int(re.match(r"\d+", today).group()))
    return found


def _fill_appointment(page, person_value: str, starts_on: str | None = None) -> None:
    page.select_option("#f-person_id", person_value)
    if starts_on:
        page.fill("#f-starts_on", starts_on)
    page.fill("#f-ed_consulted_on", CONSULTED_ON)
    page.fill("#f-ed_method", "email")
    page.fill("#f-pdac_consulted_on", CONSULTED_ON)
    page.fill("#f-pdac_method", "meeting")


def _first_choice(page, group: str | None = None) -> tuple[str, str]:
    """The first person the appointment form offers (in ``group``, else in any): (option value, name)."""
    option = page.locator(f"#f-person_id optgroup{f'[label={group!r}]' if group else ''} option").first
    return option.get_attribute("value"), option.inner_text().split(" — ")[0].strip()


def test_c2_the_director_appoints_is_refused_a_ninth_member_and_ends_a_term(journey):
    page = journey.page
    journey.sign_in("maya.haddad@nesa-demo.org")
    journey.submit(page.locator("header nav").get_by_role("link", name="Cores", exact=True))
    cores = _strengths(journey)
    with_room = next(name for name, (_, n) in cores.items() if 5 <= n < 8)
    full = next((name for name, (_, n) in cores.items() if n == 8), None)
    assert full, f"no Core of the demo has 8 members today: {cores}"

    # 1. Appoint someone to a Core with room, for the term the form proposes (C3).
    journey.goto(cores[with_room][0])
    journey.submit(page.get_by_role("link", name="Appoint a Core member"))
    value, name = _first_choice(page)
    _fill_appointment(page, value)
    journey.submit(page.locator("main form").get_by_role("button", name="Appoint"))
    assert journey.path() == cores[with_room][0], page.locator(".errors, .error").all_inner_texts()
    assert f"{name} is appointed to the {with_room} Core" in page.locator(".flash").first.inner_text()
    assert page.get_by_role("cell", name=re.compile(re.escape(name))).count() >= 1

    # 2. A ninth member of a full Core, from today: refused beside the field, the form kept, nothing saved.
    journey.goto(cores[full][0])
    journey.submit(page.get_by_role("link", name="Appoint a Core member"))
    # Someone not on this Core (no overlapping term of theirs, C8, to be refused for first).
    value, name = _first_choice(page, "Other educators")
    today = SEED_DAY.date().isoformat()
    _fill_appointment(page, value, starts_on=today)
    journey.submit(page.locator("main form").get_by_role("button", name="Appoint"))
    error = page.locator("#starts_on-error")
    assert re.search(r"C2: an active Core has at most 8 members; .+ has 8 on", error.inner_text()), error.inner_text()
    assert page.locator("#f-starts_on").input_value() == today
    assert page.locator("#f-person_id").input_value() == value
    assert page.locator("#f-ed_consulted_on").input_value() == CONSULTED_ON
    journey.goto(cores[full][0])
    assert page.locator("main .meta").first.inner_text().startswith("8 members today")

    # 3. End a current term early, through its confirmation page (C5).
    journey.goto(cores[with_room][0])
    end = page.get_by_role("link", name="End early…").first
    member = end.locator("xpath=ancestor::tr").locator("td").first.inner_text().split("\n")[0].strip()
    journey.submit(end)
    assert page.get_by_role("heading", level=1).inner_text() == f"End {member}'s term early?"
    page.select_option("#f-reason", "resignation")
    journey.submit(page.get_by_role("button", name="End the term"))
    assert journey.path() == cores[with_room][0]
    assert f"{member}'s term ends on" in page.locator(".flash").first.inner_text()
