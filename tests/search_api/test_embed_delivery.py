"""How the script reaches a portal: compressed, at a versioned long-cached URL, with an SRI hash."""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from search_api.app import create_app
from tests.conftest import test_settings


@pytest.fixture(scope="module")
def client(embedded_data_dir: Path) -> Iterator[TestClient]:
    with TestClient(create_app(test_settings(embedded_data_dir))) as c:
        yield c


def test_the_script_is_served_compressed_to_those_who_accept_it(client: TestClient) -> None:
    plain = client.get("/embed/placeringssok.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    raw = client.get("/embed/placeringssok.js", headers={"Accept-Encoding": "gzip, br"})
    assert raw.headers["content-encoding"] == "gzip" and "Accept-Encoding" in raw.headers["vary"]
    # httpx decodes for us; the bytes on the wire are the gzip of the plain script, a fraction of its size.
    assert raw.content == plain.content
    assert len(gzip.compress(plain.content)) < len(plain.content) / 2


def test_the_versioned_url_is_immutable_and_the_integrity_hash_matches(client: TestClient) -> None:
    tag = client.get("/embed/integrity.json").json()
    assert re.fullmatch(r"/embed/placeringssok\.[0-9a-f]{16}\.js", tag["src"])
    script = client.get(tag["src"], headers={"Accept-Encoding": "gzip"})
    assert script.status_code == 200
    assert "immutable" in script.headers["cache-control"] and "max-age=31536000" in script.headers["cache-control"]
    assert script.headers["access-control-allow-origin"] == "*"
    expected = "sha384-" + base64.b64encode(hashlib.sha384(script.content).digest()).decode()
    assert tag["integrity"] == expected
    assert client.get("/embed/placeringssok.0000000000000000.js").status_code == 404


def test_the_demo_page_uses_the_versioned_tag_with_integrity(client: TestClient) -> None:
    tag = client.get("/embed/integrity.json").json()
    page = client.get("/demo").text
    assert f'<script src="{tag["src"]}" integrity="{tag["integrity"]}" crossorigin="anonymous" defer>' in page
    assert tag["integrity"] in page.split("<pre>")[1], "the snippet shown to portals carries the hash"


def test_the_frame_asks_its_element_to_report_its_height(client: TestClient) -> None:
    assert "resize-parent" in client.get("/embed/frame").text


def test_the_map_boundaries_are_served_compressed_and_cached(client: TestClient) -> None:
    plain = client.get("/embed/sweden-areas.json", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and plain.headers["content-type"].startswith("application/json")
    assert len(plain.json()["municipalities"]) == 290 and len(plain.json()["counties"]) == 21
    with client.stream("GET", "/embed/sweden-areas.json", headers={"Accept-Encoding": "gzip"}) as answer:
        wire = b"".join(answer.iter_raw())
        assert answer.headers["content-encoding"] == "gzip"
        assert "max-age=" in answer.headers["cache-control"]
        etag = answer.headers["etag"]
    assert gzip.decompress(wire) == plain.content
    assert len(wire) < 200_000 and len(wire) < len(plain.content) / 2
    again = client.get("/embed/sweden-areas.json", headers={"If-None-Match": etag})
    assert again.status_code == 304
