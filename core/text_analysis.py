"""Swedish text analysis: the one analysis both engines index and every query is read with.

Each word becomes one token, its *term*: the lemma from simplemma's Swedish lexicon (so the definite
"kvinnan", the plural "kvinnor" and the irregular "döttrar"/"dottern" meet their base form), then the
Snowball Swedish stemmer, which unites what the lexicon does not know ("hedersrelaterade" and
"hedersrelaterat") and inflections the lexicon lemmatises apart. Stop words (Snowball's list) give no
token. Accents are never folded: "mätt" and "matt" are different words.

The analysis runs here, in Python, once: the engines index the terms as whitespace-separated strings
and look up terms the query side made with the same functions, so tantivy and Elasticsearch can
never analyse a word differently (``index_terms``; ``term_spans`` maps terms back to the offsets of
the words they came from, for highlights).

Swedish builds long compounds ("självskadebeteende", "hedersrelaterat") that the lexicon keeps whole,
so a caseworker's "heder" would never meet the register's "hedersrelaterat". ``compound_parts`` finds
the parts of compounds that start with a domain word; they are indexed in a field of their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources
from itertools import chain

import simplemma
import Stemmer
from simplemma.strategies import DefaultStrategy, DictionaryLookupStrategy
from simplemma.utils import normalize_token

from core.lexicon import LANG, SwedishLexicon

# Domain words compounds are built from, as the words themselves.
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
# The forms a part takes at the head of a compound ("självskade-", "missbruks-", "heders-").
_HEAD_FORMS: dict[str, str] = {p: p for p in COMPOUND_PARTS} | {
    "självskade": "självskada",
    "självskad": "självskada",
    "familje": "familj",
    "heders": "heder",
}
_LINKS = ("", "s", "e")
_MIN_PART = 3
# A tail the lexicon knows is a part too ("heders|relaterat"), if it is this long: shorter known
# tails are mostly endings ("hem|met", "hem|lig").
_MIN_KNOWN_TAIL = 5
# Tokens of letters and digits; "TF-KBT" is two words, "§12-hem" is "12" and "hem".
WORD = re.compile(r"[^\W_]+")
# Longer "words" are ids, hashes or run-together junk, never something a caseworker types.
_MAX_WORD = 60
# The lexicon expands some two-letter abbreviations ("tf" -> "tillförordnad"): keep them as written.
_MIN_LEMMA_WORD = 3

_stemmer = Stemmer.Stemmer("swedish")
# simplemma's own lemmatisation over its Swedish lexicon, read in place (``core.lexicon``): the dict
# simplemma builds by default costs every process (the server, a reindex, a sync of one record)
# 100 MB and half a second; ``term`` caches what is looked up.
_LEXICON = SwedishLexicon()
_LEMMATIZER = simplemma.Lemmatizer(lemmatization_strategy=DefaultStrategy(dictionary_factory=_LEXICON))
_KNOWN = DictionaryLookupStrategy(_LEXICON)


def _data_lines(name: str) -> list[str]:
    text = resources.files("core").joinpath("data", name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


STOP_WORDS: frozenset[str] = frozenset(_data_lines("swedish_stopwords.txt"))


def _lemma_overrides() -> dict[str, str]:
    overrides = {}
    for line in _data_lines("lemmas.txt"):
        forms, lemma = line.split("=>")
        for form in forms.split(","):
            overrides[form.strip()] = lemma.strip()
    return overrides


LEMMA_OVERRIDES: dict[str, str] = _lemma_overrides()


def lemma(word: str) -> str:
    """The lexicon's base form of a lower-case word (the word itself when it knows none)."""
    if word in LEMMA_OVERRIDES:
        return LEMMA_OVERRIDES[word]
    if len(word) < _MIN_LEMMA_WORD:
        return word
    return str(_LEMMATIZER.lemmatize(word, LANG)).lower()


@lru_cache(maxsize=262144)
def term(word: str) -> str | None:
    """The indexed term of one lower-case word, or None for a stop word."""
    if word in STOP_WORDS or len(word) > _MAX_WORD:
        return None
    stem: str = _stemmer.stemWord(lemma(word))
    return stem


@lru_cache(maxsize=65536)
def is_known_word(word: str) -> bool:
    """Does the Swedish lexicon know the lower-case word? A word it knows is never read as a typo."""
    return _KNOWN.get_lemma(normalize_token(word), LANG) is not None


def terms(text: str) -> list[str]:
    """The terms of a text, in order, stop words left out."""
    found = []
    for word in WORD.findall(text.lower()):
        t = term(word)
        if t is not None:
            found.append(t)
    return found


def index_terms(text: str) -> str:
    """What the engines index for a text: its terms, separated by single spaces."""
    return " ".join(terms(text))


