"""The search box as a caseworker uses it, keyboard first: free text, school, distance, facets, paging."""

from __future__ import annotations

import json
import math
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Demo
from tests.conftest import SCHOOLS

pytestmark = pytest.mark.browser

SCHOOL_NAME = "Engelbrektsskolan"


def school_code(name: str) -> str:
    for line in SCHOOLS.read_text(encoding="utf-8").splitlines():
        school = json.loads(line)
        if school["name"] == name:
            code: str = school["school_unit_code"]
            return code
    raise AssertionError(f"{name} is not in the fixture schools")


def test_typing_shows_suggestions_and_enter_searches(demo: Demo) -> None:
    demo.open()
    everything = demo.total()
    assert everything > 100

    demo.query.press_sequentially("missbruk", delay=20)
    expect(demo.suggestions).to_be_visible()
    expect(demo.query).to_have_attribute("aria-expanded", "true")
    expect(demo.query).to_have_attribute("aria-controls", "q-listbox")
    expect(demo.query).to_have_attribute("aria-autocomplete", "list")
    options = demo.suggestions.get_by_role("option")
    expect(options.first).to_contain_text("Missbruk")

    demo.query.press("ArrowDown")
    first_id = options.first.get_attribute("id")
    expect(demo.query).to_have_attribute("aria-activedescendant", first_id or "")
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(demo.query).to_be_focused()  # DOM focus stays in the input (aria-activedescendant pattern)
    demo.query.press("ArrowUp")  # wraps to the last option
    expect(options.last).to_have_attribute("aria-selected", "true")
    demo.query.press("Escape")
    expect(demo.suggestions).to_be_hidden()
    expect(demo.query).to_have_attribute("aria-expanded", "false")
    assert demo.query.get_attribute("aria-activedescendant") is None
    expect(demo.query).to_have_value("missbruk")

    body = demo.search_after(lambda: demo.query.press("Enter"))
    assert 0 < body["total"] < everything
    pages = math.ceil(body["total"] / body["size"])
    expect(demo.status).to_have_text(f"{body['total']} träffar, sida 1 av {pages}")
    assert demo.log.searches()[-1]["q"] == "missbruk"
    expect(demo.hits).to_have_count(len(body["hits"]))
    expect(demo.hits.first.get_by_role("heading", level=3)).to_have_text(body["hits"][0]["name"])
    expect(demo.hits.locator("mark").first).to_contain_text(re.compile("missbruk", re.IGNORECASE))
    expect(demo.hits.first.get_by_text("Därför visas träffen")).to_be_visible()


def test_a_suggested_need_filters_and_flags_permits_that_do_not_cover_it(demo: Demo) -> None:
    demo.open()
    demo.query.press_sequentially("självskad", delay=20)
    expect(demo.suggestions.get_by_role("option").first).to_contain_text("Självskadebeteende")
    demo.query.press("ArrowDown")
    body = demo.search_after(lambda: demo.query.press("Enter"))
    assert demo.log.searches()[-1]["needs"] == ["sjalvskadebeteende"]
    expect(demo.page.get_by_role("button", name="Ta bort filtret Behov: Självskadebeteende")).to_be_visible()
    expect(demo.query).to_have_value("")

    # Homes whose permit does not cover the need rank last: on the last page, the card must say so.
    last_page = math.ceil(body["total"] / 10)
    element = demo.page.locator("placeringssok-search")
    body = demo.search_after(lambda: element.evaluate("(el, n) => el._goToPage(n)", last_page))
    flagged = [i for i, hit in enumerate(body["hits"]) if hit["explanation"]["permit"]["messages"]]
    assert flagged, "no provider in the fixtures lacks a permit for självskadebeteende"
    card = demo.hits.nth(flagged[0])
    expect(card.locator("[part=warning]")).to_contain_text("Att kontrollera:")
    expect(card.locator("[part=warning]")).to_contain_text("Tillståndet omfattar inte självskadebeteende")


