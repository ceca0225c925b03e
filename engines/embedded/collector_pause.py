"""Pausing Python's cycle collector while tantivy hands a text match set over (``Snapshot._collect``).

A piece of a large match set arrives as up to 65,536 tuples (a score and a document address each)
that live for a few milliseconds and are freed by reference counting. Built while the collector
runs, they set off young collections inside tantivy's hand-over, each walking every tuple made so
far: under load at a million rows, young collections that take well under a millisecond took 3-30
ms, holding the GIL, and every search of the worker waited. Paused, the collector never sees the
tuples; what other threads allocate meanwhile is collected after. One count for all threads: the
collector runs again when the last pause ends, and only if it ran before the first.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0
_resume = False


@contextmanager
def collector_paused() -> Iterator[None]:
    global _pauses, _resume
    with _lock:
        if _pauses == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _resume:
                gc.enable()
