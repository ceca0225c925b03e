"""Caseworker sign-in: OpenID Connect bearer tokens from the municipality's identity provider.

PyJWT checks the signature against the identity provider's published keys (a JWKS, from a URL it
fetches and caches, or from a file), and the issuer, audience, expiry and not-before, allowing
``oidc_leeway_s`` of clock skew. The subject is ``sub``; the organisation is the claim named by
``oidc_org_claim``; the caller is a caseworker when the claim named by ``oidc_role_claim`` (a string
or a list) holds ``caseworker``. A failure is a ``TokenRefused`` whose message says what to do and
quotes nothing from the token.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

from core.settings import Settings

CASEWORKER = "caseworker"


class TokenRefused(Exception):
    """The bearer token is not one this service accepts; ``message`` says why in general terms."""

    def __init__(self, message: str, *, keys_unavailable: bool = False) -> None:
        super().__init__(message)
        self.message = message
        # The identity provider's keys could not be fetched: not the caller's fault (503, not 401).
        self.keys_unavailable = keys_unavailable


@dataclass(frozen=True, slots=True)
class SignedIn:
    subject: str
    organisation: str | None
    roles: frozenset[str]


class TokenVerifier:
    def __init__(self, settings: Settings) -> None:
        assert settings.oidc_issuer and settings.oidc_audience and settings.oidc_jwks
        self.issuer = settings.oidc_issuer
        self.audience = settings.oidc_audience
        self.leeway = settings.oidc_leeway_s
        self.algorithms = settings.oidc_algorithms
        self.org_claim = settings.oidc_org_claim
        self.role_claim = settings.oidc_role_claim
        source = settings.oidc_jwks
        self._client: jwt.PyJWKClient | None = None
        self._keys: jwt.PyJWKSet | None = None
        if source.startswith(("https://", "http://")):
            # Keys are fetched when first needed and cached; an unknown kid refetches (key rotation).
            # Unknown key ids refetch at most once per cooldown, so made-up kids cannot flood the IdP.
            self._client = jwt.PyJWKClient(
                source,
                cache_keys=True,
                lifespan=3600,
                timeout=10,
                cooldown_duration=settings.oidc_jwks_refresh_cooldown_s,
            )
        else:
            self._keys = jwt.PyJWKSet.from_json(Path(source).read_text(encoding="utf-8"))

    def _signing_key(self, token: str) -> jwt.PyJWK:
        try:
            if self._client is not None:
                return self._client.get_signing_key_from_jwt(token)
            header = jwt.get_unverified_header(token)
        except jwt.PyJWKClientConnectionError as exc:
            raise TokenRefused(
                "the identity provider's keys cannot be fetched right now; try again shortly", keys_unavailable=True
            ) from exc
        except (jwt.PyJWKClientError, jwt.InvalidTokenError) as exc:
            raise TokenRefused("the token is not signed by a key of the identity provider; sign in again") from exc
        assert self._keys is not None
        kid = header.get("kid")
        keys = [k for k in self._keys.keys if kid is None or k.key_id == kid]
        if len(keys) != 1:
            raise TokenRefused("the token is not signed by a key of the identity provider; sign in again")
        return keys[0]

    def verify(self, token: str) -> SignedIn:
        key = self._signing_key(token)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=self.algorithms,
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenRefused("the sign-in has expired; sign in again") from exc
        except jwt.InvalidAudienceError as exc:
            raise TokenRefused("the token was issued for another service; sign in to Placeringssök") from exc
        except jwt.InvalidIssuerError as exc:
            raise TokenRefused("the token comes from an identity provider this service does not trust") from exc
        except jwt.InvalidTokenError as exc:
            raise TokenRefused("the token is not valid (signature, format or claims); sign in again") from exc
        subject = claims["sub"]
        if not isinstance(subject, str) or not subject:
            raise TokenRefused("the token names no subject (sub); ask the identity provider's administrators")
        organisation = claims.get(self.org_claim)
        return SignedIn(
            subject=subject,
            organisation=organisation if isinstance(organisation, str) else None,
            roles=_roles(claims.get(self.role_claim)),
        )


def _roles(claim: object) -> frozenset[str]:
    if isinstance(claim, str):
        return frozenset(claim.split())
    if isinstance(claim, list):
        return frozenset(r for r in claim if isinstance(r, str))
    return frozenset()
