"""``StoredProvider`` is the JSON form of ``IndexedProvider``: what backends give the query side."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
from pydantic import TypeAdapter
from typing_extensions import get_type_hints

from core.documents import IndexedProvider, StoredProvider
from core.vocabularies import ProviderType
from engines.embedded.search import EmbeddedBackend

STORED_PROVIDER: TypeAdapter[StoredProvider] = TypeAdapter(StoredProvider)
EVERY_TYPE = frozenset(str(t) for t in ProviderType)


def test_the_stored_form_has_the_indexed_fields() -> None:
    assert set(get_type_hints(StoredProvider)) == set(get_type_hints(IndexedProvider))


def test_every_document_in_json_is_a_stored_provider(fixture_documents: list[IndexedProvider]) -> None:
    fields = set(get_type_hints(StoredProvider))
    for doc in fixture_documents:
        stored = orjson.loads(orjson.dumps(doc))
        assert set(stored) == fields, doc["id"]
        STORED_PROVIDER.validate_python(stored, strict=True)  # strict: a date must be a string here


def test_the_embedded_backend_gives_the_stored_form(
    embedded_data_dir: Path, fixture_documents: list[IndexedProvider]
) -> None:
    backend = EmbeddedBackend(embedded_data_dir / "embedded")
    doc = fixture_documents[0]
    stored = asyncio.run(backend.get(doc["id"], EVERY_TYPE))
    assert stored == orjson.loads(orjson.dumps(doc))
    STORED_PROVIDER.validate_python(stored, strict=True)
