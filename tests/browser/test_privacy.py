"""A full session's network log: only the app's own origin, criteria only in POST bodies, nothing stored."""

from __future__ import annotations

import re
from urllib.parse import quote, quote_plus, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Demo
from tests.browser.test_search_box import SCHOOL_NAME, school_code

pytestmark = pytest.mark.browser

QUERY = "behandling"
PAGE_ASSETS = {"/demo", "/embed/placeringssok.js", "/embed/demo.css", "/embed/favicon.svg", "/embed/sweden-areas.json"}
VERSIONED_SCRIPT = re.compile(r"^/embed/placeringssok\.[0-9a-f]{16}\.js$")


def test_a_full_session_stays_on_the_own_origin_with_criteria_only_in_post_bodies(demo: Demo) -> None:
    demo.open()
    page = demo.page
    # Free text with suggestions, a need from the suggestions, the school, distances, a facet, page 2.
    demo.query.press_sequentially(QUERY, delay=20)
    expect(demo.suggestions).to_be_visible()
    demo.search_after(lambda: demo.query.press("Enter"))
    demo.query.fill("")
    demo.query.press_sequentially("missbr", delay=20)
    demo.suggestions.get_by_role("option", name="Missbruk – behov").wait_for()
    demo.query.press("ArrowDown")
    demo.search_after(lambda: demo.query.press("Enter"))
    demo.school.press_sequentially("Engelbrekts", delay=20)
    demo.school_options.first.wait_for()
    demo.school.press("ArrowDown")
    demo.search_after(lambda: demo.school.press("Enter"))
    demo.search_after(lambda: page.get_by_label("Högst så här långt bort").select_option("300"))
    demo.search_after(lambda: page.get_by_label("Minst så här långt bort").select_option("10"))
    demo.search_after(lambda: page.get_by_label("Barnets ålder").select_option("15"))
    demo.search_after(lambda: demo.facet("Verksamhetsform").get_by_role("checkbox").first.check())
    demo.search_after(lambda: page.get_by_label("Bara verksamheter med lediga platser").check())
    assert demo.total() > 0
    if demo.total() > 10:
        demo.search_after(lambda: page.get_by_role("button", name="Nästa sida").click())

    code = school_code(SCHOOL_NAME)
    secrets = {QUERY, "missbr", "missbruk", code, SCHOOL_NAME, "Engelbrekts", "sjalvskad", "max_km", "needs"}
    own = urlsplit(demo.base_url)
    requests = demo.log.requests
    assert requests, "no requests were logged"
    for request in requests:
        url = urlsplit(request.url)
        assert (url.scheme, url.netloc) == (own.scheme, own.netloc), f"request off the app's origin: {request.url}"
        lowered = request.url.lower()
        for secret in secrets:
            for form in {secret, quote(secret), quote_plus(secret)}:
                assert form.lower() not in lowered, f"{secret!r} travelled in a URL: {request.url}"
        if url.path.startswith("/v1/"):
            assert request.method == "POST", f"an API call by {request.method}: {request.url}"
            assert not request.headers.get("cookie") and not request.headers.get("referer")
        else:
            assert request.method == "GET", request.url
            assert url.path in PAGE_ASSETS or VERSIONED_SCRIPT.match(url.path), request.url

    # The criteria did travel, in POST bodies.
    searches = demo.log.searches()
    last = searches[-1]
    assert last["school"] == code and last["q"] == QUERY and last["needs"] == ["missbruk"]
    assert last["max_km"] == 300 and last["min_km"] == 10 and last["age"] == 15 and last["has_vacancy"] is True
    suggest_bodies = [r.post_data for r in requests if r.url.endswith("/v1/suggest")]
    school_bodies = [r.post_data for r in requests if r.url.endswith("/v1/schools/search")]
    assert any('"missbr"' in (b or "") for b in suggest_bodies)
    assert any('"Engelbrekts"' in (b or "") for b in school_bodies)

    # Nothing about the child is kept in the browser, and the page's CSP was never violated.
    assert page.context.cookies() == []
    assert page.evaluate("() => localStorage.length + sessionStorage.length") == 0
    assert demo.log.console_errors == [], demo.log.console_errors


def test_the_demo_page_sends_a_self_only_content_security_policy(demo: Demo) -> None:
    response = demo.page.goto(demo.base_url + "/demo")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "unsafe" not in policy
    demo.wait_for_results()
    assert demo.log.console_errors == [], demo.log.console_errors
