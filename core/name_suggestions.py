"""Which provider names ``/v1/suggest`` offers for a prefix, defined once for both engines.

A name is a candidate when one of its words (the name lowercased, split on whitespace: the
``name_words`` analyzer of the Elasticsearch mapping) starts with the prefix, its provider is
institutional and visible to the role. Candidates are ordered by the lowercased name, then by
provider id; names equal but for case are offered once (the first in that order); the first
``limit`` are offered. Elasticsearch sorts and collapses on ``name.order`` (a keyword with a
lowercase normalizer, whose byte order is this code-point order); the embedded engine sorts here.
"""

from __future__ import annotations

from collections.abc import Iterable


def name_words(name: str) -> list[str]:
    return name.lower().split()


def offered_names(candidates: Iterable[tuple[str, str]], limit: int) -> list[str]:
    """``candidates``: (name, provider id) pairs, any order, duplicates allowed."""
    offered: dict[str, str] = {}
    for name, _ in sorted(candidates, key=lambda pair: (pair[0].lower(), pair[1])):
        offered.setdefault(name.lower(), name)
        if len(offered) >= limit:
            break
    return list(offered.values())
