"""Addresses to coordinates: from the cache, or a clear rejection; never a provider at 0,0."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from core.errors import GeocodingFailed
from indexer.geocoding import AddressGeocoder, address_key
from indexer.source import parse_line
from tests.conftest import PROVIDERS


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_cached_answers_need_no_network(tmp_path: Path) -> None:
    cache = tmp_path / "cache.json"
    cache.write_text(json.dumps({address_key("Storgatan 1, Växjö"): [56.88, 14.81], address_key("Ingenstans 9"): None}))
    geocoder = AddressGeocoder(cache, service="none")
    assert geocoder.locate("  storgatan 1,   VÄXJÖ ") == (56.88, 14.81)
    with pytest.raises(GeocodingFailed, match="no match"):
        geocoder.locate("Ingenstans 9")
    with pytest.raises(GeocodingFailed, match="PLACERINGSSOK_GEOCODER=none"):
        geocoder.locate("Okänd väg 3, Umeå")


def test_an_unreachable_service_rejects_the_record_with_a_reason(tmp_path: Path) -> None:
    geocoder = AddressGeocoder(
        tmp_path / "cache.json",
        service="nominatim",
        service_options={"domain": f"127.0.0.1:{_closed_port()}", "scheme": "http"},
    )
    record = json.loads(PROVIDERS.read_text(encoding="utf-8").splitlines()[1])
    record |= {"provider_type": "hvb", "location": {"address": "Kvarngatan 7, 821 43 Bollnäs"}}
    result = parse_line("export.jsonl", 7, json.dumps(record).encode(), geocoder)
    assert result.document is None
    [problem] = result.problems
    assert problem.line == 7 and problem.field == "location.address"
    assert "could not be reached" in problem.reason and "lat/lon" in problem.reason
    geocoder.save()
    assert not (tmp_path / "cache.json").exists(), "a failure is not an answer to cache"
