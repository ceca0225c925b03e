"""Swedish text analysis shared by indexing and querying.

Swedish builds long compounds ("självskadebeteende", "missbruksbehandling") that a stemmer leaves
whole, so a caseworker's "självskadande" would never meet the register's "självskadebeteende".
``compound_parts`` finds the parts of compounds built from domain words, on both the index side
and the query side; the Snowball Swedish stemmer then unites the inflections ("flicka"/"flickor").
Accents are never folded: "mätt" and "matt" are different words.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from functools import lru_cache

# Domain words compounds are built from, in the form the stemmer will meet them as whole words.
COMPOUND_PARTS: tuple[str, ...] = (
    "självskada",
    "beteende",
    "missbruk",
    "behandling",
    "problematik",
    "kriminalitet",
    "gäng",
    "ungdom",
    "ungdomar",
    "flickor",
    "pojkar",
    "trauma",
    "våld",
    "heder",
    "relation",
    "hem",
    "boende",
    "stöd",
    "familj",
    "jour",
    "psykiatri",
    "ätstörning",
    "placering",
    "utredning",
    "omsorg",
    "vård",
    "kris",
    "drog",
    "alkohol",
    "narkotika",
)
# Stems that stand for a part when the compound uses another form of it ("självskade-", "missbruks-").
_PART_FORMS: dict[str, str] = {p: p for p in COMPOUND_PARTS} | {
    "självskade": "självskada",
    "självskad": "självskada",
    "familje": "familj",
    "heders": "heder",
}
_LINKS = ("", "s", "e")
_WORD = re.compile(r"\w+")
_MIN_PART = 3


@lru_cache(maxsize=65536)
def _split(word: str) -> tuple[str, ...]:
    """The domain parts of one lower-case word, or () when it is not such a compound."""
    for cut in range(_MIN_PART, len(word) - _MIN_PART + 1):
        head, tail = word[:cut], word[cut:]
        for link in _LINKS:
            stem = head[: len(head) - len(link)] if link and head.endswith(link) else head
            if link and not head.endswith(link):
                continue
            if stem in _PART_FORMS and (tail in _PART_FORMS or _split(tail)):
                rest = (_PART_FORMS[tail],) if tail in _PART_FORMS else _split(tail)
                return (_PART_FORMS[stem], *rest)
    return ()


def compound_parts(word: str) -> tuple[str, ...]:
    return _split(word.lower())


# A compound starts with a domain part, so only words that do are worth trying to split: this
# finds them in one pass of the regex engine rather than a Python loop over every word.
_HEADS = frozenset(form[:_MIN_PART] for form in _PART_FORMS)
_CANDIDATES = re.compile(r"\b(?:" + "|".join(sorted(_HEADS)) + r")\w{" + str(_MIN_PART) + ",}")


def compound_parts_text(*texts: str) -> str:
    """The parts of every domain compound in the texts, indexed in a field of their own so the
    stored text (and its highlights) stays as the register wrote it."""
    parts: list[str] = []
    for text in texts:
        for word in _CANDIDATES.findall(text.lower()):
            parts += _split(word)
    return " ".join(parts)


@dataclass(frozen=True, slots=True)
class TextQuery:
    """Free text as a caseworker typed it: words that must all match, and quoted phrases.

    Each word carries its compound parts as alternatives, so "självskadebeteende" also matches a
    home described as treating "självskada".
    """

    words: tuple[tuple[str, ...], ...]
    phrases: tuple[tuple[str, ...], ...]

    @property
    def is_empty(self) -> bool:
        return not self.words and not self.phrases


# Relevance constants both engines' compilers use, so the two rank alike.
# Field boosts: a word in the name outweighs the same word in the prose.
TEXT_FIELDS: dict[str, float] = {
    "name": 3.0,
    "labels": 2.0,
    "description": 1.0,
    "place": 1.0,
    "parts": 0.8,
}
# A compound part ("skada" of "självskadebeteende") counts half a whole-word match.
PART_WEIGHT = 0.5
# A one-typo match counts less than the exact word.
FUZZY_WEIGHT = 0.3
# Words of this many letters or more get one typo's grace ("missbrk" finds "missbruk").
TYPO_MIN_LENGTH = 5


def parse_text_query(text: str) -> TextQuery:
    try:
        pieces = shlex.split(text, posix=True)
    except ValueError:
        # An unbalanced quote: read the text as plain words rather than failing the caseworker.
        pieces = text.replace('"', " ").split()
    quoted = {m.strip() for m in re.findall(r'"([^"]+)"', text)}
    words: list[tuple[str, ...]] = []
    phrases: list[tuple[str, ...]] = []
    for piece in pieces:
        tokens = tuple(t.lower() for t in _WORD.findall(piece))
        if not tokens:
            continue
        if piece.strip() in quoted and len(tokens) > 1:
            phrases.append(tokens)
            continue
        for token in tokens:
            words.append((token, *_split(token)))
    return TextQuery(words=tuple(words), phrases=tuple(phrases))
