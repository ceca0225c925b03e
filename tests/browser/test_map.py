"""The caseworker's map: results, the school and exclusion zones; confidential homes only as areas."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PORTAL_KEY, Demo, Portal
from tests.browser.test_whole_search import check_state

pytestmark = pytest.mark.browser


def caseworker_page(api: str) -> str:
    return f"""<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><title>Intranätet – karta</title><link rel="icon" href="data:,">
<script src="{api}/embed/placeringssok.js" defer></script></head>
<body><main><h1>Hitta placering</h1>
<placeringssok-search api-key="{PORTAL_KEY}"></placeringssok-search></main></body></html>"""


def test_the_map_draws_hits_school_and_zones_and_confidential_homes_only_as_areas(demo: Demo, portal: Portal) -> None:
    portal.pages["/karta"] = caseworker_page(demo.base_url)
    demo.page.goto(portal.origin + "/karta")
    demo.wait_for_results()
    page = demo.page
    demo.choose_school("Linnéskolan 7")
    demo.search_after(lambda: page.get_by_label("Högst så här långt bort").select_option("80"))
    demo.exclude_area("Uppsala")
    zone = page.get_by_label("Område att undanta")
    zone.press_sequentially("Västmanlands", delay=20)  # the county comes before schools of that name
    expect(page.get_by_role("listbox", name="Områden").get_by_role("option").first).to_contain_text("Västmanlands län")
    zone.press("ArrowDown")
    zone.press("Enter")
    body = demo.search_after(lambda: page.get_by_role("button", name="Lägg till området").click())

    figure = page.locator("placeringssok-search figure.map")
    expect(figure).to_be_visible()
    svg = figure.locator("svg[role=img]")
    expect(svg).to_have_attribute("aria-labelledby", "map-caption")
    placed = [h for h in body["hits"] if h["location"] is not None]
    hidden = [h for h in body["hits"] if h["confidential"]]
    assert placed and hidden, "the page has both kinds of home"
    assert all(h["location"] is None for h in hidden)
    expect(figure.locator("g.point")).to_have_count(len(placed))
    for hit in hidden:
        expect(figure.locator(f'path.area.confidential[data-municipality="{hit["municipality_code"]}"]')).to_have_count(
            1
        )
    titles = figure.locator("g.point title").all_text_contents()
    assert not [t for t in titles for h in hidden if h["name"] in t], "a confidential home drawn as a point"
    expect(figure.locator("g.school")).to_have_count(1)
    expect(figure.locator("path.radius")).to_have_count(1)
    # Exclusion zones of a municipality or a county are drawn as that area (SCB's boundaries).
    expect(figure.locator('path.area.excluded[data-municipality="0380"]')).to_have_count(1)
    expect(figure.locator("path.area.excluded")).to_have_count(1)
    expect(figure.locator('path.county.excluded[data-county="19"]')).to_have_count(1)
    expect(figure.locator("path.county")).to_have_count(21)
    expect(figure.locator("path.area")).to_have_count(290)
    expect(figure.locator("figcaption")).to_contain_text("aldrig som punkt")
    figure.scroll_into_view_if_needed()
    check_state(demo, "map-caseworker")

    # On a phone the map follows the list, as wide as the screen, and is still one captioned image.
    page.set_viewport_size({"width": 375, "height": 667})
    expect(figure.locator("path.area.confidential")).not_to_have_count(0)
    svg_box = svg.bounding_box()
    assert svg_box is not None and svg_box["width"] <= 375
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    svg.scroll_into_view_if_needed()
    check_state(demo, "map-caseworker-375")


def test_the_public_role_gets_no_map(demo: Demo) -> None:
    demo.open()
    expect(demo.hits.first).to_be_visible()
    expect(demo.page.locator("placeringssok-search figure.map")).to_be_hidden()
