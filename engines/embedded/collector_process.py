"""A warm-up's text match sets, collected in a process of their own (one per server worker).

tantivy searches without the GIL, but hands each match over as Python objects (a tuple, a score, a
document address, then the row read for it), holding it: 7-8 ms for a piece of 50,000 matches at a
million rows, freed again after. A version's warm-up collects a dozen such sets while the worker
serves, and every search of the worker waited behind each piece: of the searches slower than the
p99 while versions switched, two thirds ran beside their own worker's warm-up. Here the hand-over
holds this process's GIL, and the worker only receives two arrays per set (a copy of a few MB).

The process opens the same version folder and checks that its searcher holds what the snapshot's
does (``snapshot.text_state``): a delta written since (or a version reopened) scores otherwise, and
the worker collects that set itself (``Snapshot.text_matches``'s ``elsewhere``). Whatever goes
wrong here (the process killed, too slow, an error) the worker does the same. The key travels
through a pipe, never a file or a log: the process writes nothing anywhere (its standard error goes
nowhere; an error is answered with None alone), since the key holds a caseworker's words. It runs
at a lower priority than the searches (``NICENESS``) and ends with the worker
(``PR_SET_PDEATHSIG``, and at the pipe's end). It starts with the first version switch a worker
finds after its first open, and does not collect for that switch's warm-up (its imports take a
second); a worker that never sees a switch never starts one. A delta's warm-up collects in the
worker: a write waits for it, and this process, giving way to the searches, can take over a second.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

import tantivy

from engines.embedded import snapshot
from engines.embedded.narrowing import narrowed_text
from engines.embedded.pacing import Pacing
from engines.embedded.snapshot import Scored, Snapshot, TextKey, collect_scored, text_state
from engines.embedded.text_index import open_index

log = logging.getLogger("placeringssok.index")
# A set takes well under a second of CPU at a million rows, even at the process's low priority under
# load: past this the process is taken as stuck, ended, and the worker collects its sets itself.
REPLY_TIMEOUT_S = 30.0
# A process that failed is started again at the first warm-up after this long.
RESTART_AFTER_S = 60.0
# Wanting a core a search wants too, the process gets about a tenth of the search's share: its sets
# are collected in the time the searches leave, at full speed. Paced as the worker's own warm-up is
# (a quarter of the time) as well, a version's warm-up took 4-5 s at a million rows, and with a
# switch every 5 s the version with deltas was never warmed completely.
NICENESS = 10
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class _Request:
    folder: str
    # The snapshot searcher's documents and segments: the process's must be the same.
    docs: tuple[int, int]
    n: int
    key: TextKey
    expected: int
    piece: int


@dataclass(frozen=True)
class _Reply:
    scored: Scored
    worked: float


class CollectorProcess:
    """The worker's side: started on demand, off the request path (``start``), asked set by set."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: BaseProcess | None = None
        self._pipe: Connection | None = None
        self._ready = False
        # Sets it collected (a warm-up that went through it, for tests and a curious operator).
        self.answered = 0
        self._failed_at = -RESTART_AFTER_S

    def start(self) -> None:
        """Start the process unless it runs (or failed lately); returns at once, while it starts."""
        with self._lock:
            if self._process is not None or time.monotonic() - self._failed_at < RESTART_AFTER_S:
                return
            context = multiprocessing.get_context("spawn")
            ours, theirs = context.Pipe()
            process = context.Process(target=_serve, args=(theirs,), name="text-collector", daemon=True)
            try:
                process.start()
            except (OSError, RuntimeError):  # no process to spare: warm-ups collect in the worker
                log.warning("the text collector process could not start; warm-ups collect in the worker")
                self._failed_at = time.monotonic()
                return
            finally:
                theirs.close()
            self._process, self._pipe, self._ready = process, ours, False

    def collect(self, snap: Snapshot, key: TextKey, expected: int) -> tuple[Scored, float] | None:
        """``key``'s matches on ``snap`` and the CPU time they took; None if the process is not
        running, holds another state of the index, or fails."""
        request = _Request(
            folder=str(snap.folder),
            docs=text_state(snap.searcher),
            n=snap.columns.n,
            key=key,
            expected=expected,
            piece=snapshot.COLLECT_PIECE,  # (read now: tests make it small)
        )
        with self._lock:
            pipe = self._pipe
            if pipe is None:
                return None
            try:
                if not self._ready:
                    # Starting takes a second of imports: the worker does not wait for them.
                    if not pipe.poll(0):
                        return None
                    self._ready = pipe.recv()
                pipe.send(request)
                answered = pipe.poll(REPLY_TIMEOUT_S)
                reply = pipe.recv() if answered else None
            except (OSError, EOFError, ValueError):
                answered, reply = False, None
            if not answered:
                self._end(failed=True)
                return None
        if not isinstance(reply, _Reply):
            return None
        self.answered += 1
        return reply.scored, reply.worked

    def stop(self) -> None:
        with self._lock:
            self._end(failed=False)

    def _end(self, *, failed: bool) -> None:
        process, pipe = self._process, self._pipe
        self._process = self._pipe = None
        if pipe is not None:
            pipe.close()  # the process ends at the pipe's end
        if process is not None:
            process.join(1.0)
            if process.is_alive():
                process.kill()
                process.join(1.0)
        if failed:
            log.warning("the text collector process failed or stopped answering; warm-ups collect in the worker")
            self._failed_at = time.monotonic()


def _in_the_background() -> None:
    """Nothing this process might print reaches a log (a traceback could quote a caseworker's
    words); it gives way to the searches (``NICENESS``) and ends with the worker that started it."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.dup2(devnull, 1)
    os.nice(NICENESS)
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _serve(pipe: Connection) -> None:
    _in_the_background()
    opened: tuple[str, tantivy.Index] | None = None
    try:
        pipe.send(True)  # ready: everything is imported
    except (OSError, ValueError):
        return
    while True:
        try:
            request = pipe.recv()
        except (EOFError, OSError):
            return
        reply: _Reply | None = None
        try:
            if opened is None or opened[0] != request.folder:
                opened = None
                opened = (request.folder, open_index(Path(request.folder) / "text"))
            reply = _collected(opened[1], request)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # tantivy's panics are BaseExceptions; the worker collects the set itself
            reply = None
        try:
            pipe.send(reply)
        except (OSError, ValueError):
            return


def _collected(index: tantivy.Index, request: _Request) -> _Reply | None:
    index.reload()
    searcher = index.searcher()
    if text_state(searcher) != request.docs:
        return None
    # Not paced: at its niceness the kernel runs it in the time the searches leave.
    pace = Pacing(1.0, clock=time.thread_time)
    schema = index.schema
    query = narrowed_text(schema, *request.key)
    scored = collect_scored(searcher, schema, query, request.n, request.expected, pace, piece=request.piece)
    return _Reply(scored, pace.worked)
