"""Swedish labels for facet values: vocabularies, places and languages."""

from __future__ import annotations

import gettext
from functools import cache

import pycountry

from core.geography import counties, municipalities
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


@cache
def _swedish_language_names() -> gettext.NullTranslations:
    # pycountry ships the iso-codes translations; Swedish names come from there, not from a table of ours.
    return gettext.translation("iso639-3", pycountry.LOCALES_DIR, languages=["sv"], fallback=True)


@cache
def language_label(code: str) -> str:
    language = pycountry.languages.get(alpha_2=code) if len(code) == 2 else pycountry.languages.get(alpha_3=code)
    if language is None:
        return code
    name = _swedish_language_names().gettext(language.name)
    return name[:1].upper() + name[1:]


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
