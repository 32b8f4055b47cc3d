"""O3 in a browser: a school coordinator opens what the school owes from the home page and confirms
an obligation; the home page counts one fewer awaiting an answer and one more confirmed."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def _counts(page) -> dict[str, int]:
    stats = page.locator(".obligations-panel dl.stats > div")
    return {stats.nth(i).locator("dt").inner_text(): int(stats.nth(i).locator("dd").inner_text())
            for i in range(stats.count())}


def test_o3_a_school_coordinator_confirms_an_obligation(journey):
    page = journey.page
    journey.sign_in("rania.nassar@acs-amman.example")
    panel = page.locator(".obligations-panel")
    assert panel.get_by_role("heading", name="What your school owes").is_visible()
    before = _counts(page)
    assert before["Awaiting your answer"] >= 1, "the demo school has no obligation awaiting an answer"
    item = panel.locator("li").filter(has=page.get_by_role("link", name="Answer")).first
    statement = item.inner_text().split(" (")[0].strip()

    journey.submit(item.get_by_role("link", name="Answer"))
    assert page.get_by_role("heading", level=1).inner_text() == statement
    assert page.locator("main .badge").first.inner_text() == "Awaiting the school"
    page.get_by_label("Confirm: the school provides it").check()
    journey.submit(page.get_by_role("button", name="Save the answer"))
    row = page.locator("main table tbody tr").filter(has_text=statement).first
    assert row.locator(".badge").first.inner_text() == "Confirmed", row.inner_text()

    journey.goto("/")
    after = _counts(page)
    assert after["Awaiting your answer"] == before["Awaiting your answer"] - 1
    assert after["Confirmed, to come"] == before["Confirmed, to come"] + 1
