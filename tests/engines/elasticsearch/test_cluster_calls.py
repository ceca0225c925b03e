"""The Elasticsearch indexer's own rules, where no server is needed: index names, which failures are
retried and how often, and what the operator is told."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import elastic_transport
import pytest
from elastic_transport import ApiResponseMeta, HttpHeaders, NodeConfig
from elasticsearch import ApiError, AuthenticationException, BadRequestError

from core.errors import ClusterUnreachable, RequestRefused
from core.settings import Settings
from engines.elasticsearch.index_definition import IndexNames
from engines.elasticsearch.retries import ClusterCalls, describe_failure, is_transient
from engines.elasticsearch.writer import _already_applied
from tests.conftest import test_settings


def _api_error(kind: type[ApiError], status: int, body: object = None) -> ApiError:
    meta = ApiResponseMeta(
        status=status, http_version="1.1", headers=HttpHeaders(), duration=0.0, node=NodeConfig("http", "es", 9200)
    )
    return kind(message=str(status), meta=meta, body=body)


@pytest.fixture
def settings(tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    return test_settings(
        tmp_path,
        elasticsearch_url="http://elastic:secret@es.example:9200",
        elasticsearch_retries=4,
        elasticsearch_retry_backoff_s=0,
    )


def test_version_names_are_lower_case_and_recognised() -> None:
    names = IndexNames("providers")
    version = names.new_version(datetime(2026, 3, 1, 12, 30, 5, 123456, tzinfo=UTC))
    assert version == "providers-20260301t123005123456z"
    assert names.is_version(version)
    for other in ("providers", "providers-previous", "providers-locks", "providers-test-20260301t123005123456z"):
        assert not names.is_version(other), other


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (elastic_transport.ConnectionError("refused"), True),
        (elastic_transport.ConnectionTimeout("slow"), True),
        (elastic_transport.TlsError("bad certificate"), False),
        (_api_error(ApiError, 429), True),
        (_api_error(ApiError, 503), True),
        (_api_error(BadRequestError, 400), False),
        (_api_error(AuthenticationException, 401), False),
    ],
)
def test_only_what_may_heal_is_retried(error: Exception, transient: bool) -> None:
    assert is_transient(error) is transient


def test_transient_failures_get_exactly_the_configured_attempts(settings: Settings) -> None:
    calls = ClusterCalls(settings)
    attempts = 0

    def flaky() -> str:
        nonlocal attempts
        attempts += 1
        if attempts < 4:
            raise elastic_transport.ConnectionError("refused")
        return "answered"

    assert calls(flaky) == "answered" and attempts == 4

    attempts = 0

    def down() -> None:
        nonlocal attempts
        attempts += 1
        raise elastic_transport.ConnectionError("refused")

    with pytest.raises(elastic_transport.ConnectionError):
        calls(down)
    assert attempts == 4


def test_a_bulk_load_leaves_429_to_the_bulk_helper(settings: Settings) -> None:
    attempts = 0

    def busy() -> None:
        nonlocal attempts
        attempts += 1
        raise _api_error(ApiError, 429)

    with pytest.raises(ApiError):
        ClusterCalls(settings).bulk(busy)
    assert attempts == 1, "streaming_bulk already retried it with its own backoff"


def test_failures_tell_the_operator_what_to_do(settings: Settings) -> None:
    down = describe_failure(elastic_transport.ConnectionError("refused"), settings, "taking the writer lock")
    assert isinstance(down, ClusterUnreachable)
    assert "http://es.example:9200" in str(down) and "secret" not in str(down)
    assert "in 4 attempts" in str(down) and "PLACERINGSSOK_ELASTICSEARCH_URL" in str(down)
    refused = describe_failure(_api_error(AuthenticationException, 401, {"error": {}}), settings, "creating x")
    assert isinstance(refused, RequestRefused) and "PLACERINGSSOK_ELASTICSEARCH_API_KEY" in str(refused)
    mapping = describe_failure(
        _api_error(
            BadRequestError,
            400,
            {"error": {"type": "mapper_parsing_exception", "reason": "failed to parse", "root_cause": []}},
        ),
        settings,
        "creating x",
    )
    assert isinstance(mapping, RequestRefused) and "mapper_parsing_exception: failed to parse" in str(mapping)
    assert describe_failure(ValueError("a bug"), settings, "anything") is None, "bugs keep their traceback"


def test_a_conflict_with_our_own_version_means_an_earlier_attempt_wrote_it() -> None:
    def conflict(current: int, provided: int) -> dict[str, Any]:
        reason = f"[prv-1]: version conflict, current version [{current}] is higher or equal to the one provided "
        reason += f"[{provided}]"
        return {"_id": "prv-1", "status": 409, "error": {"type": "version_conflict_engine_exception", "reason": reason}}

    assert _already_applied(conflict(1700000000000, 1700000000000))
    assert not _already_applied(conflict(1700000000001, 1700000000000)), "a newer record: stale, not ours"
