"""How a warm-up (and the open before it) shares the machine with the searches it runs beside.

Called after each piece of work, a ``Pacing`` pauses so that the work takes at most ``duty`` of the
time: each pause is (1/duty - 1) times the work since the last call. A load that makes each piece
take longer makes the pauses longer too. Work done in another process (the ``collector_process``) is
only counted (``add``): the budget of a warm-up is its work wherever done.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class Pacing:
    """``clock``: what work is measured in; wall time by default (a worker's warm-up holds the GIL
    its searches need whether or not it is on a core), the thread's CPU time in the collector
    process (not paced, only counted: the kernel lets it wait while the searches run, its niceness,
    and its waits are no work)."""

    def __init__(self, duty: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.duty = duty
        self.worked = 0.0
        self._clock = clock
        self._since = clock()

    def __call__(self) -> None:
        took = self._clock() - self._since
        self.worked += took
        if self.duty < 1.0:
            time.sleep(took * (1.0 / self.duty - 1.0))
        self._since = self._clock()

    def add(self, worked: float) -> None:
        """Work done elsewhere, paced there: counted, not paused for (nor is the wait for it)."""
        self.worked += worked
        self._since = self._clock()
