"""The caseworker's whole search in the box, by keyboard; history, clearing, failures, small screens.

Every state is checked with axe-core and photographed into tests/artifacts/.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Locator, expect

from core.geography import distance_km, seat_of
from search_api.app import create_app
from tests.browser.conftest import ARTIFACTS, SEARCH_PATH, Demo, NetworkLog, Portal, describe_violations, serving
from tests.conftest import test_settings

pytestmark = pytest.mark.browser

# The headline case: a 15-year-old girl who self-harms, within 40 km of her school (Linnéskolan 7-9,
# Upplands Väsby), more than 150 km from Malmö, in a home with a vacancy whose permit covers her.
SCHOOL = "81576931"
HEADLINE = {
    "needs": ["sjalvskadebeteende"],
    "school": SCHOOL,
    "max_km": 40,
    "age": 15,
    "gender": "flickor",
    "permit_covers_needs": True,
    "far_from": {"min_km": 150, "municipality_code": "1280"},
    "has_vacancy": True,
}


def check_state(demo: Demo, name: str) -> None:
    """axe-core clean, and a screenshot for a human to look at."""
    violations = demo.axe_violations()
    assert not violations, f"axe-core, {name}:\n{describe_violations(violations)}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    demo.page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=False)


def tab_to(demo: Demo, target: Locator, most: int = 40) -> None:
    """Tab (the keyboard only) until the target has focus."""
    for _ in range(most):
        if target.evaluate("el => el.getRootNode().activeElement === el"):
            return
        demo.page.keyboard.press("Tab")
    raise AssertionError("the control was not reached with Tab")


def pick_option(demo: Demo, field: Locator, text: str, listbox: Locator) -> None:
    tab_to(demo, field)
    demo.page.keyboard.type(text, delay=20)
    expect(listbox.get_by_role("option").first).to_be_visible()
    demo.page.keyboard.press("ArrowDown")
    demo.page.keyboard.press("Enter")


def arrow_down(demo: Demo, select: Locator, steps: int) -> None:
    tab_to(demo, select)
    for _ in range(steps):
        demo.page.keyboard.press("ArrowDown")


def last_criteria(demo: Demo) -> dict[str, Any]:
    return demo.log.searches()[-1]


def chips(demo: Demo) -> Locator:
    return demo.page.locator("placeringssok-search [part=chip]")


def test_the_headline_case_by_keyboard_alone(demo: Demo) -> None:
    demo.open()
    page = demo.page
    demo.query.focus()
    page.keyboard.type("självskad", delay=20)
    expect(demo.suggestions.get_by_role("option").first).to_contain_text("Självskadebeteende")
    page.keyboard.press("ArrowDown")
    demo.search_after(lambda: page.keyboard.press("Enter"))

    pick_option(demo, demo.school, "Linnéskolan 7", page.get_by_role("listbox", name="Skolor"))
    expect(demo.school).to_have_value("Linnéskolan 7-9, Upplands Väsby")
    arrow_down(demo, page.get_by_label("Högst så här långt bort"), 3)  # 10, 20, 40 km
    arrow_down(demo, page.get_by_label("Barnets ålder"), 16)  # 0 .. 15 år
    arrow_down(demo, page.get_by_label("Barnets kön"), 1)  # Flicka
    tab_to(demo, page.get_by_label("Bara tillstånd som omfattar behoven"))
    page.keyboard.press("Space")
    pick_option(
        demo,
        page.get_by_label("Plats där barnet inte ska vara nära"),
        "Malm",
        page.get_by_role("listbox", name="Platser att hålla avstånd till"),
    )
    arrow_down(demo, page.get_by_label("Minst så här långt från platsen"), 3)  # 50, 100, 150 km
    tab_to(demo, page.get_by_label("Bara verksamheter med lediga platser"))
    body = demo.search_after(lambda: page.keyboard.press("Space"), sent={"has_vacancy": True})
    demo.page.wait_for_timeout(400)  # no later search may still be pending behind the debounce
    sent = last_criteria(demo)
    assert {k: sent.get(k) for k in HEADLINE} == HEADLINE

    # The hits are the API's own answer to the headline criteria, and each one fits her.
    direct = httpx.post(demo.base_url + SEARCH_PATH, json={**HEADLINE, "size": 100}).json()
    assert body["total"] == direct["total"] > 0
    assert [h["id"] for h in body["hits"]] == [h["id"] for h in direct["hits"]][: len(body["hits"])]
    malmo = seat_of("1280")
    for hit in body["hits"]:
        assert hit["distance_km"] <= 40
        assert distance_km(*malmo, hit["location"]["lat"], hit["location"]["lon"]) > 150
        assert "sjalvskadebeteende" in {t["value"] for t in hit["target_groups"]}
        assert hit["explanation"]["permit"]["covered"] is not False
        assert hit["vacancies"] > 0 and hit["age_min"] <= 15 <= hit["age_max"]
    expect(demo.hits).to_have_count(len(body["hits"]))
    for text in (
        "Skola: Linnéskolan 7-9",
        "Högst 40 km från skolan",
        "Ålder: 15 år",
        "Kön: Flicka",
        "Tillståndet omfattar behoven",
        "Mer än 150 km från Malmö kommun",
        "Lediga platser",
        "Behov: Självskadebeteende",
    ):
        expect(demo.page.get_by_role("button", name=f"Ta bort filtret {text}")).to_be_visible()
    # The explanation names every ranking factor, freshness included.
    demo.hits.first.get_by_text("Därför visas träffen").click()
    expect(demo.hits.first.locator("[part=explanation]")).to_contain_text("× aktualitet")
    check_state(demo, "headline-case")


def test_back_and_forward_restore_the_previous_search(demo: Demo) -> None:
    demo.open()
    url = demo.page.url
    demo.query.fill("trauma")
    first = demo.search_after(lambda: demo.query.press("Enter"))
    second = demo.search_after(lambda: demo.facet("Verksamhetsform").get_by_role("checkbox").first.check())
    assert second["total"] < first["total"]
    expect(chips(demo)).to_have_count(2)

    back = demo.search_after(lambda: demo.page.go_back())
    assert back["total"] == first["total"]
    assert "provider_types" not in last_criteria(demo) and last_criteria(demo)["q"] == "trauma"
    expect(demo.query).to_have_value("trauma")
    expect(chips(demo)).to_have_count(1)
    expect(demo.facet("Verksamhetsform").get_by_role("checkbox", checked=True)).to_have_count(0)
    check_state(demo, "history-back")

    forward = demo.search_after(lambda: demo.page.go_forward())
    assert forward["total"] == second["total"]
    expect(chips(demo)).to_have_count(2)
    # Criteria never reach the URL, whatever the history did.
    assert demo.page.url == url


def test_rensa_alla_clears_every_criterion(demo: Demo) -> None:
    demo.open()
    page = demo.page
    demo.query.fill("behandling")
    demo.search_after(lambda: demo.query.press("Enter"))
    demo.choose_school("Linnéskolan 7")
    demo.search_after(lambda: page.get_by_label("Högst så här långt bort").select_option("300"))
    demo.search_after(lambda: page.get_by_label("Barnets ålder").select_option("15"))
    demo.search_after(lambda: page.get_by_label("Barnets kön").select_option("flickor"))
    demo.search_after(lambda: page.get_by_label("Högsta pris per dygn").select_option("8000"))
    demo.exclude_area("Skåne")
    assert last_criteria(demo)["exclude"] == [{"county_code": "12"}]
    expect(page.get_by_role("button", name="Ta bort filtret Undantaget: Skåne län")).to_be_visible()
    expect(chips(demo)).to_have_count(7)

    demo.search_after(lambda: page.get_by_role("button", name="Rensa alla").click())
    assert set(last_criteria(demo)) == {"facets", "sort", "page", "size"}
    expect(chips(demo)).to_have_count(0)
    expect(demo.query).to_have_value("")
    expect(demo.school).to_have_value("")
    expect(page.get_by_label("Barnets ålder")).to_have_value("")
    expect(page.get_by_label("Högst så här långt bort")).to_have_value("")
    expect(demo.query).to_be_focused()
    check_state(demo, "cleared")


def test_server_stopped_keeps_the_last_results_and_says_so(browser: Browser, embedded_data_dir: Path) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
    page = context.new_page()
    page.set_default_timeout(10_000)
    with serving(create_app(test_settings(embedded_data_dir))) as url:
        demo = Demo(page, url, NetworkLog()).open()
        demo.query.fill("trauma")
        demo.search_after(lambda: demo.query.press("Enter"))
        titles = demo.hits.get_by_role("heading", level=3).all_inner_texts()
        assert titles
    # The server is gone: the next search fails, and the last results stay on screen.
    demo.query.fill("missbruk")
    demo.query.press("Enter")
    expect(demo.error).to_contain_text("Det gick inte att nå Placeringssök.")
    expect(demo.status).to_have_text("Sökningen misslyckades. Träffarna nedan är från den förra sökningen.")
    assert demo.hits.get_by_role("heading", level=3).all_inner_texts() == titles
    check_state(demo, "server-stopped")
    context.close()


def focused_inside_drawer(demo: Demo) -> bool:
    return bool(
        demo.page.evaluate(
            "() => { const root = document.querySelector('placeringssok-search').shadowRoot;"
            " const a = root.activeElement; return !!a && !!a.closest('dialog[open]'); }"
        )
    )


@pytest.mark.parametrize("width", [320, 375])
def test_small_screens_show_results_first_and_filters_in_a_drawer(demo: Demo, width: int) -> None:
    demo.page.set_viewport_size({"width": width, "height": 667})
    demo.open()
    toggle, drawer = demo.drawer_toggle, demo.drawer
    expect(toggle).to_have_attribute("aria-haspopup", "dialog")
    expect(drawer).to_be_hidden()
    expect(demo.school).to_be_hidden()
    first = demo.hits.first.get_by_role("heading", level=3)
    demo.page.screenshot(path=ARTIFACTS / f"small-{width}-first-screen.png")
    box = first.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 667, f"the first result starts at {box} px"
    assert demo.page.evaluate("() => document.documentElement.scrollWidth") <= width
    check_state(demo, f"small-{width}-results")

    # The keyboard alone: Tab to "Filter", Enter opens the modal drawer and focus moves into it.
    tab_to(demo, toggle)
    demo.page.keyboard.press("Enter")
    expect(drawer).to_be_visible()
    expect(drawer.get_by_role("heading", name="Filtrera")).to_be_focused()
    assert drawer.evaluate("el => el.matches(':modal')"), "the drawer is a modal dialog"
    # The page behind is inert: its search field cannot take focus.
    assert not demo.query.evaluate("el => { el.focus(); return el.getRootNode().activeElement === el; }")
    # Tab and Shift+Tab stay inside the drawer, round and round.
    seen = set()
    for _ in range(80):
        demo.page.keyboard.press("Tab")
        assert focused_inside_drawer(demo), "Tab left the open drawer"
        seen.add(
            demo.page.evaluate(
                "() => document.querySelector('placeringssok-search').shadowRoot.activeElement.outerHTML"
            )
        )
    demo.page.keyboard.press("Shift+Tab")
    assert focused_inside_drawer(demo), "Shift+Tab left the open drawer"
    assert len(seen) > 10, "Tab went through the drawer's controls"

    # Using it: tick a provider type with the Space key; the drawer says how many hits there are now.
    checkbox = demo.facet("Verksamhetsform").get_by_role("checkbox").first
    tab_to(demo, checkbox, most=80)
    body = demo.search_after(lambda: demo.page.keyboard.press("Space"))
    expect(toggle).to_have_text("Filter (1)")
    expect(drawer.get_by_role("status")).to_contain_text(f"{body['total']} träff")
    check_state(demo, f"small-{width}-drawer")

    # Escape closes it, and focus returns to the button; so do "Stäng" and "Visa träffar".
    demo.page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()
    expect(toggle).to_be_focused()
    for button in ("Stäng", "Visa träffar"):
        demo.page.keyboard.press("Enter")
        expect(drawer).to_be_visible()
        tab_to(demo, drawer.get_by_role("button", name=button, exact=True), most=80)
        demo.page.keyboard.press("Enter")
        expect(drawer).to_be_hidden()
        expect(toggle).to_be_focused()
    expect(demo.hits.first).to_be_visible()
    check_state(demo, f"small-{width}-drawer-closed")


def test_wide_screens_keep_the_filters_beside_the_results(demo: Demo) -> None:
    demo.open()
    expect(demo.drawer_toggle).to_be_hidden()
    expect(demo.school).to_be_visible()
    filters = demo.page.locator("placeringssok-search section.filters").bounding_box()
    results = demo.page.locator("placeringssok-search section.results").bounding_box()
    assert filters and results and filters["x"] + filters["width"] <= results["x"], "a sidebar left of the results"
    # Narrowed while the drawer is open, then widened: the filters are back in the sidebar, no modal left.
    demo.page.set_viewport_size({"width": 375, "height": 667})
    demo.open_filters()
    demo.page.set_viewport_size({"width": 1280, "height": 900})
    expect(demo.drawer).to_be_hidden()
    expect(demo.school).to_be_visible()
    demo.query.focus()
    expect(demo.query).to_be_focused()


def test_keyless_embed_from_a_public_origin_and_cors_refusal_explained(demo: Demo, portal: Portal) -> None:
    page_html = (
        '<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>Kommunen</title>'
        f'<link rel="icon" href="data:,"><script src="{demo.base_url}/embed/placeringssok.js" defer></script>'
        "</head><body><main><h1>Hitta placering</h1><placeringssok-search></placeringssok-search></main></body></html>"
    )
    portal.pages["/placering"] = page_html
    demo.page.goto(portal.origin + "/placering")
    demo.wait_for_results()
    assert demo.total() > 0
    expect(demo.error).to_be_empty()

    stranger = Portal()  # an origin nobody registered
    try:
        stranger.pages["/placering"] = page_html
        demo.page.goto(stranger.origin + "/placering")
        expect(demo.error).to_contain_text("CORS")
        expect(demo.error).to_contain_text("PLACERINGSSOK_PUBLIC_ORIGINS")
        check_state(demo, "cors-refused")
    finally:
        stranger.close()


def test_selects_are_debounced(demo: Demo) -> None:
    demo.open()
    before = len(demo.log.searches())
    age = demo.page.get_by_label("Barnets ålder")
    age.focus()

    def hold_arrow_down() -> None:
        for _ in range(10):
            demo.page.keyboard.press("ArrowDown")

    body = demo.search_after(hold_arrow_down, sent={"age": 9})
    demo.page.wait_for_timeout(400)
    assert len(demo.log.searches()) == before + 1, json.dumps(demo.log.searches()[before:])
    assert body["total"] > 0
