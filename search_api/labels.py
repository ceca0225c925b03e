"""Swedish labels for facet values: vocabularies, places and languages."""

from __future__ import annotations

from core.geography import counties, municipalities
from core.languages import language_label
from core.vocabularies import label

_VOCABULARY_OF_FACET = {
    "provider_type": "provider_type",
    "target_groups": "target_groups",
    "methods": "methods",
    "legal_bases": "legal_bases",
    "assignments": "assignments",
    "ownership": "ownership",
    "genders": "genders",
    "has_vacancy": "has_vacancy",
}


def facet_label(facet: str, value: str) -> str:
    if facet == "county_code":
        county = counties().get(value)
        return county.name if county else value
    if facet == "municipality_code":
        municipality = municipalities().get(value)
        return municipality.name if municipality else value
    if facet == "languages":
        return language_label(value)
    if facet in _VOCABULARY_OF_FACET:
        return label(_VOCABULARY_OF_FACET[facet], value)
    return value
