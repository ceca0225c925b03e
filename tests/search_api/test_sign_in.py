"""Caseworker sign-in with OpenID Connect tokens, and keys bound to their portals' origins."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from search_api.app import create_app
from tests.conftest import CASEWORKER_KEY, PORTAL_ORIGIN, PORTAL_PUBLIC_KEY, test_settings
from tests.support.identity_provider import IdentityProvider


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> IdentityProvider:
    return IdentityProvider.create(tmp_path_factory.mktemp("idp"))


@pytest.fixture(scope="module")
def client(embedded_data_dir: Path, idp: IdentityProvider) -> Iterator[TestClient]:
    with TestClient(create_app(test_settings(embedded_data_dir, **idp.settings()))) as c:
        yield c


def _family_homes(client: TestClient, token: str) -> int:
    response = client.post(
        "/v1/providers/search", json={"provider_types": ["familjehem"]}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    return int(response.json()["total"])


def test_a_valid_token_is_a_caseworker(client: TestClient, idp: IdentityProvider) -> None:
    assert _family_homes(client, idp.token()) > 0  # only caseworkers see family homes
    assert _family_homes(client, idp.token(roles="caseworker other")) > 0  # the claim may be a string
    ready = client.get("/readyz", headers={"Authorization": f"Bearer {idp.token()}"}).json()
    assert ready["documents"] == 800


@pytest.mark.parametrize(
    ("claims", "words"),
    [
        ({"exp": int(time.time()) - 3600}, "expired"),
        ({"aud": "another-service"}, "another service"),
        ({"iss": "https://idp.evil.example"}, "does not trust"),
        ({"sub": None}, "not valid"),
        ({"exp": None}, "not valid"),
    ],
    ids=["expired", "wrong-audience", "wrong-issuer", "no-subject", "no-expiry"],
)
def test_bad_tokens_get_401(client: TestClient, idp: IdentityProvider, claims: dict[str, Any], words: str) -> None:
    response = client.post("/v1/providers/search", json={}, headers={"Authorization": f"Bearer {idp.token(**claims)}"})
    assert response.status_code == 401 and words in response.json()["detail"], response.text
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_token_signed_by_another_key_gets_401(client: TestClient, idp: IdentityProvider) -> None:
    forged = idp.token(key=rsa.generate_private_key(public_exponent=65537, key_size=2048))
    response = client.post("/v1/providers/search", json={}, headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    tampered = idp.token().rsplit(".", 1)[0] + ".c2lnbmF0dXJl"
    assert (
        client.post("/v1/providers/search", json={}, headers={"Authorization": f"Bearer {tampered}"}).status_code == 401
    )
    for garbage in ("Bearer not-a-token", "Basic dXNlcjpwYXNz", "Bearer"):
        assert client.post("/v1/providers/search", json={}, headers={"Authorization": garbage}).status_code == 401


def test_clock_skew_is_allowed_within_the_leeway(client: TestClient, idp: IdentityProvider) -> None:
    assert _family_homes(client, idp.token(exp=int(time.time()) - 30)) > 0


def test_a_token_without_the_caseworker_role_is_403(client: TestClient, idp: IdentityProvider) -> None:
    for roles in (["reader"], None, "caseworkers"):
        token = idp.token(roles=roles)
        response = client.post("/v1/providers/search", json={}, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 403, roles


def test_role_and_org_claims_are_settings(embedded_data_dir: Path, idp: IdentityProvider) -> None:
    settings = test_settings(embedded_data_dir, **idp.settings(), oidc_role_claim="groups", oidc_org_claim="kommun")
    with TestClient(create_app(settings)) as client:
        assert _family_homes(client, idp.token(roles=None, groups=["caseworker"], kommun="Växjö")) > 0
        token = idp.token()  # roles, not groups
        assert (
            client.post("/v1/providers/search", json={}, headers={"Authorization": f"Bearer {token}"}).status_code
            == 403
        )


def test_without_sign_in_configured_a_token_is_401(embedded_data_dir: Path, idp: IdentityProvider) -> None:
    with TestClient(create_app(test_settings(embedded_data_dir))) as client:
        response = client.post("/v1/providers/search", json={}, headers={"Authorization": f"Bearer {idp.token()}"})
        assert response.status_code == 401 and "not configured" in response.json()["detail"]


def test_browser_keys_need_their_origin_and_the_host_header_proves_nothing(client: TestClient) -> None:
    def search(headers: dict[str, str]) -> int:
        response = client.post("/v1/providers/search", json={}, headers={"X-API-Key": PORTAL_PUBLIC_KEY, **headers})
        return int(response.status_code)

    assert search({"Origin": PORTAL_ORIGIN}) == 200
    assert search({}) == 403  # a browser key copied out of a page is no bearer token
    assert search({"Origin": "https://evil.example"}) == 403
    assert search({"Origin": "https://evil.example", "Host": "evil.example"}) == 403  # the Host-header trick
    assert search({"Origin": "null"}) == 403
    # A server key has no origins: it works without one.
    assert client.post("/v1/providers/search", json={}, headers={"X-API-Key": CASEWORKER_KEY}).status_code == 200


def test_a_key_and_a_token_together_are_refused(client: TestClient, idp: IdentityProvider) -> None:
    headers = {"X-API-Key": CASEWORKER_KEY, "Authorization": f"Bearer {idp.token()}"}
    assert client.post("/v1/providers/search", json={}, headers=headers).status_code == 400


def test_keys_from_a_jwks_url_follow_rotation_and_an_unreachable_one_is_503(
    embedded_data_dir: Path, tmp_path: Path
) -> None:
    idp = IdentityProvider.create(tmp_path)
    handler = partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/{idp.jwks_path.name}"
        settings = test_settings(
            embedded_data_dir, **{**idp.settings(), "oidc_jwks": url}, oidc_jwks_refresh_cooldown_s=0
        )
        with TestClient(create_app(settings)) as client:
            assert _family_homes(client, idp.token()) > 0
            # The identity provider rotates its key: the new kid is fetched when first seen.
            rotated = IdentityProvider.create(tmp_path, kid="test-key-2")
            assert _family_homes(client, rotated.token()) > 0
    finally:
        server.shutdown()
        server.server_close()
    with TestClient(create_app(test_settings(embedded_data_dir, **{**idp.settings(), "oidc_jwks": url}))) as client:
        response = client.post("/v1/providers/search", json={}, headers={"Authorization": f"Bearer {idp.token()}"})
        assert response.status_code == 503 and int(response.headers["retry-after"]) > 0
