"""The embed routes over HTTP (no browser needed): content types, caching, CSP, and what the script avoids."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from search_api.app import create_app
from search_api.routes.embed import SCRIPT_FACETS_MARKER, script_facets
from tests.conftest import PORTAL_ORIGIN, ROOT, test_settings

SCRIPT = ROOT / "search_api" / "embed" / "placeringssok.js"


@pytest.fixture(scope="module")
def client(embedded_data_dir: Path) -> Iterator[TestClient]:
    with TestClient(create_app(test_settings(embedded_data_dir))) as c:
        yield c


class Outline(HTMLParser):
    """The tags, attributes and title of a page, enough to check its skeleton."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def outline(html: str) -> Outline:
    parser = Outline()
    parser.feed(html)
    return parser


def test_script_is_served_as_javascript_with_cache_validation(client: TestClient) -> None:
    response = client.get("/embed/placeringssok.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert "max-age=" in response.headers["cache-control"]
    assert response.headers["x-content-type-options"] == "nosniff"
    # The file as written, with the facet registry's checkbox groups where its marker was.
    before, after = SCRIPT.read_bytes().split(SCRIPT_FACETS_MARKER)
    assert response.content.startswith(before) and response.content.endswith(after)
    assert json.loads(response.content[len(before) : -len(after)]) == script_facets()
    etag = response.headers["etag"]
    again = client.get("/embed/placeringssok.js", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert client.head("/embed/placeringssok.js").status_code == 200


def test_script_keeps_the_privacy_and_csp_rules() -> None:
    source = SCRIPT.read_text(encoding="utf-8")
    for forbidden in ("localStorage", "sessionStorage", "document.cookie", "indexedDB", "eval(", "new Function"):
        assert forbidden not in source, f"the embed script uses {forbidden}"
    assert "innerHTML" not in source and "insertAdjacentHTML" not in source  # highlights go through a parser
    assert "method: 'GET'" not in source and source.count("method: 'POST'") == 1
    # No third-party address: the only URLs are the example in the header comment and the SVG
    # namespace (a name, never fetched).
    allowed = {"https://API/embed/placeringssok.js", "http://www.w3.org/2000/svg"}
    assert set(re.findall(r"https?://[^\s'\"`)]+", source)) <= allowed


def test_demo_page_is_a_portal_page_with_one_script_tag(client: TestClient) -> None:
    response = client.get("/demo")
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'self'" in policy and "unsafe" not in policy
    page = outline(response.text)
    assert page.all("html") == [{"lang": "sv"}]
    assert page.title.strip()
    assert len(page.all("main")) == 1 and len(page.all("h1")) == 1
    assert [s.get("src") for s in page.all("script")] == [client.get("/embed/integrity.json").json()["src"]]
    assert len(page.all("placeringssok-search")) == 1


def test_iframe_fallback_takes_presentation_settings_only(client: TestClient) -> None:
    response = client.get("/embed/frame", params={"county": "07", "facets": "provider_type, methods"})
    assert response.status_code == 200
    element = outline(response.text).all("placeringssok-search")
    assert element == [{"county": "07", "facets": "provider_type,methods", "resize-parent": None}]
    policy = response.headers["content-security-policy"]
    # The portals registered for a key may frame it; nobody else.
    assert policy.endswith(f"frame-ancestors 'self' {PORTAL_ORIGIN}")
    assert client.get("/embed/frame", params={"county": "7x"}).status_code == 422
    unknown = client.get("/embed/frame", params={"facets": "provider_type,school"})
    # Named as a parameter with what to choose from; the value itself is not quoted back.
    assert unknown.status_code == 400 and "facets: unknown facet name" in unknown.json()["detail"]
    assert "school" not in unknown.json()["detail"]


def test_embed_routes_stay_out_of_the_api_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith(("/embed", "/demo"))]
