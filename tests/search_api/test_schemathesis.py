"""schemathesis over the whole API, as each kind of caller: no server error, no answer outside the schema."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import checks
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
            response = case.call_and_validate(headers=headers(), checks=CHECKS)
            statuses.append(response.status_code)

        check()
    assert len(statuses) > 100 and 200 in statuses and 422 in statuses
