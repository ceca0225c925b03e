"""An ``IndexedProvider`` as the Elasticsearch index stores it.

``_source`` is the provider's JSON exactly as every backend returns it, plus the search-only text
fields both engines take from ``core.documents.search_fields``: the analysed terms of the name, the
description, the Swedish labels of the vocabularies, the place, and the parts of domain compounds.
The API leaves those out of ``_source`` when it reads.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, NamedTuple

import orjson

from core.documents import IndexedProvider, search_fields
from core.text_analysis import TEXT_FIELDS
from core.vacancies import Confirmation

# Indexed for search, never part of the provider the API returns; the mapping test allows exactly these.
SEARCH_ONLY_FIELDS: tuple[str, ...] = (*TEXT_FIELDS, "name_suggest")


def external_version(updated_at: datetime) -> int:
    """The document's Elasticsearch version: ``updated_at`` in epoch milliseconds, so with
    ``version_type=external`` an older record can never replace a newer one."""
    return round(updated_at.timestamp() * 1000)


def to_elastic(doc: IndexedProvider) -> dict[str, Any]:
    # Through orjson, as the embedded index stores its source: both backends return the same JSON.
    source: dict[str, Any] = orjson.loads(orjson.dumps(doc))
    source.update(search_fields(doc))
    if not doc["confidential"]:
        # A confidential home's public name is a neutral label: nothing to suggest as someone types.
        source["name_suggest"] = doc["name"]
    return source


class BulkDocument(NamedTuple):
    """A provider ready for the bulk API; what worker processes send the writer (small to pickle)."""

    id: str
    version: int
    source: dict[str, Any]


def prepare_for_bulk(doc: IndexedProvider) -> BulkDocument:
    return BulkDocument(doc["id"], external_version(doc["updated_at"]), to_elastic(doc))


# A home's confirmation as a partial update: applied only if it is at least as new as the vacancy
# moment the document holds, so a late or replayed update never overwrites a newer figure.
_CONFIRM = """
def held = ctx._source.vacancies_updated_at;
if (held != null && ZonedDateTime.parse(held).toInstant().toEpochMilli() > params.at_ms) {
  ctx.op = 'noop';
  return;
}
ctx._source.vacancies = params.vacancies;
ctx._source.has_vacancy = params.vacancies > 0;
ctx._source.vacancies_updated_at = params.at;
"""


def confirmation_script(confirmation: Confirmation) -> dict[str, Any]:
    return {
        "source": _CONFIRM,
        "lang": "painless",
        "params": {
            "vacancies": confirmation.vacancies,
            "at": confirmation.confirmed_at.isoformat(),
            "at_ms": math.floor(confirmation.epoch * 1000),
        },
    }
