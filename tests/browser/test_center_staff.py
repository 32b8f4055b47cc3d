"""S3 in a browser: Center staff approve a waiting hotel-night claim from their queue."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


def test_s3_center_staff_approve_a_waiting_claim_from_the_queue(journey):
    page = journey.page
    journey.sign_in("eleni.papadopoulou@nesa-demo.org")
    journey.submit(page.locator("header nav").get_by_role("link", name="Claims", exact=True))
    # The queue shows waiting claims, oldest first; open the first one still to be approved.
    waiting = page.locator("main table tbody tr").filter(has=page.locator(".badge.submitted"))
    assert waiting.count() >= 1, "the demo has no claim waiting for approval"
    row = waiting.first
    number = row.locator("td").first.inner_text()
    journey.submit(row.get_by_role("link", name=number))
    assert re.search(r"/claims/\d+$", journey.path())
    journey.submit(page.get_by_role("button", name="Approve"))
    assert re.search(r"/claims/\d+$", journey.path())
    assert page.locator("main dl").get_by_text("Approved", exact=True).is_visible()
    assert page.get_by_role("link", name="Mark paid…").is_visible()
