"""The rate-limit counts the workers share (``search_api.rate_counts``): the moving window exactly as
``limits`` keeps it in memory, across processes."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from core.errors import ServingMisconfigured
from core.settings import Settings
from search_api import rate_counts


def _limiter(path: Path) -> MovingWindowRateLimiter:
    return MovingWindowRateLimiter(storage_from_string(f"sqlite://{path}"))


def test_the_moving_window_allows_exactly_the_limit_then_frees_one_hit_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1_000_000.0]
    monkeypatch.setattr("search_api.rate_counts.time.time", lambda: now[0])
    limiter, item = _limiter(tmp_path / "counts.sqlite"), parse("3/minute")
    hits = []
    for _ in range(5):
        hits.append(limiter.hit(item, "k"))
        now[0] += 10
    assert hits == [True, True, True, False, False]
    stats = limiter.get_window_stats(item, "k")
    assert stats.remaining == 0 and stats.reset_time == 1_000_000.0 + 60
    assert not limiter.test(item, "k") and limiter.test(item, "other")
    now[0] = 1_000_000.0 + 60.5  # the first hit has left the window; the second is still in it
    assert limiter.hit(item, "k") and not limiter.hit(item, "k")
    now[0] = 1_000_000.0 + 71
    assert limiter.hit(item, "k")


def test_a_changed_limit_starts_the_key_again(tmp_path: Path) -> None:
    limiter = _limiter(tmp_path / "counts.sqlite")
    assert [limiter.hit(parse("2/minute"), "k") for _ in range(3)] == [True, True, False]
    assert [limiter.hit(parse("3/minute"), "k") for _ in range(4)] == [True, True, True, False]


def test_keys_whose_window_passed_are_forgotten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1_000_000.0]
    monkeypatch.setattr("search_api.rate_counts.time.time", lambda: now[0])
    path = tmp_path / "counts.sqlite"
    limiter = _limiter(path)
    for key in ("a", "b", "c"):
        limiter.hit(parse("5/minute"), key)
    now[0] += 61 + rate_counts.SWEEP_EVERY_S
    limiter.hit(parse("5/minute"), "d")
    storage = limiter.storage
    assert isinstance(storage, rate_counts.SharedRateCounts)
    assert storage._read("SELECT count(*) FROM windows", ()) == (1,)
    assert storage._read("SELECT count(*) FROM moments", ()) == (1,)


def _spend(path: str, attempts: int, results: multiprocessing.Queue[int]) -> None:
    limiter = MovingWindowRateLimiter(storage_from_string(f"sqlite://{path}"))
    item = parse("100/minute")
    results.put(sum(limiter.hit(item, "shared") for _ in range(attempts)))


def test_processes_hitting_at_once_share_one_budget(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue[int] = context.Queue()
    path = str(tmp_path / "counts.sqlite")
    processes = [context.Process(target=_spend, args=(path, 60, results)) for _ in range(4)]
    for process in processes:
        process.start()
    allowed = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    assert sum(allowed) == 100, allowed


def test_fixed_window_counters_for_the_other_strategies(tmp_path: Path) -> None:
    storage = rate_counts.SharedRateCounts(f"sqlite://{tmp_path / 'counts.sqlite'}")
    assert storage.incr("k", 60) == 1 and storage.incr("k", 60, amount=2) == 3 and storage.get("k") == 3
    assert storage.get_expiry("k") > time.time() and storage.check()
    storage.clear("k")
    assert storage.get("k") == 0


def test_the_storage_follows_the_number_of_workers(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.rate_limit_storage_for(1) == "memory://"
    shared = settings.rate_limit_storage_for(2)
    assert shared == f"sqlite://{(tmp_path / 'rate-limits.sqlite').absolute()}"
    chosen = Settings(data_dir=tmp_path, rate_limit_storage="redis://localhost:6379")
    assert chosen.rate_limit_storage_for(4) == "redis://localhost:6379"
    with pytest.raises(ServingMisconfigured, match="PLACERINGSSOK_RATE_LIMIT_STORAGE"):
        Settings(data_dir=tmp_path, rate_limit_storage="memory://").rate_limit_storage_for(2)
