"""Swedish labels for facet values: vocabularies, places and languages."""

from __future__ import annotations

from core.facets import FACET_BY_NAME
from core.geography import counties, municipalities
from core.languages import language_label
from core.vocabularies import label

# A response lists hundreds of facet values (every municipality); their labels never change. They are
# kept per facet as plain dicts, which the facet lists read inline. The values come from the index's
# counts (and vocabulary-checked selections), so they stay few; a facet of free values is bounded.
_KEPT: dict[str, dict[str, str]] = {}
KEPT_PER_FACET = 8192


def facet_labels(facet: str) -> dict[str, str]:
    """The labels of a facet's values looked up so far; ``facet_label`` adds the others."""
    return _KEPT.setdefault(facet, {})


def facet_label(facet: str, value: str) -> str:
    """A facet value's Swedish label, from the source the facet registry names for it."""
    kept = facet_labels(facet)
    found = kept.get(value)
    if found is None:
        found = _label(facet, value)
        if len(kept) < KEPT_PER_FACET:
            kept[value] = found
    return found


def _label(facet: str, value: str) -> str:
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
