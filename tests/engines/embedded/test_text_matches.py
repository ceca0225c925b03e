"""Text matches ordered by row: the table of every row gives what a stable sort gives."""

from __future__ import annotations

import numpy as np
import pytest

from engines.embedded.snapshot import DENSE_SHARE, _by_row


def _sorted(rows: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(rows, kind="stable")
    return rows[order], scores[order]


@pytest.mark.parametrize("count", [0, 1, 50, 1_000, 9_999])
def test_matches_in_row_order_with_their_scores(count: int) -> None:
    n = 10_000
    rng = np.random.default_rng(count)
    rows = rng.permutation(n)[:count].astype(np.int64)
    scores = rng.random(count)
    found = _by_row(rows, scores, n)
    want_rows, want_scores = _sorted(rows, scores)
    assert found.rows.dtype == np.int64
    assert np.array_equal(found.rows, want_rows)
    assert np.array_equal(found.scores, want_scores)


def test_a_row_matched_twice_keeps_both_matches() -> None:
    # A document written again by a write killed before it was acknowledged: both stay, as sorted.
    n = 1_000
    rows = np.concatenate([np.arange(n // DENSE_SHARE + 10, dtype=np.int64), np.array([3], dtype=np.int64)])
    scores = np.arange(len(rows), dtype=np.float64)
    found = _by_row(rows, scores, n)
    want_rows, want_scores = _sorted(rows, scores)
    assert np.array_equal(found.rows, want_rows)
    assert np.array_equal(found.scores, want_scores)