def test_school_picked_with_the_keyboard_alone_then_a_max_distance(demo: Demo) -> None:
    demo.open()
    keyboard = demo.page.keyboard
    demo.query.focus()
    keyboard.press("Tab")  # the search button
    keyboard.press("Tab")  # "Hoppa till sökresultaten"
    keyboard.press("Tab")
    expect(demo.school).to_be_focused()
    keyboard.type("Engelbrekts", delay=20)
    expect(demo.school_options.first).to_contain_text(SCHOOL_NAME)
    keyboard.press("ArrowDown")
    expect(demo.school_options.first).to_have_attribute("aria-selected", "true")
    near_school = demo.search_after(lambda: keyboard.press("Enter"))
    expect(demo.school).to_have_value(f"{SCHOOL_NAME}, Stockholm")
    expect(demo.page.get_by_text(f"Vald skola: {SCHOOL_NAME}, Stockholm")).to_be_visible()
    assert demo.log.searches()[-1]["school"] == school_code(SCHOOL_NAME)
    assert all(hit["distance_km"] is not None for hit in near_school["hits"])
    expect(demo.hits.first).to_contain_text("km från skolan")

    # On to the max distance, still by keyboard: past "Ta bort skolan" to the select, arrow to 40 km.
    keyboard.press("Tab")
    expect(demo.page.get_by_role("button", name="Ta bort skolan")).to_be_focused()
    keyboard.press("Tab")
    max_km = demo.page.get_by_label("Högst så här långt bort")
    expect(max_km).to_be_focused()
    keyboard.press("ArrowDown")  # 10 km
    keyboard.press("ArrowDown")  # 20 km
    within_40 = demo.search_after(lambda: keyboard.press("ArrowDown"), sent={"max_km": 40})
    expect(max_km).to_have_value("40")
    assert 0 < within_40["total"] < near_school["total"]
    assert all(hit["distance_km"] <= 40 for hit in within_40["hits"])
    expect(demo.status).to_contain_text(f"{within_40['total']} träffar")

    # With a school, "nearest first" becomes available and sorts by the shown distance.
    by_distance = demo.search_after(lambda: demo.page.get_by_label("Sortera").select_option("distance"))
    distances = [hit["distance_km"] for hit in by_distance["hits"]]
    assert distances == sorted(distances)
    first_distance = f"{distances[0]:.1f}".replace(".", ",")
    expect(demo.hits.first.locator(".facts")).to_contain_text(f"{first_distance} km från skolan")


def test_ticking_a_facet_changes_counts_and_results(demo: Demo) -> None:
    demo.open()
    types = demo.facet("Verksamhetsform")
    stodboende = types.get_by_role("checkbox", name=re.compile(r"^Stödboende \(\d+\)$"))
    count = int(re.findall(r"\d+", stodboende.evaluate("el => el.labels[0].textContent"))[0])
    target_groups_before = demo.facet("Målgrupp").inner_text()
    total_before = demo.total()

    stodboende.focus()
    body = demo.search_after(lambda: demo.page.keyboard.press("Space"))
    assert body["total"] == count < total_before
    assert demo.log.searches()[-1]["provider_types"] == ["stodboende"]
    expect(demo.status).to_contain_text(f"{count} träffar")
    expect(stodboende).to_be_checked()
    expect(stodboende).to_be_focused()  # the facets were redrawn; focus stays on the same checkbox
    assert {hit["provider_type"] for hit in body["hits"]} == {"stodboende"}
    for meta in demo.hits.locator(".meta").all_inner_texts():
        assert meta.startswith("Stödboende")
    assert demo.facet("Målgrupp").inner_text() != target_groups_before  # other facets count within the selection
    expect(demo.page.get_by_role("button", name="Ta bort filtret Verksamhetsform: Stödboende")).to_be_visible()

    # Unticking brings everything back.
    body = demo.search_after(lambda: demo.page.keyboard.press("Space"))
    assert body["total"] == total_before


