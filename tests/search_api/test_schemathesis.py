"""schemathesis over the whole API, as each kind of caller: no server error, no answer outside the schema."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode, checks
from schemathesis.core.result import Err

from engines.embedded.search import EmbeddedBackend
from search_api.app import create_app
from tests.conftest import CASEWORKER_KEY, test_settings
from tests.support.identity_provider import IdentityProvider

# Bounded so `make test` stays quick on two cores; every operation still gets this many cases per caller.
EXAMPLES_PER_OPERATION = 25
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.mark.parametrize("caller", ["anonymous", "api-key", "token"])
def test_every_operation_answers_within_its_schema(embedded_data_dir: Path, tmp_path: Path, caller: str) -> None:
    idp = IdentityProvider.create(tmp_path)
    settings = test_settings(embedded_data_dir, **idp.settings(), opaque_ids=True)
    # from_asgi does not run the lifespan, so the backend is handed in rather than opened there.
    app = create_app(settings, backend=EmbeddedBackend(settings.embedded_dir))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    results = list(schema.get_all_operations())
    for result in results:
        if isinstance(result, Err):
            raise result.err()
    operations = [result.ok() for result in results if not isinstance(result, Err)]
    assert len(operations) >= 8
    headers: Callable[[], dict[str, str]] = {
        "anonymous": lambda: {},
        "api-key": lambda: {"X-API-Key": CASEWORKER_KEY},
        "token": lambda: {"Authorization": f"Bearer {idp.token()}"},
    }[caller]
    statuses: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def check(case: schemathesis.Case[Any]) -> None:
            if case.headers:
                # The schema's security schemes are optional alternatives; the caller under test sends
                # exactly its own credential (none for the anonymous caller), never a made-up one.
                for name in ("X-API-Key", "Authorization"):
                    case.headers.pop(name, None)
            response = case.call_and_validate(headers=headers(), checks=CHECKS)
            statuses.append(response.status_code)

        check()
    assert len(statuses) > 100 and 200 in statuses and 422 in statuses


def test_invalid_input_is_refused_within_the_schema(embedded_data_dir: Path) -> None:
    """schemathesis' negative mode: inputs that break the schema get a documented 4xx, never a 5xx."""
    settings = test_settings(embedded_data_dir, opaque_ids=True)
    app = create_app(settings, backend=EmbeddedBackend(settings.embedded_dir))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [r.ok() for r in schema.get_all_operations() if not isinstance(r, Err)]
    # Only operations that take input can be sent invalid input.
    with_input = [op for op in operations if op.body or any(True for _ in op.iter_parameters())]
    assert len(with_input) >= 5
    statuses: list[int] = []
    for operation in with_input:

        @given(case=operation.as_strategy(GenerationMode.NEGATIVE))
        @hypothesis_settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case: schemathesis.Case[Any]) -> None:
            response = case.call_and_validate(headers={"X-API-Key": CASEWORKER_KEY}, checks=CHECKS)
            statuses.append(response.status_code)

        check()
    assert statuses and all(400 <= s < 500 for s in statuses if s != 200), sorted(set(statuses))
    assert 422 in statuses