def term_spans(text: str) -> Iterator[tuple[int, int, str, tuple[str, ...]]]:
    """(start, end, term, terms of its compound parts) for every word of the text that has a term."""
    for match in WORD.finditer(text):
        analysed = word_terms(match.group().lower())
        if analysed is not None:
            yield match.start(), match.end(), *analysed


@lru_cache(maxsize=65536)
def word_terms(word: str) -> tuple[str, tuple[str, ...]] | None:
    """A lower-case word's term and its compound parts' terms (None for a stop word); kept, since
    every search's highlights analyse the descriptions of its page of hits again."""
    t = term(word)
    return None if t is None else (t, tuple(term(p) or p for p in _split(word)))


@lru_cache(maxsize=65536)
def _split(word: str) -> tuple[str, ...]:
    """The parts of a lower-case compound that starts with a domain word, or () when it is none."""
    for cut in range(_MIN_PART, len(word) - _MIN_PART + 1):
        head, tail = word[:cut], word[cut:]
        for link in _LINKS:
            if link and not head.endswith(link):
                continue
            stem = head[: len(head) - len(link)] if link else head
            if stem not in _HEAD_FORMS:
                continue
            if tail in _HEAD_FORMS:
                return (_HEAD_FORMS[stem], _HEAD_FORMS[tail])
            rest = _split(tail)
            if rest:
                return (_HEAD_FORMS[stem], *rest)
            if len(tail) >= _MIN_KNOWN_TAIL and is_known_word(tail):
                return (_HEAD_FORMS[stem], tail)
    return ()


def compound_parts(word: str) -> tuple[str, ...]:
    """The parts of a domain compound as words ("självskadebeteende" -> självskada, beteende)."""
    return _split(word.lower())


def part_terms(word: str) -> tuple[str, ...]:
    """The terms of the parts of a domain compound, () when the word is none."""
    return tuple(t for p in _split(word.lower()) if (t := term(p)) is not None)


# A compound starts with a domain part, so only words that do are worth trying to split: this
# finds them in one pass of the regex engine rather than a Python loop over every word.
_HEADS = frozenset(form[:_MIN_PART] for form in _HEAD_FORMS)
_CANDIDATES = re.compile(r"\b(?:" + "|".join(sorted(_HEADS)) + r")\w{" + str(_MIN_PART) + ",}")


def compound_parts_terms(*texts: str) -> str:
    """The terms of the parts of every domain compound in the texts, indexed in a field of their own
    so that a part counts less than the whole word."""
    parts: list[str] = []
    for text in texts:
        for word in _CANDIDATES.findall(text.lower()):
            parts += part_terms(word)
    return " ".join(parts)


@lru_cache(maxsize=262144)
def _analysed_word(word: str) -> tuple[str | None, tuple[str, ...]]:
    parts = part_terms(word) if len(word) >= 2 * _MIN_PART and word[:_MIN_PART] in _HEADS else ()
    return term(word), parts


def analyse(text: str) -> tuple[str, tuple[str, ...]]:
    """(``index_terms(text)``, the terms of its compounds' parts) in one pass over the words: the
    indexing hot path, where every provider's name and description go through it."""
    analysed = [_analysed_word(w) for w in WORD.findall(text.lower())]
    found = " ".join([t for t, _ in analysed if t is not None])
    return found, tuple(chain.from_iterable([parts for _, parts in analysed if parts]))


def within_one_edit(a: str, b: str) -> bool:
    """At most one insertion, deletion, substitution or swap of neighbours apart (the distance both
    engines' fuzzy term queries use, transpositions costing one)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    short, long = (a, b) if la < lb else (b, a)
    i = 0
    while i < len(short) and short[i] == long[i]:
        i += 1
    return short[i:] == long[i + 1 :]


# Relevance constants both engines' compilers and the plan use, so the two rank alike.
# Field boosts: a word in the name outweighs the same word in the prose. The keys are the engines'
# field names for the analysed text (see ``core.documents.search_fields``).
TEXT_FIELDS: dict[str, float] = {
    "name_terms": 3.0,
    "labels_terms": 2.0,
    "description_terms": 1.0,
    "place_terms": 1.0,
    "parts_terms": 0.8,
}
# Every part of a compound ("självskada" and "beteende" of "självskadebeteende") counts half.
PART_WEIGHT = 0.5
# A synonym from core/data/synonyms.txt counts a little less than the word as typed.
SYNONYM_WEIGHT = 0.8
# Several words typed in the order a home writes them ("förälder med barn") count this much more.
PHRASE_BONUS = 1.0
# A one-typo match counts less than the exact word.
FUZZY_WEIGHT = 0.3
# Words of this many letters or more, unknown to the lexicon, get one typo's grace ("missbrk" finds
# "missbruk"); "heder" is a word, so it never becomes "hem".
TYPO_MIN_LENGTH = 5
