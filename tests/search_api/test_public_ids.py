"""Opaque public ids: callers never see a register id, and the ids say nothing about each other."""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from core.documents import IndexedProvider
from core.public_ids import PUBLIC_ID_PATTERN, PublicIds
from search_api.app import create_app
from tests.conftest import CASEWORKER_KEY, PUBLIC_KEY, test_settings


def _all_ids(client: TestClient, key: str, criteria: dict[str, object] | None = None) -> list[str]:
    ids: list[str] = []
    for page in range(1, 10):
        body = {"permit_valid": False, **(criteria or {}), "size": 100, "page": page}
        hits = client.post("/v1/providers/search", json=body, headers={"X-API-Key": key}).json()["hits"]
        ids += [hit["id"] for hit in hits]
        if len(hits) < 100:
            break
    return ids


def test_every_id_a_caller_sees_is_opaque_and_opens_its_home(
    embedded_data_dir: Path, tmp_path: Path, fixture_documents: list[IndexedProvider]
) -> None:
    register_ids = {doc["id"] for doc in fixture_documents}
    with TestClient(create_app(test_settings(embedded_data_dir, opaque_ids=True))) as client:
        seen = _all_ids(client, CASEWORKER_KEY)
        assert len(seen) == len(set(seen)) == 800
        assert all(re.match(PUBLIC_ID_PATTERN, i) for i in seen)
        assert not set(seen) & register_ids
        assert not any(r in i for i in seen for r in list(register_ids)[:50])
        opened = client.get(f"/v1/providers/{seen[0]}", headers={"X-API-Key": CASEWORKER_KEY})
        assert opened.status_code == 200 and opened.json()["id"] == seen[0]
        # A register id, or a public id altered by one character, opens nothing.
        some_register_id = sorted(register_ids)[0]
        assert client.get(f"/v1/providers/{some_register_id}", headers={"X-API-Key": CASEWORKER_KEY}).status_code == 404
        altered = seen[0][:-2] + ("A" if seen[0][-2] != "A" else "B") + seen[0][-1]
        assert client.get(f"/v1/providers/{altered}", headers={"X-API-Key": CASEWORKER_KEY}).status_code == 404
        # The public role cannot open a family home by its public id either.
        family_home = _all_ids(client, CASEWORKER_KEY, {"provider_types": ["familjehem"]})[0]
        assert client.get(f"/v1/providers/{family_home}", headers={"X-API-Key": PUBLIC_KEY}).status_code == 404
        public = _all_ids(client, PUBLIC_KEY)
        assert family_home not in public and set(public) < set(seen)
    # The same key (the data dir's) gives the same ids on the next start; another key, other ids.
    with TestClient(create_app(test_settings(embedded_data_dir, opaque_ids=True))) as again:
        assert _all_ids(again, CASEWORKER_KEY) == seen
    other_key = test_settings(embedded_data_dir, opaque_ids=True, public_id_key="another key of at least 32 bytes!!")
    with TestClient(create_app(other_key)) as other:
        assert not set(_all_ids(other, CASEWORKER_KEY)) & set(seen)


def test_sequential_register_ids_get_unrelated_public_ids() -> None:
    ids = PublicIds(b"k" * 32)
    register = [f"prv-{n:06d}" for n in range(1, 201)]
    public = [ids.public(r) for r in register]
    assert [ids.register(p) for p in public] == register
    assert sorted(public) != public  # no order carried over
    # Neighbours share no more leading characters than random strings would.
    shared = [next((n for n, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), 0) for a, b in pairwise(public)]
    assert max(shared) <= 4 and sum(shared) / len(shared) < 0.5
    assert ids.register("not-an-id-we-gave-out-at-all-xx") is None


def test_production_mode_refuses_register_ids(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="not allowed in production"):
        test_settings(tmp_path, production=True, opaque_ids=False)
