"""Opaque public ids: what callers see instead of a register's own provider ids.

Register ids are often sequential, so gaps between the ids a public caller can open would reveal
which ids are family homes. Every id leaving the API is therefore the register id encrypted with
AES-SIV (deterministic, authenticated encryption, from ``cryptography``) under a key only the API
holds, written in base64url: the same home keeps the same public id across reindexes and engines,
the ids say nothing about each other, and a made-up or altered id fails authentication and is
simply not found. Decrypting, not a stored lookup table, takes a public id back to the register id,
so neither engine's index changes.

``PublicIdBackend`` wraps whichever engine runs: hits come out with public ids and ``get`` takes
one, so everything above the backend (shaping, routes, the audit log) sees public ids only.

The key is ``PLACERINGSSOK_PUBLIC_ID_KEY`` or, when unset, ``<data_dir>/public-id.key`` (64 random
bytes, made on first start). Every API instance must share it; a new key gives every home a new id.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from dataclasses import replace
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from core.settings import Settings
from core.vacancies import Confirmation
from search_api.backends import BackendResult, Readiness, SearchBackend
from search_api.plan import SearchPlan

KEY_FILE = "public-id.key"
# base64url of AES-SIV's 16-byte tag plus a register id of 1-64 characters.
PUBLIC_ID_PATTERN = r"^[A-Za-z0-9_-]{22,108}$"


def _stored_key(data_dir: Path) -> bytes:
    path = data_dir / KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        draft = data_dir / f".{KEY_FILE}.{os.getpid()}"
        draft.write_bytes(secrets.token_bytes(64))
        draft.chmod(0o600)
        try:
            os.link(draft, path)  # atomic and exclusive: a second worker starting now reads the first's key
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_bytes()


class PublicIds:
    def __init__(self, key_material: bytes) -> None:
        # Any secret text or bytes of at least 32 bytes; SHA-512 makes it AES-256-SIV's 64-byte key.
        if len(key_material) < 32:
            raise ValueError("the public id key must be at least 32 bytes; make one with: openssl rand -base64 48")
        self._cipher = AESSIV(hashlib.sha512(key_material).digest())

    @classmethod
    def from_settings(cls, settings: Settings) -> PublicIds:
        if settings.public_id_key is not None:
            return cls(settings.public_id_key.get_secret_value().encode())
        return cls(_stored_key(settings.data_dir))

    def public(self, register_id: str) -> str:
        return base64.urlsafe_b64encode(self._cipher.encrypt(register_id.encode(), None)).rstrip(b"=").decode()

    def register(self, public_id: str) -> str | None:
        """The register id behind a public id, or None for an id this service never gave out."""
        try:
            sealed = base64.urlsafe_b64decode(public_id + "=" * (-len(public_id) % 4))
            return self._cipher.decrypt(sealed, None).decode()
        except (InvalidTag, ValueError, binascii.Error, UnicodeDecodeError):
            return None


class PublicIdBackend:
    """Any engine, seen through public ids."""

    def __init__(self, engine: SearchBackend, ids: PublicIds) -> None:
        self.engine = engine
        self.ids = ids

    def _published(self, source: dict[str, Any]) -> dict[str, Any]:
        return {**source, "id": self.ids.public(source["id"])}

    async def search(self, plan: SearchPlan) -> BackendResult:
        result = await self.engine.search(plan)
        return replace(result, hits=[replace(hit, source=self._published(hit.source)) for hit in result.hits])

    async def get(self, provider_id: str, visible_types: frozenset[str]) -> dict[str, Any] | None:
        register_id = self.ids.register(provider_id)
        if register_id is None:
            return None
        source = await self.engine.get(register_id, visible_types)
        return None if source is None else self._published(source)

    async def suggest_names(self, prefix: str, visible_types: frozenset[str], limit: int) -> list[str]:
        return await self.engine.suggest_names(prefix, visible_types, limit)

    async def readiness(self) -> Readiness:
        return await self.engine.readiness()

    async def close(self) -> None:
        await self.engine.close()

    async def apply_confirmation(self, confirmation: Confirmation) -> None:
        # Confirmations carry register ids, as the ledger and the engines hold them.
        await self.engine.apply_confirmation(confirmation)
