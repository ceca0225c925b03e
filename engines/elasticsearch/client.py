"""Elasticsearch clients built from ``Settings``: one for the indexer (sync), one for the API (async).

The client line is pinned to 8.x (``elasticsearch>=8.19,<9`` in pyproject.toml): an 8.x client
speaks to 8.x and 9.x servers, because 9.x servers accept the 8.x client's ``compatible-with=8``
headers, while a 9.x client is refused by 8.x servers (elastic/elasticsearch-py README,
"Compatibility": Elasticsearch 9.x <-> client 8.x or 9.x, 8.x <-> client 8.x; see also
elastic/elasticsearch-py#2927 and #2928).

``PLACERINGSSOK_ELASTICSEARCH_URL`` may list several nodes, comma separated.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from elasticsearch import AsyncElasticsearch, Elasticsearch

from core.client_logs import keep_client_logs_private
from core.errors import NotConfigured
from core.settings import Settings


def node_urls(settings: Settings) -> list[str]:
    if not settings.elasticsearch_url or not settings.elasticsearch_url.strip():
        raise NotConfigured(
            "no Elasticsearch URL; set PLACERINGSSOK_ELASTICSEARCH_URL (or ELASTICSEARCH_URL), "
            "e.g. http://localhost:9200, or several nodes separated by commas"
        )
    return [url.strip() for url in settings.elasticsearch_url.split(",") if url.strip()]


def printable_nodes(settings: Settings) -> str:
    """The node URLs without any user:password, for messages and logs."""
    shown = []
    for url in node_urls(settings):
        parts = urlsplit(url)
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        shown.append(urlunsplit((parts.scheme, netloc, parts.path, "", "")))
    return ", ".join(shown)


def _options(settings: Settings) -> dict[str, Any]:
    # Whoever turns logging up later, the transport's loggers never write a body or an index name.
    keep_client_logs_private()
    options: dict[str, Any] = {
        "hosts": node_urls(settings),
        "request_timeout": settings.elasticsearch_timeout_s,
        # The cluster's own timeouts are not retried by the client; each caller decides.
        "retry_on_timeout": False,
    }
    if settings.elasticsearch_api_key:
        options["api_key"] = settings.elasticsearch_api_key
    elif settings.elasticsearch_username:
        options["basic_auth"] = (settings.elasticsearch_username, settings.elasticsearch_password or "")
    if settings.elasticsearch_ca_certs is not None:
        options["ca_certs"] = str(settings.elasticsearch_ca_certs)
    if settings.elasticsearch_sniff:
        # The client then talks to every node the cluster names (their publish addresses), not
        # only to the URLs given; at most once a minute, and again when a node fails.
        options |= {"sniff_on_start": True, "sniff_on_node_failure": True, "min_delay_between_sniffing": 60}
    return options


def connect(settings: Settings) -> Elasticsearch:
    """The indexer's client. It never retries by itself: the indexer wraps each request (or bulk
    chunk) in tenacity with backoff, and retries stacked on retries would multiply the wait."""
    return Elasticsearch(**_options(settings), max_retries=0)


def connect_async(settings: Settings) -> AsyncElasticsearch:
    """The API's client. A search fails fast (503 + Retry-After) rather than holding the caller;
    with several nodes, the client may try each of them once."""
    options = _options(settings)
    return AsyncElasticsearch(**options, max_retries=len(options["hosts"]) - 1)
