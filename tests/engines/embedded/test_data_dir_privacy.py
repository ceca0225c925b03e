"""Scan the whole data dir: a confidential home's exact position and contacts never entered it."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import orjson
import pytest
import tantivy

from core.geography import municipalities
from core.text_analysis import TEXT_FIELDS, terms
from engines.embedded.columns import ColumnStore
from engines.embedded.sources import SourceStore
from engines.embedded.text_index import open_index
from engines.embedded.versions import IndexVersions
from tests.support.privacy_secrets import Secret, secrets_of


@pytest.fixture(scope="module")
def secrets(raw_fixture_records: list[dict[str, Any]]) -> list[Secret]:
    return secrets_of(raw_fixture_records)


def _all_bytes(data_dir: Path) -> list[tuple[Path, bytes]]:
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    assert len(files) > 5
    return [(p, p.read_bytes()) for p in files]


def _pair_near(blob: bytes, first: bytes, second: bytes, window: int = 200) -> bool:
    """Both halves of a coordinate close together: one number alone can be a coincidence."""
    start = blob.find(first)
    while start != -1:
        if second in blob[max(0, start - window) : start + window]:
            return True
        start = blob.find(first, start + 1)
    return False


def test_no_secret_string_or_exact_coordinate_in_any_file(embedded_data_dir: Path, secrets: list[Secret]) -> None:
    blobs = _all_bytes(embedded_data_dir)
    for secret in secrets:
        # Exact coordinates as text (as the export wrote them) and as the float64 a column would hold.
        pairs = [
            (f"{secret.lat:.5f}".encode(), f"{secret.lon:.5f}".encode()),
            (f"{secret.lat:.4f}".encode(), f"{secret.lon:.4f}".encode()),
            (struct.pack("<d", secret.lat), struct.pack("<d", secret.lon)),
            (struct.pack("<d", round(secret.lat, 6)), struct.pack("<d", round(secret.lon, 6))),
        ]
        for path, blob in blobs:
            for text in secret.strings:
                assert text.encode() not in blob, f"{secret.id}: {text!r} found in {path}"
            for lat, lon in pairs:
                assert not _pair_near(blob, lat, lon), f"{secret.id}: exact position found in {path}"


def test_stored_documents_and_columns_hold_only_the_municipality_seat(
    embedded_data_dir: Path, secrets: list[Secret]
) -> None:
    live = IndexVersions(embedded_data_dir / "embedded").live_dir()
    sources = SourceStore.open(live / "sources")
    by_id = {s.id: s for s in secrets}
    checked = 0
    for row in range(sources.built_rows):
        source = sources.document(row)
        if source["id"] not in by_id:
            continue
        checked += 1
        seat = municipalities()[source["municipality_code"]]
        assert (source["location"]["lat"], source["location"]["lon"]) == (round(seat.lat, 6), round(seat.lon, 6))
        text = orjson.dumps(source).decode()
        for secret_string in by_id[source["id"]].strings:
            assert secret_string not in text
    assert checked == len(secrets)
    columns = ColumnStore.load(live / "columns")
    codes = columns.codes("municipality_code")
    for row, provider_id in enumerate(columns.id_array()):
        if provider_id.decode() in by_id:
            seat = municipalities()[columns.keyword_values["municipality_code"][codes[row]]]
            assert columns.numbers["lat"][row] == round(seat.lat, 6)
            assert columns.numbers["lon"][row] == round(seat.lon, 6)


def test_family_names_are_not_searchable_terms_of_their_home(embedded_data_dir: Path, secrets: list[Secret]) -> None:
    """Compressed stores hide strings from a byte scan, so ask the term index itself."""
    live = IndexVersions(embedded_data_dir / "embedded").live_dir()
    index = open_index(live / "text")
    index.reload()
    searcher = index.searcher()
    schema = index.schema
    columns = ColumnStore.load(live / "columns")
    sources = SourceStore.open(live / "sources")
    for secret in secrets:
        row = columns.row_of(secret.id)
        assert row is not None, secret.id
        source = sources.document(row)
        # Words of the neutral public label ("Skyddat boende i ...") are not secrets.
        public_tokens = set(terms(source["name"]))
        for surname in secret.surnames:
            for token in set(terms(surname)) - public_tokens:
                for field in TEXT_FIELDS:
                    query = tantivy.Query.term_query(schema, field, token).and_must_match(
                        tantivy.Query.term_query(schema, "id", secret.id)
                    )
                    assert not searcher.search(query, limit=1).hits, (secret.id, field, token)
