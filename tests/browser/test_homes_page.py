"""The page where homes confirm their free places: keyboard only, two clicks, axe-clean, own homes only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from core.settings import ApiKey
from search_api.app import create_app
from tests.browser.conftest import describe_violations, serving
from tests.conftest import CASEWORKER_KEY, PROVIDERS, build_embedded, test_settings

pytestmark = pytest.mark.browser

AGENCY_KEY = "test-agency-key"
FAMILY_KEY = "test-family-key"


def _homes() -> dict[str, dict[str, Any]]:
    records = [json.loads(line) for line in PROVIDERS.read_text(encoding="utf-8").splitlines() if line.strip()]
    gone = {r["id"] for r in records if r.get("deleted")}
    newest: dict[str, dict[str, Any]] = {}
    for r in records:  # an export may hold a home twice: the newer record is the one indexed
        if not r.get("deleted") and r["updated_at"] >= newest.get(r["id"], r)["updated_at"]:
            newest[r["id"]] = r
    # Searches leave out revoked permits by default (permit_valid): pick homes every search can find.
    alive = [
        r for r in newest.values() if r["id"] not in gone and (r.get("ivo_permit") or {}).get("status") != "aterkallat"
    ]
    hvb = next(r for r in alive if r["provider_type"] == "hvb" and 3 <= r["capacity"] <= 10)
    families = [r for r in alive if r["provider_type"] == "familjehem"]
    return {"hvb": hvb, "family": families[0], "other_family": families[1]}


HOMES = _homes()


@dataclass
class HomesPage:
    page: Page
    base_url: str

    def open(self) -> HomesPage:
        self.page.goto(self.base_url + "/embed/platser")
        return self

    def sign_in_by_keyboard(self, key: str) -> None:
        field = self.page.get_by_label("Ert hems nyckel")
        field.focus()
        self.page.keyboard.type(key)
        self.page.keyboard.press("Enter")
        expect(self.page.get_by_role("heading", level=2)).to_be_focused()

    def home(self, name: str) -> Any:
        return self.page.locator("placeringssok-platser li.home").filter(
            has=self.page.get_by_role("heading", name=name, exact=True)
        )

    def focused_text(self) -> str:
        return str(
            self.page.evaluate(
                "() => { const e = document.querySelector('placeringssok-platser').shadowRoot.activeElement;"
                " return e ? (e.textContent || e.value || '') + '|' + e.tagName : ''; }"
            )
        )

    def violations(self) -> list[dict[str, Any]]:
        from tests.browser.conftest import axe_violations

        return axe_violations(self.page)


@pytest.fixture(scope="module")
def homes_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir: Path = tmp_path_factory.mktemp("homes-page")
    build_embedded(data_dir)
    keys = {
        **test_settings(data_dir).api_keys,
        AGENCY_KEY: ApiKey(role="provider", providers=[HOMES["hvb"]["id"], HOMES["family"]["id"]], name="byra"),
        FAMILY_KEY: ApiKey(role="provider", providers=[HOMES["other_family"]["id"]], name="familj"),
    }
    with serving(create_app(test_settings(data_dir, api_keys=keys))) as url:
        yield url


@pytest.fixture
def homes_page(browser: Browser, homes_app: str) -> Iterator[HomesPage]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE", service_workers="block")
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield HomesPage(page, homes_app)
    context.close()
    assert not errors, errors


def _caseworker_sees(base_url: str, home: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(
        f"{base_url}/v1/providers/search",
        json={"municipality_codes": [home["municipality_code"]], "size": 100},
        headers={"X-API-Key": CASEWORKER_KEY},
    )
    return next(h for h in response.json()["hits"] if h["id"] == home["id"])


def test_a_home_confirms_with_the_keyboard_only_and_caseworkers_see_it(homes_page: HomesPage) -> None:
    page = homes_page.open()
    violations = page.violations()
    assert not violations, describe_violations(violations)
    page.sign_in_by_keyboard(AGENCY_KEY)
    homes = page.page.locator("placeringssok-platser li.home")
    expect(homes).to_have_count(2)
    violations = page.violations()
    assert not violations, "with the homes listed:\n" + describe_violations(violations)

    hvb = page.home(HOMES["hvb"]["name"])
    first_radio = hvb.get_by_role("radio").first
    first_radio.focus()
    # Arrow keys move through the numbers (the radio group), Tab leaves it for the date and the button.
    page.page.keyboard.press("Home")
    for _ in range(2):
        page.page.keyboard.press("ArrowRight")
    expect(hvb.get_by_role("radio", name="2", exact=True)).to_be_checked()
    for _ in range(8):
        page.page.keyboard.press("Tab")
        if page.focused_text().endswith("|BUTTON"):
            break
    assert page.focused_text() == "Bekräfta 2 lediga platser|BUTTON"
    page.page.keyboard.press("Enter")
    expect(hvb.get_by_role("status")).to_contain_text("Sparat: 2 lediga platser")
    expect(hvb.locator("p.state")).to_contain_text("Bekräftat i dag")

    hit = _caseworker_sees(page.base_url, HOMES["hvb"])
    assert hit["vacancies"] == 2 and hit["vacancy"]["status"] == "ja" and hit["vacancy"]["confirmed_by"] == "hemmet"
    violations = page.violations()
    assert not violations, "after a confirmation:\n" + describe_violations(violations)


def test_two_clicks_confirm_a_family_home_as_full(homes_page: HomesPage) -> None:
    page = homes_page.open()
    page.sign_in_by_keyboard(AGENCY_KEY)
    family = page.page.locator("placeringssok-platser li.home").nth(1)
    family.get_by_role("radio", name="0", exact=True).click()
    family.get_by_role("button", name="Bekräfta inga lediga platser").click()
    expect(family.get_by_role("status")).to_contain_text("Sparat: inga lediga platser")
    hit = _caseworker_sees(page.base_url, HOMES["family"])
    assert hit["vacancies"] == 0 and hit["vacancy"]["status"] == "nej"
    # A family home is listed by its neutral name, never the family's.
    assert "Familjen" not in page.page.locator("placeringssok-platser").inner_text()


def test_a_family_home_sees_only_its_own(homes_page: HomesPage) -> None:
    page = homes_page.open()
    page.sign_in_by_keyboard(FAMILY_KEY)
    homes = page.page.locator("placeringssok-platser li.home")
    expect(homes).to_have_count(1)
    text = homes.inner_text()
    assert HOMES["other_family"]["municipality"] in text
    assert HOMES["hvb"]["name"] not in page.page.locator("placeringssok-platser").inner_text()


def test_a_wrong_key_is_told_in_swedish(homes_page: HomesPage) -> None:
    page = homes_page.open()
    field = page.page.get_by_label("Ert hems nyckel")
    field.fill("fel-nyckel")
    field.press("Enter")
    expect(page.page.get_by_role("alert")).to_contain_text("Nyckeln känns inte igen")
    caseworker = page.page.get_by_label("Ert hems nyckel")
    caseworker.fill(CASEWORKER_KEY)
    caseworker.press("Enter")
    expect(page.page.get_by_role("alert")).to_contain_text("hör inte till ett hem")
