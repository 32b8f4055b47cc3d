"""M2 on a phone: a member finds a meeting of their collaboratives on a 390-px-wide screen and
answers its RSVP; no page on the way is wider than the screen."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 390, "height": 844}


def _fits(journey) -> None:
    width = journey.page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= VIEWPORT["width"], f"{journey.path()} is {width} px wide on a {VIEWPORT['width']}-px screen"


def test_m2_a_member_answers_an_rsvp_on_a_390_px_screen(journey):
    page = journey.page
    journey.sign_in("nadia.rahman@aisd-dhaka.example")
    _fits(journey)
    journey.submit(page.locator("header nav").get_by_role("link", name="Meetings", exact=True))
    journey.submit(page.get_by_role("link", name="Your collaboratives"))
    _fits(journey)
    meetings = page.locator("main a[href^='/meetings/']").evaluate_all(
        "links => [...new Set(links.map(a => a.getAttribute('href')).filter(h => /^\\/meetings\\/\\d+$/.test(h)))]")
    assert meetings, "no upcoming meeting in the member's collaboratives"
    for href in meetings:
        journey.goto(href)
        _fits(journey)
        if page.locator("#rsvp form").count():
            break
    else:
        pytest.fail(f"no meeting among {meetings} asks the member to answer")

    form = page.locator("#rsvp form")
    form.get_by_label("Going", exact=True).check()
    form.get_by_label("Note (optional)").fill("Joining from Dhaka")
    journey.submit(form.get_by_role("button", name="Save my answer"))
    _fits(journey)
    assert journey.path().split("#")[0].startswith(href)
    assert "Your answer is saved." in page.locator(".flash").first.inner_text()
    assert "(you said: going)" in page.locator("#rsvp legend").inner_text()
    assert page.locator("#rsvp li").filter(has_text="Nadia Rahman").filter(has_text="going").count() == 1
