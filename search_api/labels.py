"""Swedish labels for facet values: vocabularies, places and languages."""

from __future__ import annotations

from functools import lru_cache

from core.facets import FACET_BY_NAME
from core.geography import counties, municipalities
from core.languages import language_label
from core.vocabularies import label


# A response lists hundreds of facet values (every municipality); their labels never change. The
# values come from the index's counts (and vocabulary-checked selections), so the cache stays small.
@lru_cache(maxsize=8192)
def facet_label(facet: str, value: str) -> str:
    """A facet value's Swedish label, from the source the facet registry names for it."""
    known = FACET_BY_NAME.get(facet)
    source = known.labels if known else None
    if source == "county":
        county = counties().get(value)
        return county.name if county else value
    if source == "municipality":
        municipality = municipalities().get(value)
        return municipality.name if municipality else value
    if source == "language":
        return language_label(value)
    if source is not None:
        return label(source, value)
    return value
