"""The domain synonyms of ``core/data/synonyms.txt``, read with the one Swedish analysis.

A rule's words become term sequences (``core.text_analysis.terms``), so "pojke" in the file also
stands for "pojkar" and "pojkarna". The query side looks a caseworker's terms up here; the index is
never expanded, so changing the file needs no reindex.
"""

from __future__ import annotations

from functools import cache

from core.errors import NotConfigured
from core.text_analysis import _data_lines, terms

SYNONYMS_FILE = "synonyms.txt"
Terms = tuple[str, ...]


def _side(text: str, line: str) -> list[Terms]:
    sequences = []
    for words in text.split(","):
        sequence = tuple(terms(words))
        if not sequence:
            raise NotConfigured(
                f"core/data/{SYNONYMS_FILE}: '{line}' has an empty or stop-word-only entry; fix the rule"
            )
        sequences.append(sequence)
    return sequences


@cache
def synonyms() -> dict[Terms, tuple[Terms, ...]]:
    """Term sequence -> the term sequences it also finds (never itself)."""
    found: dict[Terms, dict[Terms, None]] = {}
    for line in _data_lines(SYNONYMS_FILE):
        if "=>" in line:
            left, right = line.split("=>", 1)
            sources, targets = _side(left, line), _side(right, line)
        else:
            sources = targets = _side(line, line)
        for source in sources:
            also = found.setdefault(source, {})
            for target in targets:
                if target != source:
                    also[target] = None
    return {source: tuple(targets) for source, targets in found.items() if targets}


@cache
def longest_rule() -> int:
    """How many terms the longest left side has: how far ahead the query side must look."""
    return max((len(source) for source in synonyms()), default=1)
