"""Telling this process's readers of a write before it is acknowledged, so no search opens anything.

A search never waits for an open: a new version (a reindex, a merge, a rollback) is opened by the
reader's background refresher, which looks at the disk every 50 ms, and swapped in when ready. A
write made by *this* process (a job or a small write run beside the server, as the tests and the
benchmarks do) would then not be visible to the very next search; so before such a write returns,
``published`` hands the new state to every reader of the same index root in the process, which opens
it (or applies the delta) on the writer's thread and installs it. Writes of other processes are
found by the refresher.

Neutral ground: the index side (``target``) calls ``published`` and the query side (``search``)
registers its readers, and neither imports the other.
"""

from __future__ import annotations

import logging
import threading
import weakref
from pathlib import Path
from typing import Protocol

log = logging.getLogger("placeringssok.index")


class Reader(Protocol):
    def install_written(self) -> None:
        """Open what the disk holds now (a new version, new deltas) and serve it from now on."""


_lock = threading.Lock()
_readers: dict[Path, weakref.WeakSet[Reader]] = {}


def _key(root: Path) -> Path:
    return root.resolve()


def register(root: Path, reader: Reader) -> None:
    """``reader`` serves the index in ``root``; it is forgotten when it is garbage."""
    with _lock:
        _readers.setdefault(_key(root), weakref.WeakSet()).add(reader)


def published(root: Path) -> None:
    """A write to ``root`` is on disk: every reader of it in this process installs it now."""
    with _lock:
        readers = list(_readers.get(_key(root), ()))
    for reader in readers:
        try:
            reader.install_written()
        except Exception as exc:  # the write stands; the reader's refresher tries again
            log.warning("a reader could not install a new write at once (%s); its refresher will", type(exc).__name__)
