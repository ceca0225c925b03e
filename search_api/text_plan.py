"""The text part of a search plan: a small algebra of relevance decisions, made once for both engines.

What a caseworker typed becomes nodes (as wagtail/django-modelsearch's ``modelsearch/query.py``):

- ``Term``: an analysed term occurs in a text field;
- ``Fuzzy``: a term within one edit (a swap of neighbours counting one) of the given one occurs;
- ``Phrase``: the terms occur in order, next to each other;
- ``Every`` / ``Either``: all / at least one of the nodes match (an empty ``Either`` matches nothing);
- ``Boost``: the node's score counts ``weight`` times.

Several typed words are ``Either(Every(words), Boost(Phrase(words)))``: a home holding the phrase
holds every word, so the phrase only ranks, it never widens what matches.

``TextSearch`` adds the fields every node is looked for in, with their boosts. Each engine's compiler
only translates the nodes; which words are alternatives, how much a synonym, a compound part or a
typo counts, and when a word gets a typo's grace, is decided here.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from core.synonyms import longest_rule, synonyms
from core.text_analysis import (
    FUZZY_WEIGHT,
    PART_WEIGHT,
    PHRASE_BONUS,
    SYNONYM_WEIGHT,
    TYPO_MIN_LENGTH,
    WORD,
    is_known_word,
    part_terms,
    term,
    terms,
)


@dataclass(frozen=True, slots=True)
class Term:
    term: str


@dataclass(frozen=True, slots=True)
class Fuzzy:
    term: str


@dataclass(frozen=True, slots=True)
class Phrase:
    terms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Every:
    nodes: tuple[TextNode, ...]


@dataclass(frozen=True, slots=True)
class Either:
    nodes: tuple[TextNode, ...]


@dataclass(frozen=True, slots=True)
class Boost:
    node: TextNode
    weight: float


TextNode = Term | Fuzzy | Phrase | Every | Either | Boost
NOTHING = Either(())


@dataclass(frozen=True, slots=True)
class TextSearch:
    root: TextNode
    # (field, boost): where every node is looked for, and how much a match in each field counts.
    fields: tuple[tuple[str, float], ...]


def _sequence(found: tuple[str, ...]) -> TextNode:
    return Term(found[0]) if len(found) == 1 else Phrase(found)


def _typo_terms(word: str, word_term: str) -> list[str]:
    """What a word may be one typo away from: only a long word the lexicon does not know, so a real
    word ("heder") is never taken for a typo of another ("hem")."""
    if len(word) < TYPO_MIN_LENGTH or word.isdigit() or is_known_word(word) or (word_term,) in synonyms():
        return []
    return [t for t in dict.fromkeys((word, word_term)) if len(t) >= TYPO_MIN_LENGTH]


def _word_node(word: str, word_term: str) -> TextNode:
    """One typed word: the word, its synonyms, all parts of a compound, and a typo's grace."""
    alternatives: list[TextNode] = [Term(word_term)]
    alternatives += [Boost(_sequence(s), SYNONYM_WEIGHT) for s in synonyms().get((word_term,), ())]
    parts = part_terms(word)
    if parts:
        alternatives.append(Boost(Every(tuple(Term(p) for p in parts)), PART_WEIGHT))
    fuzzy = _typo_terms(word, word_term)
    if fuzzy:
        alternatives.append(Boost(Either(tuple(Fuzzy(t) for t in fuzzy)), FUZZY_WEIGHT))
    return alternatives[0] if len(alternatives) == 1 else Either(tuple(alternatives))


def _words_nodes(words: list[str]) -> list[TextNode]:
    """The typed words in order; a run of words that is a synonym rule's left side ("hem för vård
    eller boende", "§ 12-hem") matches as a phrase or as what the rule says it means."""
    analysed = [(w, t) for w in words if (t := term(w)) is not None]
    nodes: list[TextNode] = []
    i = 0
    while i < len(analysed):
        for n in range(min(longest_rule(), len(analysed) - i), 1, -1):
            run = tuple(t for _, t in analysed[i : i + n])
            if run in synonyms():
                alternatives: list[TextNode] = [Phrase(run)]
                alternatives += [Boost(_sequence(s), SYNONYM_WEIGHT) for s in synonyms()[run]]
                nodes.append(Either(tuple(alternatives)))
                i += n
                break
        else:
            nodes.append(_word_node(*analysed[i]))
            i += 1
    return nodes


def _pieces(text: str) -> list[str]:
    try:
        return shlex.split(text, posix=True)
    except ValueError:
        # An unbalanced quote: read the text as plain words rather than failing the caseworker.
        return text.replace('"', " ").split()


def plan_text(text: str, fields: dict[str, float]) -> TextSearch | None:
    """Free text as typed: words that must all match (each with its alternatives), and quoted
    phrases. None when nothing was typed; a text of stop words only matches nothing."""
    quoted = {m.strip() for m in re.findall(r'"([^"]+)"', text)}
    words: list[str] = []
    phrases: list[TextNode] = []
    typed = False
    for piece in _pieces(text):
        piece_words = [w.lower() for w in WORD.findall(piece)]
        typed = typed or bool(piece_words)
        if piece.strip() in quoted and len(piece_words) > 1:
            phrase = tuple(terms(piece))
            if phrase:
                phrases.append(_sequence(phrase))
            continue
        words += piece_words
    if not typed:
        return None
    nodes = _words_nodes(words) + phrases
    if not nodes:
        return TextSearch(NOTHING, tuple(fields.items()))
    if len(nodes) == 1:
        return TextSearch(nodes[0], tuple(fields.items()))
    root: TextNode = Every(tuple(nodes))
    typed_terms = tuple(terms(" ".join(words)))
    if len(typed_terms) > 1 and not phrases:
        # The words side by side score higher. Every home with the phrase has every word, so this
        # ranks without changing what matches.
        root = Either((root, Boost(Phrase(typed_terms), PHRASE_BONUS)))
    return TextSearch(root, tuple(fields.items()))
