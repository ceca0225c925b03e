"""Highlights: the home's own text with the words a text search matched marked, for both engines.

The engines match analysed terms, so the words to mark are found the same way: each word of the
description is analysed (``word_terms``, at the offsets ``WORD`` finds, as ``term_spans`` does) and
marked when its term, or a term of its compound parts, is one the plan looks for, or one edit from a
term the plan forgives a typo in.
Both backends therefore mark exactly the same words.

What never changes per request is kept: a search's highlighter (per text plan: the judgement of each
word depends only on the plan and the one text analysis) and a text's words (per text: a description
is the same on every page it appears in). A changed description is another text, so nothing kept is
ever stale; both caches are bounded.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from html import escape

from core.text_analysis import WORD, within_one_edit, word_terms
from search_api.text_plan import Boost, Either, Every, Fuzzy, Phrase, Term, TextNode

FRAGMENT_CHARS = 160
# How much text before the first marked word the fragment keeps, for context.
LEAD_CHARS = 40
# Distinct words a kept highlighter remembers its judgement of before it starts again (a few MB).
JUDGED_WORDS = 50_000
# Texts whose words are kept (descriptions of the homes on recent pages), and the longest one kept.
KEPT_TEXTS = 4096
KEPT_TEXT_CHARS = 4000


class Highlighter:
    """Marks the words of a text that a text node matches.

    A word is marked when its term is one the plan looks for, when it is one edit from a term the
    plan forgives a typo in, when one of its compound parts is such a term ("självskadebeteende" for
    "självskada"), or when it is a compound holding every part of an alternative made of parts
    ("familjehemmet" for the parts of "familjehem", but not "familjen" alone).
    """

    def __init__(self, root: TextNode) -> None:
        self.exact: set[str] = set()
        self.fuzzy: set[str] = set()
        self.groups: list[frozenset[str]] = []
        # Per lower-case word seen: whether it is marked.
        self._judged: dict[str, bool] = {}
        self._collect(root, alternative=False)

    def _collect(self, node: TextNode, alternative: bool) -> None:
        if isinstance(node, Term):
            self.exact.add(node.term)
        elif isinstance(node, Fuzzy):
            self.fuzzy.add(node.term)
        elif isinstance(node, Phrase):
            self.exact.update(node.terms)
        elif isinstance(node, Every) and alternative and all(isinstance(n, Term) for n in node.nodes):
            self.groups.append(frozenset(n.term for n in node.nodes if isinstance(n, Term)))
        elif isinstance(node, Every | Either):
            for child in node.nodes:
                self._collect(child, alternative=alternative or isinstance(node, Either))
        elif isinstance(node, Boost):
            self._collect(node.node, alternative)
        else:
            raise TypeError(f"highlighting does not support the text node {type(node).__name__}")

    def _matches(self, found: str, parts: tuple[str, ...]) -> bool:
        if found in self.exact or any(within_one_edit(found, f) for f in self.fuzzy):
            return True
        if any(p in self.exact for p in parts):
            return True
        return bool(parts) and any(group <= {found, *parts} for group in self.groups)

    def _marks(self, word: str) -> bool:
        """Whether a lower-case word is marked; each distinct word is judged once per highlighter
        (one serves a search's page of hits, whose descriptions share most of their words)."""
        marked = self._judged.get(word)
        if marked is None:
            if len(self._judged) >= JUDGED_WORDS:
                self._judged.clear()
            analysed = word_terms(word)
            marked = self._judged[word] = analysed is not None and self._matches(*analysed)
        return marked

    def _marked_words(self, text: str) -> Iterator[tuple[int, int]]:
        """The offsets of the marked words, in order."""
        judged = self._judged  # looked up inline: this loop runs for every word of every hit's text
        lowered = text.lower()
        if len(lowered) != len(text):  # a letter whose lower case is longer: offsets would shift
            yield from self._marked_words_one_by_one(text)
            return
        for match in WORD.finditer(lowered):
            word = match.group()
            marked = judged.get(word)
            if marked is None:
                marked = self._marks(word)
            if marked:
                yield match.span()

    def _marked_words_one_by_one(self, text: str) -> Iterator[tuple[int, int]]:
        for match in WORD.finditer(text):
            if self._marks(match.group().lower()):
                yield match.span()

    def marked_spans(self, text: str) -> list[tuple[int, int]]:
        return list(self._marked_words(text))

    def fragment(self, text: str, size: int = FRAGMENT_CHARS) -> str | None:
        """About ``size`` characters around the first marked word, HTML-escaped, with <mark>; None
        when no word is marked."""
        known = _words(text) if len(text) <= KEPT_TEXT_CHARS else None
        if known is not None:
            return self._kept_fragment(text, known, size)
        words = self._marked_words(text)
        first = next(words, None)
        if first is None:
            return None
        start, end = _bounds(text, first[0], size)
        # Words after the fragment's end are never shown: they are not analysed.
        spans = [first, *itertools.takewhile(lambda span: span[0] < end, words)]
        return _marked(text, spans, start, end)

    def _kept_fragment(self, text: str, known: _Words, size: int) -> str | None:
        """``fragment`` over a text's kept words: each distinct word is judged (once per plan), and
        only the words inside the fragment are walked."""
        judged, marks = self._judged, self._marks  # looked up inline: this runs for every hit's text
        first_marked = [at for word, at in known.first.items() if (judged[word] if word in judged else marks(word))]
        if not first_marked:
            return None
        at = min(first_marked)
        start, end = _bounds(text, known.starts[at], size)
        spans = []
        for index in range(at, len(known.words)):
            span_start = known.starts[index]
            if span_start >= end:
                break
            word = known.words[index]
            if judged[word] if word in judged else marks(word):  # judged again if the memory was cleared
                spans.append((span_start, known.ends[index]))
        return _marked(text, spans, start, end)

    def whole(self, text: str) -> str | None:
        """All of a short text (a title), HTML-escaped, with <mark>; None when no word is marked."""
        spans = self.marked_spans(text)
        return _marked(text, spans, 0, len(text)) if spans else None


@lru_cache(maxsize=256)
def highlighter_for(root: TextNode) -> Highlighter:
    """The highlighter of a text plan, kept: the same search again (the next page, another caseworker)
    judges no word twice."""
    return Highlighter(root)


@dataclass(frozen=True, slots=True)
class _Words:
    """A text's words as ``WORD`` finds them in its lower case: in order with their offsets, and each
    distinct word with the index of its first occurrence."""

    words: tuple[str, ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    first: dict[str, int]


@lru_cache(maxsize=KEPT_TEXTS)
def _words(text: str) -> _Words | None:
    """None when a letter's lower case is longer than the letter: its offsets would shift."""
    lowered = text.lower()
    if len(lowered) != len(text):
        return None
    first: dict[str, int] = {}
    words: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for index, match in enumerate(WORD.finditer(lowered)):
        word = match.group()
        seen = first.get(word)
        if seen is None:
            first[word] = index
        else:
            word = words[seen]  # one string per distinct word: a text says "ungdomar" more than once
        words.append(word)
        starts.append(match.start())
        ends.append(match.end())
    return _Words(tuple(words), tuple(starts), tuple(ends), first)


def _bounds(text: str, first_mark: int, size: int) -> tuple[int, int]:
    """Where a fragment of about ``size`` characters around a mark at ``first_mark`` starts and ends."""
    start = _word_start(text, max(0, first_mark - LEAD_CHARS)) if first_mark > LEAD_CHARS else 0
    return start, _word_end(text, min(len(text), start + size))


def _marked(text: str, spans: list[tuple[int, int]], start: int, end: int) -> str:
    """text[start:end], HTML-escaped, with the spans inside it in <mark>."""
    pieces, at = [], start
    for span_start, span_end in spans:
        if span_start < start or span_end > end:
            continue
        pieces += [escape(text[at:span_start]), "<mark>", escape(text[span_start:span_end]), "</mark>"]
        at = span_end
    pieces.append(escape(text[at:end]))
    return "".join(pieces).strip()


def _word_start(text: str, at: int) -> int:
    """The start of the first whole word at or after ``at``."""
    while 0 < at < len(text) and not text[at - 1].isspace():
        at += 1
    return at


def _word_end(text: str, at: int) -> int:
    """The end of the last whole word at or before ``at``."""
    if at >= len(text):
        return len(text)
    cut = text.rfind(" ", 0, at)
    return at if cut <= 0 else cut
