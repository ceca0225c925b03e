"""Swedish names of the languages homes speak (ISO 639-1, or 639-3 for Dari), for labels and search."""

from __future__ import annotations

import gettext
from functools import cache

import pycountry


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
