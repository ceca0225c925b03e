"""WCAG 2.1 A and AA (axe-core) in the demo page's main states, at desktop width and at 320 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, Demo, describe_violations

pytestmark = pytest.mark.browser


def assert_accessible(demo: Demo, state: str) -> None:
    violations = demo.axe_violations()
    assert not violations, f"axe-core, {state}:\n{describe_violations(violations)}"


def show_results(demo: Demo) -> None:
    """A realistic result state: free text, a facet ticked (so filter chips show), an explanation open."""
    demo.query.fill("behandling")
    demo.search_after(lambda: demo.query.press("Enter"))
    demo.open_filters()
    demo.search_after(lambda: demo.facet("Verksamhetsform").get_by_role("checkbox").first.check())
    demo.close_filters()
    demo.hits.first.get_by_text("Därför visas träffen").click()


def test_no_violations_in_the_main_states(demo: Demo) -> None:
    demo.open()
    assert_accessible(demo, "initial state")

    show_results(demo)
    assert_accessible(demo, "with results")
    demo.page.set_viewport_size({"width": 1280, "height": 1400})
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    demo.page.evaluate("() => window.scrollTo(0, 0)")
    demo.page.screenshot(path=ARTIFACTS / "demo-results.png")

    demo.query.fill("")
    demo.query.press_sequentially("tra", delay=20)
    expect(demo.suggestions).to_be_visible()
    demo.query.press("ArrowDown")
    assert_accessible(demo, "free-text suggestions open, one active")

    demo.query.press("Escape")
    demo.school.press_sequentially("Kyrk", delay=20)
    expect(demo.school_options.first).to_be_visible()
    assert_accessible(demo, "school suggestions open")
    demo.school.press("Escape")  # closes the list
    demo.school.press("Escape")  # clears the field (APG: Escape on a closed combobox)
    expect(demo.school).to_have_value("")

    demo.page.route("**/v1/providers/search", lambda route: route.fulfill(status=503, json={"detail": "down"}))
    demo.query.fill("trauma")
    demo.query.press("Enter")
    expect(demo.error).to_contain_text("tillfälligt otillgänglig")
    assert_accessible(demo, "error state")


def test_works_at_320_px_wide(demo: Demo) -> None:
    demo.page.set_viewport_size({"width": 320, "height": 800})
    demo.open()
    show_results(demo)
    scroll_width = demo.page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= 320, f"horizontal scrolling at 320 px: the page is {scroll_width} px wide"
    assert_accessible(demo, "320 px, with results")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    demo.page.evaluate("() => window.scrollTo(0, 0)")
    demo.page.screenshot(path=ARTIFACTS / "demo-320.png")

    demo.open_filters()
    demo.drawer.get_by_role("button", name="Visa alla", exact=False).first.click()
    drawer_width = demo.drawer.evaluate("el => el.scrollWidth")
    assert drawer_width <= 320, f"horizontal scrolling in the drawer at 320 px: {drawer_width} px wide"
    assert demo.page.evaluate("() => document.documentElement.scrollWidth") <= 320
    assert_accessible(demo, "320 px, filter drawer open, a long facet shown in full")
    demo.close_filters()

    demo.query.fill("")
    demo.query.press_sequentially("tra", delay=20)
    expect(demo.suggestions).to_be_visible()
    assert demo.page.evaluate("() => document.documentElement.scrollWidth") <= 320
    assert_accessible(demo, "320 px, suggestions open")


def test_iframe_fallback_page_is_accessible_and_preselects_the_county(demo: Demo) -> None:
    demo.open("/embed/frame?county=07&facets=provider_type,methods")
    expect(demo.page.locator("html")).to_have_attribute("lang", "sv")
    counties = demo.facet("Län")
    ticked = counties.get_by_role("checkbox", checked=True)
    expect(ticked).to_have_count(1)
    expect(ticked).to_have_accessible_name(re.compile(r"^Kronobergs län \(\d+\)$"))
    assert demo.log.searches()[-1]["county_codes"] == ["07"]
    expect(demo.facet("Behandlingsmetod")).to_be_visible()
    expect(demo.facet("Målgrupp")).to_have_count(0)
    assert_accessible(demo, "iframe fallback page")
