"""Highlights: the home's own text with the words a text search matched marked, for both engines.

The engines match analysed terms, so the words to mark are found the same way: each word of the
description is analysed (``word_terms``, at the offsets ``WORD`` finds, as ``term_spans`` does) and
marked when its term, or a term of its compound parts, is one the plan looks for, or one edit from a
term the plan forgives a typo in.
Both backends therefore mark exactly the same words.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from html import escape

from core.text_analysis import WORD, within_one_edit, word_terms
from search_api.text_plan import Boost, Either, Every, Fuzzy, Phrase, Term, TextNode

FRAGMENT_CHARS = 160
# How much text before the first marked word the fragment keeps, for context.
LEAD_CHARS = 40


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
        words = self._marked_words(text)
        first = next(words, None)
        if first is None:
            return None
        start = _word_start(text, max(0, first[0] - LEAD_CHARS)) if first[0] > LEAD_CHARS else 0
        end = _word_end(text, min(len(text), start + size))
        # Words after the fragment's end are never shown: they are not analysed.
        spans = [first, *itertools.takewhile(lambda span: span[0] < end, words)]
        return _marked(text, spans, start, end)

    def whole(self, text: str) -> str | None:
        """All of a short text (a title), HTML-escaped, with <mark>; None when no word is marked."""
        spans = self.marked_spans(text)
        return _marked(text, spans, 0, len(text)) if spans else None


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
