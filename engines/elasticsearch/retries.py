"""Retrying transient Elasticsearch failures, and turning the rest into messages an operator can act on.

The indexer's client has ``max_retries=0``; every request or bulk chunk goes through ``retrying``
once, so a flaky cluster costs ``elasticsearch_retries`` attempts with exponential backoff and no
more. Per-document 429s inside a bulk request are retried by ``streaming_bulk`` itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import elastic_transport
from elasticsearch import (
    ApiError,
    AuthenticationException,
    AuthorizationException,
    UnsupportedProductError,
)
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from core.errors import ClusterUnreachable, ElasticsearchFailure, PlaceringssokError, RequestRefused
from core.settings import Settings
from engines.elasticsearch.client import printable_nodes

T = TypeVar("T")
TRANSIENT_STATUS = frozenset({429, 502, 503, 504})


def is_transient(exc: BaseException) -> bool:
    """Worth another attempt: the cluster did not answer, or answered "busy, try later"."""
    if isinstance(exc, elastic_transport.TlsError):
        return False  # a certificate problem does not heal by waiting
    if isinstance(exc, elastic_transport.ConnectionError | elastic_transport.ConnectionTimeout):
        return True
    return isinstance(exc, ApiError) and exc.meta.status in TRANSIENT_STATUS


def _transient_but_not_busy(exc: BaseException) -> bool:
    return is_transient(exc) and not (isinstance(exc, ApiError) and exc.meta.status == 429)


class ClusterCalls:
    """Runs requests against the cluster with the indexer's retry policy."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def __call__(self, request: Callable[..., T], *args: object, **kwargs: object) -> T:
        return self._retrying(is_transient)(request, *args, **kwargs)

    def bulk(self, load: Callable[[], T]) -> T:
        """A bulk load: ``streaming_bulk`` has already retried 429s with its own backoff; doing it again
        here would multiply the waits."""
        return self._retrying(_transient_but_not_busy)(load)

    def _retrying(self, predicate: Callable[[BaseException], bool]) -> Retrying:
        return Retrying(
            retry=retry_if_exception(predicate),
            stop=stop_after_attempt(self.settings.elasticsearch_retries),
            wait=wait_exponential(multiplier=self.settings.elasticsearch_retry_backoff_s, max=30),
            reraise=True,
        )

    @contextmanager
    def explained(self, doing: str) -> Iterator[None]:
        """Re-raise client errors (after their retries) as ``ElasticsearchFailure`` saying what to do."""
        try:
            yield
        except PlaceringssokError:
            raise
        except Exception as exc:
            failure = describe_failure(exc, self.settings, doing)
            if failure is None:
                raise
            raise failure from exc


def _cause(exc: BaseException) -> str:
    """The useful end of a transport error ("[Errno 111] Connection refused"), without the preamble."""
    message = exc.message if isinstance(exc, elastic_transport.TransportError) else exc
    lines = str(message).strip().splitlines()
    return lines[0].rsplit(": ", 1)[-1][:200] if lines else type(exc).__name__


def error_type(exc: BaseException) -> str | None:
    """Elasticsearch's name for an API error (``resource_already_exists_exception``), if it is one."""
    if isinstance(exc, ApiError) and isinstance(exc.body, dict) and isinstance(exc.body.get("error"), dict):
        kind: str | None = exc.body["error"].get("type")
        return kind
    return None


def _api_reason(exc: ApiError) -> str:
    info = exc.info if isinstance(exc.info, dict) else {}
    error = info.get("error")
    if isinstance(error, dict):
        cause = (error.get("root_cause") or [error])[0]
        return f"{cause.get('type', error.get('type'))}: {cause.get('reason', error.get('reason'))}"
    return str(exc.message)


def describe_failure(exc: BaseException, settings: Settings, doing: str) -> ElasticsearchFailure | None:
    """The operator's version of a client error, or None if it is not an Elasticsearch error."""
    nodes = printable_nodes(settings)
    attempts = settings.elasticsearch_retries
    if isinstance(exc, elastic_transport.TlsError):
        return ClusterUnreachable(
            f"TLS with Elasticsearch at {nodes} failed while {doing} ({_cause(exc)}); set "
            "PLACERINGSSOK_ELASTICSEARCH_CA_CERTS to the cluster's CA certificate (http_ca.crt)"
        )
    if isinstance(exc, elastic_transport.ConnectionTimeout):
        return ClusterUnreachable(
            f"Elasticsearch at {nodes} did not answer within {settings.elasticsearch_timeout_s} s while {doing}, "
            f"in {attempts} attempts; check the cluster's health, or raise PLACERINGSSOK_ELASTICSEARCH_TIMEOUT_S"
        )
    if isinstance(exc, elastic_transport.ConnectionError):
        return ClusterUnreachable(
            f"cannot connect to Elasticsearch at {nodes} while {doing}, in {attempts} attempts "
            f"({_cause(exc)}); check PLACERINGSSOK_ELASTICSEARCH_URL and that the cluster is running"
        )
    if isinstance(exc, UnsupportedProductError):
        return RequestRefused(f"the server at {nodes} is not Elasticsearch; check PLACERINGSSOK_ELASTICSEARCH_URL")
    if isinstance(exc, AuthenticationException):
        return RequestRefused(
            f"Elasticsearch at {nodes} refused the credentials (401) while {doing}; set "
            "PLACERINGSSOK_ELASTICSEARCH_API_KEY, or PLACERINGSSOK_ELASTICSEARCH_USERNAME and _PASSWORD"
        )
    if isinstance(exc, AuthorizationException):
        return RequestRefused(
            f"the Elasticsearch user may not do this (403) while {doing}: {_api_reason(exc)}; grant it the "
            f"index privileges 'manage', 'read' and 'write' on {settings.elasticsearch_index}*"
        )
    if isinstance(exc, ApiError):
        if exc.meta.status in TRANSIENT_STATUS:
            return ClusterUnreachable(
                f"Elasticsearch at {nodes} stayed unavailable ({exc.meta.status}) while {doing}, in {attempts} "
                f"attempts: {_api_reason(exc)}; check the cluster's health and try again"
            )
        if error_type(exc) is None and not isinstance(exc.body, dict):
            return RequestRefused(
                f"the server at {nodes} answered {exc.meta.status} while {doing}, without an Elasticsearch error; "
                "check that PLACERINGSSOK_ELASTICSEARCH_URL points at an Elasticsearch node"
            )
        return RequestRefused(f"Elasticsearch refused {doing} ({exc.meta.status}): {_api_reason(exc)}")
    return None
