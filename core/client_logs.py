"""Client libraries' loggers, made safe to turn up to DEBUG: no request or response body, no URL path
or query string reaches a log, at any level.

``elastic_transport.node`` writes every request and response whole at DEBUG (a search body holds the
free text, the origin's coordinates, the exclusion zones and the needs); its records are dropped, as
the transport's own one line per request says what was called. Lines that name a URL
(``elastic_transport.transport``, ``urllib3.connectionpool``, ``geopy``) keep the host and the
endpoint (``/*/_search``, ``/*/_doc/*``) and lose index names, document ids and query strings.

The filters sit on the loggers themselves, so they hold whatever handlers an operator configures
(a logger's filters run before any handler sees the record). ``keep_client_logs_private`` installs
them; the API, the CLI and every Elasticsearch client call it.
"""

from __future__ import annotations

import logging
import re

# Loggers whose every record carries whole request or response bodies.
BODY_LOGGERS = ("elastic_transport.node",)
# Loggers whose records name URLs: kept, with each URL reduced to its host and endpoint.
URL_LOGGERS = (
    "elastic_transport.transport",
    "elastic_transport.node_pool",
    "urllib3.connectionpool",
    "urllib3.util.retry",
    "geopy",
)

# A URL with a host, or a bare path at the start of a word or after a quote ("POST /x/_search ...").
_URL = re.compile(r"(?P<host>https?://[^/\s\"']+)(?P<path>/[^\s\"']*)?|(?<![^\s\"'])(?P<bare>/[^\s\"']*)")


def endpoint(path: str) -> str:
    """``/providers-2026/_doc/hvb-17?refresh=true`` -> ``/*/_doc/*``: the API called, nothing named."""
    segments = path.split("?", 1)[0].split("#", 1)[0].split("/")
    return "/".join(s if not s or s.startswith("_") else "*" for s in segments)


def without_names(message: str) -> str:
    def shorten(match: re.Match[str]) -> str:
        if match.group("bare") is not None:
            return endpoint(match.group("bare"))
        return match.group("host") + endpoint(match.group("path") or "")

    return _URL.sub(shorten, message)


class ClientLogPrivacy(logging.Filter):
    """Drops body-carrying records and rewrites URL-carrying ones (see the module's docstring)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name in BODY_LOGGERS:
            return False
        record.msg = without_names(record.getMessage())
        record.args = None
        return True


def keep_client_logs_private() -> None:
    """Install ``ClientLogPrivacy`` on every client logger, once; safe to call again and again."""
    for name in (*BODY_LOGGERS, *URL_LOGGERS):
        logger = logging.getLogger(name)
        if not any(isinstance(f, ClientLogPrivacy) for f in logger.filters):
            logger.addFilter(ClientLogPrivacy())
