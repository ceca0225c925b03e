"""The indexer never repeats what a record holds: recognisable values go in, none comes out.

A register may put a family's name and street address in any field, the id included, and the
indexer's output lands in terminals, cron mail and log collectors.
"""

from __future__ import annotations

import json
import logging
import socket
from pathlib import Path
from typing import Any

import pytest

from indexer.geocoding import AddressGeocoder, address_key
from indexer.source import parse_line
from tests.indexer.test_cli import cli, fixture_records, reindex, write_lines

FAMILY = "Bergqvist-Sundström"
STREET = "Hemligvägen 42"
ADDRESS = f"{STREET}, 352 36 Växjö"
# Values that are wrong in ways each validator or normaliser reports.
SECRETS = (FAMILY, STREET, "Hemligv", "qqx", "9876", "123.4567", "14.12345", "56.65432", "Okand_Nyckel")


def _records() -> list[dict[str, Any]]:
    records = fixture_records()
    hvb = next(r for r in records if r["provider_type"] == "hvb")
    family_home = next(r for r in records if r["provider_type"] == "familjehem")
    return [
        hvb | {"id": f"{FAMILY} {ADDRESS}"},
        hvb | {"id": "echo-2", "location": {"address": ADDRESS}},  # not in the cache, geocoding off
        family_home | {"id": "echo-3", "location": {"address": ADDRESS}, "languages": ["qqx"]},
        hvb | {"id": "echo-4", "municipality_code": "9876"},
        hvb | {"id": "echo-5", "location": {"lat": 123.4567, "lon": 14.1}},
        hvb | {"id": "echo-6", "location": {"lat": 14.12345, "lon": 56.65432}},  # swapped: outside Sweden
        hvb | {"id": "echo-7", "Okand_Nyckel": FAMILY},
        hvb | {"id": "echo-8", "name": 7, "organization": ["Bergqvist-Sundström"], "age_min": "Hemligvägen 42"},
        {"id": FAMILY, "deleted": "yes", "updated_at": "igår"},
        {"not json": ADDRESS},
    ]


def _assert_silent(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} was echoed:\n{text}"


def test_no_command_echoes_a_record(tmp_path: Path) -> None:
    reindex(tmp_path, write_lines(tmp_path / "good.jsonl", fixture_records()[:20]))
    records = _records()
    source = write_lines(tmp_path / "export.jsonl", records)
    with source.open("a", encoding="utf-8") as f:
        f.write(f'{{"id": "{FAMILY}", "name": "{ADDRESS}" \n')  # broken JSON
    for done in (
        cli(tmp_path, "validate", "--source", str(source), check=False),
        reindex(tmp_path, source, check=False),
        reindex(tmp_path, source, extra=("--max-errors", "100%", "--allow-shrink"), check=False),
        cli(tmp_path, "sync", "--source", str(source), "--max-errors", "100%", check=False),
    ):
        assert done.stdout.count("(id #") + done.stderr.count("(id #") >= len(records) - 1, done.stderr
        _assert_silent(done.stdout + done.stderr)


def test_no_geocoding_answer_echoes_the_address(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    cache = tmp_path / "cache.json"
    cache.write_text(json.dumps({address_key(ADDRESS): None}), encoding="utf-8")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    hvb = next(r for r in fixture_records() if r["provider_type"] == "hvb")
    geocoders = (
        AddressGeocoder(cache, service="none"),  # cached as "no match"
        AddressGeocoder(None, service="none"),  # not cached, geocoding off
        AddressGeocoder(None, service="nominatim", service_options={"domain": f"127.0.0.1:{closed}", "scheme": "http"}),
    )
    for geocoder in geocoders:
        line = json.dumps(hvb | {"location": {"address": ADDRESS}}).encode()
        result = parse_line("export.jsonl", 3, line, geocoder)
        [problem] = result.problems
        assert problem.field == "location.address"
        _assert_silent(str(problem))
    _assert_silent(caplog.text)


def test_an_elasticsearch_rejection_is_reported_without_the_document() -> None:
    from engines.elasticsearch.writer import rejection

    info = {
        "_id": f"{FAMILY} 1",
        "error": {
            "type": "document_parsing_exception",
            "reason": f"failed to parse field [address]. Preview of field's value: '{ADDRESS}'",
            "caused_by": {"type": "illegal_argument_exception", "reason": f"{STREET} is not a number"},
        },
    }
    text = rejection("index", 400, info)
    assert "document_parsing_exception / illegal_argument_exception" in text and "(400)" in text
    _assert_silent(text)
