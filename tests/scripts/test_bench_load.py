"""How the benchmarks judge wrk's connections spread over the server's workers."""

from __future__ import annotations

from scripts.bench_load import Load


def load(*spread: int) -> Load:
    return Load(1000, 10.0, 3.0, 5.0, 7.0, 0, 0, spread=spread)


def test_a_worker_that_took_no_connection_counts_as_zero() -> None:
    # ss lists only the processes holding a connection: all 8 on one of 2 workers is 8/0, not even.
    assert load(8).over(2) == (8, 0) and not load(8).even(2)
    assert load(8).even(1)
    assert load(4, 4).even(2) and load(5, 4).even(2) and not load(5, 3).even(2)
    assert load().over(2) == () and not load().even(2)
