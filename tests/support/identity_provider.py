"""A local OpenID Connect identity provider for tests: a key pair, its JWKS file, and signed tokens."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER = "https://idp.testkommun.example.se/realms/socialtjanst"
AUDIENCE = "placeringssok"


@dataclass
class IdentityProvider:
    key: rsa.RSAPrivateKey
    kid: str
    jwks_path: Path

    @classmethod
    def create(cls, directory: Path, kid: str = "test-key-1") -> IdentityProvider:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
        public.update(kid=kid, use="sig", alg="RS256")
        jwks_path = directory / "jwks.json"
        jwks_path.write_text(json.dumps({"keys": [public]}), encoding="utf-8")
        return cls(key=key, kid=kid, jwks_path=jwks_path)

    def token(self, key: rsa.RSAPrivateKey | None = None, **overrides: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "handlaggare-4711",
            "org": "Testkommun socialtjänst",
            "roles": ["caseworker"],
            "iat": now,
            "exp": now + 300,
        }
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": self.kid})

    def settings(self) -> dict[str, object]:
        return {"oidc_issuer": ISSUER, "oidc_audience": AUDIENCE, "oidc_jwks": str(self.jwks_path)}