def test_paging_to_page_two_and_back(demo: Demo) -> None:
    demo.open()
    # Past the search button, a skip link leads keyboard users over the facets straight to the hits.
    demo.page.get_by_role("button", name="Sök", exact=True).focus()
    demo.page.keyboard.press("Tab")
    skip = demo.page.get_by_role("button", name="Hoppa till sökresultaten")
    expect(skip).to_be_focused()
    demo.page.keyboard.press("Enter")
    expect(demo.page.get_by_role("heading", name="Sökresultat")).to_be_focused()

    first_page = demo.hits.get_by_role("heading", level=3).all_inner_texts()
    nav = demo.page.get_by_role("navigation", name="Sidor i sökresultatet")
    nav.get_by_role("button", name="Nästa sida").focus()
    body = demo.search_after(lambda: demo.page.keyboard.press("Enter"))
    assert body["page"] == 2
    assert demo.log.searches()[-1]["page"] == 2
    expect(demo.status).to_contain_text("sida 2 av")
    expect(nav.get_by_role("button", name="Sida 2", exact=True)).to_have_attribute("aria-current", "page")
    expect(demo.page.get_by_role("heading", name="Sökresultat")).to_be_focused()  # the reader starts at the top
    second_page = demo.hits.get_by_role("heading", level=3).all_inner_texts()
    assert second_page and not set(second_page) & set(first_page)

    body = demo.search_after(lambda: nav.get_by_role("button", name="Föregående sida").click())
    assert body["page"] == 1
    assert demo.hits.get_by_role("heading", level=3).all_inner_texts() == first_page
    expect(nav.get_by_role("button", name="Föregående sida")).to_be_disabled()


def test_api_down_is_explained_in_swedish_and_can_be_retried(demo: Demo) -> None:
    demo.open()
    demo.page.route(
        "**/v1/providers/search",
        lambda route: route.fulfill(status=503, headers={"Retry-After": "30"}, json={"detail": "down"}),
    )
    demo.query.fill("trauma")
    demo.query.press("Enter")
    expect(demo.error).to_have_text(re.compile(r"Sökningen är tillfälligt otillgänglig\. Försök igen om cirka 30"))
    # The previous results stay on screen, and the status says they are the previous ones.
    expect(demo.status).to_have_text("Sökningen misslyckades. Träffarna nedan är från den förra sökningen.")
    expect(demo.hits.first).to_be_visible()

    demo.page.unroute("**/v1/providers/search")
    body = demo.search_after(lambda: demo.error.get_by_role("button", name="Försök igen").click())
    assert body["total"] > 0
    expect(demo.error).to_be_empty()


def test_network_failure_says_the_service_cannot_be_reached(demo: Demo) -> None:
    demo.open()
    demo.page.route("**/v1/providers/search", lambda route: route.abort("connectionrefused"))
    demo.query.fill("trauma")
    demo.query.press("Enter")
    expect(demo.error).to_contain_text("Det gick inte att nå Placeringssök.")


def test_bad_key_and_invalid_request_get_clear_messages(demo: Demo) -> None:
    demo.open()
    element = demo.page.locator("placeringssok-search")
    element.evaluate("el => el.setAttribute('api-key', 'fel-nyckel')")
    expect(demo.error).to_contain_text("ogiltig eller saknad API-nyckel")

    element.evaluate("el => { el.removeAttribute('api-key'); el.setAttribute('county', '99'); }")
    expect(demo.error).to_contain_text("Sökningen kunde inte göras")
    expect(demo.error).to_contain_text("Län: not a county code")


def test_no_hits_and_impossible_distances_are_explained(demo: Demo) -> None:
    demo.open()
    demo.query.fill("xyzzyqvarn")
    demo.search_after(lambda: demo.query.press("Enter"))
    expect(demo.status).to_have_text("Inga träffar")
    expect(demo.page.get_by_text("Inga verksamheter matchar sökningen.")).to_be_visible()

    # "at most 20 km" but "at least 50 km" is caught before asking the API.
    demo.school.press_sequentially("Engelbrekts", delay=20)
    demo.school_options.first.wait_for()
    demo.school.press("ArrowDown")
    demo.search_after(lambda: demo.school.press("Enter"))
    sent = len(demo.log.searches())
    demo.search_after(lambda: demo.page.get_by_label("Högst så här långt bort").select_option("20"))
    demo.page.get_by_label("Minst så här långt bort").select_option("50")
    expect(demo.error).to_contain_text("”Högst” (20 km) måste vara längre än ”Minst” (50 km)")
    expect(demo.page.get_by_label("Minst så här långt bort")).to_have_attribute("aria-invalid", "true")
    assert len(demo.log.searches()) == sent + 1  # the 20 km search went out; the impossible one did not
