"""The API docs with the network blocked, and the iframe fallback sizing itself on a portal page."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Route, expect

from tests.browser.conftest import Demo, Portal

pytestmark = pytest.mark.browser


def test_docs_render_with_every_other_host_blocked(demo: Demo) -> None:
    own = urlsplit(demo.base_url).netloc
    elsewhere: list[str] = []

    def only_our_origin(route: Route) -> None:
        if urlsplit(route.request.url).netloc == own:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort("internetdisconnected")

    demo.page.route("**/*", only_our_origin)
    demo.page.goto(demo.base_url + "/docs")
    expect(demo.page.locator(".swagger-ui .info .title")).to_contain_text("Placeringssök")
    expect(demo.page.locator("#operations-providers-search_providers")).to_be_visible()
    # The headline example is among the request examples.
    demo.page.locator("#operations-providers-search_providers").click()
    expect(
        demo.page.locator(
            "#operations-providers-search_providers select.examples-select__select, "
            "#operations-providers-search_providers .examples-select"
        )
    ).to_have_count(1)
    assert elsewhere == [], elsewhere
    assert demo.log.console_errors == [] or all("Content Security Policy" not in e for e in demo.log.console_errors)


def test_the_iframe_fallback_tells_the_portal_its_height(demo: Demo, portal: Portal) -> None:
    api = demo.base_url
    portal.pages["/ram"] = f"""<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>Ram</title>
<link rel="icon" href="data:,"></head><body><main><h1>Hitta placering</h1>
<iframe id="pls" src="{api}/embed/frame?county=07" title="Placeringssök"
        style="width:100%;height:200px;border:0"></iframe>
<script>
window.addEventListener('message', (event) => {{
  if (event.origin === '{api}' && event.data && event.data.type === 'placeringssok:height') {{
    document.getElementById('pls').style.height = event.data.height + 'px';
  }}
}});
</script></main></body></html>"""
    demo.page.goto(portal.origin + "/ram")
    frame = demo.page.frame_locator("#pls")
    expect(frame.locator("placeringssok-search li.hit").first).to_be_visible()
    iframe = demo.page.locator("#pls")
    demo.page.wait_for_function("() => document.getElementById('pls').getBoundingClientRect().height > 600")
    inner = demo.page.frames[1].evaluate("() => document.documentElement.scrollHeight")
    box = iframe.bounding_box()
    assert box is not None and abs(box["height"] - inner) <= 2, (box, inner)
