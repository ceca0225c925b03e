"""The client libraries' own loggers, turned up to DEBUG, never write a search's criteria.

No server is needed: the clients log a request's body when it fails too, so a request to a closed
port on this machine goes through the libraries' real logging path.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from pathlib import Path

import elastic_transport
import pytest

from core.client_logs import ClientLogPrivacy, endpoint, without_names
from core.settings import Backend
from engines.elasticsearch.client import connect, connect_async
from tests.conftest import test_settings
from tests.support.debug_logs import everything_at_debug

# "lvskadebeteende": the JSON body may escape the "ä".
SECRETS = ("lvskadebeteende", "61.123456", "17.654321", "hvb-hemlig-17", "placeringssok-hemligt")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    return test_settings(
        tmp_path,
        backend=Backend.elasticsearch,
        elasticsearch_url=f"http://127.0.0.1:{_closed_port()}",
        elasticsearch_index="placeringssok-hemligt",
    )


QUERY = {
    "bool": {
        "must": [{"match": {"description": "självskadebeteende"}}],
        "filter": [{"geo_distance": {"distance": "12.5km", "location": {"lat": 61.123456, "lon": 17.654321}}}],
    }
}


def _sync_requests(settings) -> Callable[[], None]:  # type: ignore[no-untyped-def]
    def run() -> None:
        client = connect(settings)
        with pytest.raises(elastic_transport.ConnectionError):
            client.search(index=settings.elasticsearch_index, query=QUERY)
        with pytest.raises(elastic_transport.ConnectionError):
            client.get(index=settings.elasticsearch_index, id="hvb-hemlig-17")
        client.close()

    return run


def _async_requests(settings) -> Callable[[], None]:  # type: ignore[no-untyped-def]
    async def asking() -> None:
        client = connect_async(settings)
        try:
            with pytest.raises(elastic_transport.ConnectionError):
                await client.search(index=settings.elasticsearch_index, query=QUERY)
        finally:
            await client.close()

    return lambda: asyncio.run(asking())


@pytest.mark.parametrize("requests", [_sync_requests, _async_requests], ids=["indexer-client", "api-client"])
def test_client_loggers_at_debug_write_no_criteria(settings, requests, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    run = requests(settings)
    # The control: without the filter the library itself writes the criteria, so this test can fail.
    with monkeypatch.context() as patched, everything_at_debug() as unfiltered:
        patched.setattr(ClientLogPrivacy, "filter", lambda _self, _record: True)
        run()
    leaked = "\n".join(line.written for line in unfiltered.lines)
    assert "lvskadebeteende" in leaked and "61.123456" in leaked

    with everything_at_debug() as logged:
        run()
    assert any(line.logger == "elastic_transport.transport" for line in logged.lines), logged.lines
    for line in logged.lines:
        for secret in SECRETS:
            assert secret not in line.written, (secret, line)


def test_urls_keep_their_host_and_endpoint_only() -> None:
    assert endpoint("/providers-2026/_doc/hvb-17?refresh=true") == "/*/_doc/*"
    assert endpoint("/") == "/"
    assert without_names("POST http://es01:9200/providers/_search [status:200 duration:0.010s]") == (
        "POST http://es01:9200/*/_search [status:200 duration:0.010s]"
    )
    assert without_names('http://localhost:9200 "PUT /providers-x/_bulk?refresh=false HTTP/1.1" 200 12') == (
        'http://localhost:9200 "PUT /*/_bulk HTTP/1.1" 200 12'
    )
    assert without_names("Nominatim.geocode: https://geo.example/search?q=Storgatan+1") == (
        "Nominatim.geocode: https://geo.example/*"
    )
