"""Opaque public ids: what callers see instead of a register's own provider ids.

Register ids are often sequential, so gaps between the ids a public caller can open would reveal
which ids are family homes. Every id leaving the API is therefore the register id encrypted with
AES-SIV (deterministic, authenticated encryption, from ``cryptography``) under a key only the
service holds, written in base64url: the same home keeps the same public id across reindexes and
engines, the ids say nothing about each other, and a made-up or altered id fails authentication.
Decrypting, not a stored lookup table, takes a public id back to the register id, so neither
engine's index changes. The API translates (``search_api.public_ids``); the audit export can show
register ids for a review (``placeringssok audit --register-ids``).

The key is ``PLACERINGSSOK_PUBLIC_ID_KEY`` or, when unset, ``<data_dir>/public-id.key`` (64 random
bytes, made on first use). Every API instance must share it; a new key gives every home a new id.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from core.settings import Settings

KEY_FILE = "public-id.key"
# base64url of AES-SIV's 16-byte tag plus a register id of 1-64 characters.
PUBLIC_ID_PATTERN = r"^[A-Za-z0-9_-]{22,108}$"
# Ids remembered both ways (about 300 bytes each); past this, forgotten all at once and made again.
_REMEMBERED = 20_000


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
        # The encryption is deterministic, so the ids of homes shown lately are kept both ways: every
        # hit of every search is encrypted, and its public id decrypted again for the vacancy ledger.
        # Only ids this service made are kept; an id a caller brings is still authenticated.
        self._shown: dict[str, str] = {}
        self._known: dict[str, str] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> PublicIds:
        if settings.public_id_key is not None:
            return cls(settings.public_id_key.get_secret_value().encode())
        return cls(_stored_key(settings.data_dir))

    def public(self, register_id: str) -> str:
        shown = self._shown.get(register_id)
        if shown is None:
            sealed = self._cipher.encrypt(register_id.encode(), None)
            shown = base64.urlsafe_b64encode(sealed).rstrip(b"=").decode()
            if len(self._shown) >= _REMEMBERED:
                self._shown.clear()
                self._known.clear()
            self._shown[register_id] = shown
            self._known[shown] = register_id
        return shown

    def register(self, public_id: str) -> str | None:
        """The register id behind a public id, or None for an id this service never gave out."""
        known = self._known.get(public_id)
        if known is not None:
            return known
        try:
            sealed = base64.urlsafe_b64decode(public_id + "=" * (-len(public_id) % 4))
            return self._cipher.decrypt(sealed, None).decode()
        except (InvalidTag, ValueError, binascii.Error, UnicodeDecodeError):
            return None
