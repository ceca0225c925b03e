"""The cycle collector is paused while tantivy hands matches over, and runs again as it did before."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from engines.embedded.collector_pause import collector_paused


@pytest.fixture(autouse=True)
def collector_as_found() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    (gc.enable if enabled else gc.disable)()


def test_the_collector_runs_again_after_the_last_pause_of_any_thread() -> None:
    gc.enable()
    first_in, second_out = threading.Event(), threading.Event()

    def other() -> None:
        with collector_paused():
            first_in.set()
            assert second_out.wait(10)

    thread = threading.Thread(target=other)
    thread.start()
    assert first_in.wait(10)
    with collector_paused():
        assert not gc.isenabled()
    # The other thread's pause is still on: the collector stays off until it ends.
    assert not gc.isenabled()
    second_out.set()
    thread.join()
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off() -> None:
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_a_failure_inside_a_pause_still_ends_it() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("tantivy failed")
    assert gc.isenabled()
