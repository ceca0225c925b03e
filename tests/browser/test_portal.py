"""The box on a portal of another origin: one script tag, the API key, CORS and the origin check, for real."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PORTAL_KEY, Demo, Portal, describe_violations
from tests.conftest import PORTAL_PUBLIC_KEY

pytestmark = pytest.mark.browser


def portal_page(api: str, key: str) -> str:
    """A municipal intranet page as its CMS would write it: the script tag and the element, nothing else."""
    return f"""<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><title>Intranätet – Hitta placering</title><link rel="icon" href="data:,">
<script src="{api}/embed/placeringssok.js" defer></script>
<style>
placeringssok-search {{ --pls-color-accent: #006400; --pls-font: Georgia, serif; }}
placeringssok-search::part(hit) {{ border-color: #006400; }}
</style></head>
<body><main><h1>Hitta placering</h1>
<placeringssok-search api-key="{key}" facets="provider_type,methods"></placeringssok-search>
</main></body></html>"""


def test_a_portal_on_another_origin_embeds_the_box_with_its_key(demo: Demo, portal: Portal) -> None:
    page = demo.page
    portal.pages["/intranat/placering"] = portal_page(demo.base_url, PORTAL_KEY)
    page.goto(portal.origin + "/intranat/placering")
    demo.wait_for_results()

    # The caseworker key was sent and accepted across origins: confidential forms are visible to it.
    types = demo.facet("Verksamhetsform")
    expect(types.get_by_role("checkbox", name=re.compile(r"^Familjehem \(\d+\)$"))).to_have_count(1)
    expect(demo.facet("Målgrupp")).to_have_count(0)
    api_calls = [r for r in demo.log.requests if "/v1/" in r.url]
    assert api_calls
    for request in api_calls:
        assert urlsplit(request.url).netloc == urlsplit(demo.base_url).netloc
        assert request.method in {"POST", "OPTIONS"}
    posts = [r for r in api_calls if r.method == "POST"]
    assert all(r.headers.get("x-api-key") == PORTAL_KEY for r in posts)
    assert demo.log.console_errors == [], demo.log.console_errors
    violations = demo.axe_violations()
    assert not violations, describe_violations(violations)

    # The portal's theme reaches into the shadow root through custom properties and ::part only.
    search_button = page.get_by_role("button", name="Sök", exact=True)
    expect(search_button).to_have_css("background-color", "rgb(0, 100, 0)")
    expect(search_button).to_have_css("font-family", "Georgia, serif")
    expect(demo.hits.first).to_have_css("border-top-color", "rgb(0, 100, 0)")

    # A key issued for another portal is refused here, and the box says so in Swedish.
    page.locator("placeringssok-search").evaluate(f"el => el.setAttribute('api-key', '{PORTAL_PUBLIC_KEY}')")
    expect(demo.error).to_contain_text("får inte användas på den här webbplatsen")
