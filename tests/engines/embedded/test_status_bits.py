"""The vacancy status sets moved to another boundary (``StatusBits.moved_to``: only the rows that
turned are looked at) are the sets made afresh there, forwards and backwards, across many homes'
moments and none, and outside the window they are made afresh."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import engines.embedded.snapshot as snapshot_module
from core.documents import IndexedProvider
from engines.embedded.snapshot import Snapshot, status_bits
from tests.engines.embedded.test_search_caches import moments
from tests.engines.embedded.test_small_writes import build


@pytest.mark.parametrize("window_days", [3650.0, 2.0])
def test_sets_moved_to_a_boundary_are_the_sets_made_there(
    tmp_path: Path, fixture_documents: list[IndexedProvider], monkeypatch: pytest.MonkeyPatch, window_days: float
) -> None:
    monkeypatch.setattr(snapshot_module, "STATUS_WINDOW_S", window_days * 86400)
    target = build(tmp_path, fixture_documents)
    snap = Snapshot.open(target.versions.live_dir())
    known = moments(fixture_documents)
    rng = np.random.default_rng(3)
    # Boundaries on, just past and between the homes' moments, in no order: forwards and backwards.
    boundaries = [float(m) + d for m in rng.choice(known, 40) for d in (0.0, 0.5, -0.5, 3600.0)]
    rng.shuffle(boundaries)
    vacancies = snap.columns.number("vacancies")
    moved_some = 0
    current = status_bits(snap.columns, 0, boundaries[0])
    for boundary in boundaries[1:]:
        made = status_bits(snap.columns, 0, boundary)
        moved = current.moved_to(vacancies, boundary)
        if moved is not None:
            moved_some += 1
            assert np.array_equal(moved.ja, made.ja) and np.array_equal(moved.nej, made.nej), boundary
            assert moved.holds_at(0, boundary) and moved.token != current.token
            # The sets hold over the whole span they claim (narrower than made afresh's at most).
            for edge in (moved.oldest_fresh, float(np.nextafter(moved.newest_stale, np.inf))):
                at_edge = status_bits(snap.columns, 0, edge)
                assert np.array_equal(moved.ja, at_edge.ja) and np.array_equal(moved.nej, at_edge.nej), edge
            assert made.newest_stale <= moved.newest_stale and moved.oldest_fresh <= made.oldest_fresh
            current = moved
        else:
            current = made
    assert moved_some > len(boundaries) // 2 if window_days > 10 else moved_some < len(boundaries)
