"""Graded relevance metrics: nDCG@k with gains 2^grade - 1, and recall@k out of at most k."""

from __future__ import annotations

import math


def ndcg(ranked: list[str], grades: dict[str, int], k: int = 10) -> float:
    gain = sum((2 ** grades.get(i, 0) - 1) / math.log2(n + 2) for n, i in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    best = sum((2**g - 1) / math.log2(n + 2) for n, g in enumerate(ideal))
    return gain / best if best else 1.0


def recall(ranked: list[str], grades: dict[str, int], k: int = 20) -> float:
    """The share of homes graded 1+ found in the first k, out of at most k: a query with 300 relevant
    homes can still reach 1.0."""
    relevant = {i for i, g in grades.items() if g > 0}
    if not relevant:
        return 1.0
    return len(relevant & set(ranked[:k])) / min(k, len(relevant))
