"""The journeys' accessibility check itself: a page with a serious or critical violation fails the
journey, naming the rule, its impact, the elements and the page."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

#: The browser answers this made-up origin itself (no server, no network).
ORIGIN = "http://axe-self-check.invalid"
BAD_PAGE = """<!doctype html><html lang="en"><head><title>Self-check</title></head>
<body><main><h1>Self-check</h1><img src="/none.png"><form><input id="nameless" type="text"></form></main></body></html>"""


@pytest.fixture(scope="module")
def server():
    """No app: this module checks the checker on a page the browser is handed."""
    return ORIGIN


def test_axe_fails_a_journey_on_a_page_with_critical_violations(journey):
    journey.page.route(ORIGIN + "/**", lambda route: route.fulfill(
        status=200 if route.request.url.endswith("/bad") else 404, content_type="text/html", body=BAD_PAGE))
    with pytest.raises(pytest.fail.Exception) as failure:
        journey.goto("/bad")
    message = str(failure.value)
    assert ORIGIN + "/bad" in message
    assert "image-alt (critical)" in message and "label (critical)" in message and "#nameless" in message
