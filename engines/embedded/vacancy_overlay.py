"""Homes' own confirmations over the embedded index's vacancy columns, applied in memory.

The index holds what the register exported; the ledger (``core.vacancy_ledger``) holds what homes
confirmed since. Every search first compares the snapshot's ledger position with the one the ledger
knows in memory (no SQLite: the ledger looks at its file at most every ``CHECK_INTERVAL_S``, and takes
in this process's own confirmations before they are acknowledged) and, only if it moved, applies the
new confirmations to the live snapshot's columns. So a confirmation is in hits, filters, facet counts
and sorting on the very next search of the API worker that took it, and of every other worker within
``CHECK_INTERVAL_S``; a reindex or rollback (a new snapshot) gets every confirmation applied again.
The newest moment wins, as ``core.vacancies.overlay`` decides for a hit.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from typing import Protocol

from core.vacancies import Confirmation
from core.vacancy_ledger import VacancyLedger
from engines.embedded.columns import ColumnStore

# The columns a confirmation writes: cached filter masks over them go stale when one arrives.
VACANCY_COLUMNS = frozenset({"vacancies", "has_vacancy", "vacancies_updated_at"})


def apply_confirmations(columns: ColumnStore, confirmations: Iterable[Confirmation]) -> int:
    """Write each confirmation newer than the row's vacancy moment into the columns; how many were."""
    applied = 0
    moments = columns.numbers["vacancies_updated_at"]
    for confirmation in confirmations:
        row = columns.row_of(confirmation.provider_id)
        if row is None:
            continue
        current = float(moments[row])
        if not math.isnan(current) and confirmation.epoch < current:
            continue
        columns.numbers["vacancies"][row] = confirmation.vacancies
        moments[row] = confirmation.epoch
        columns.flags["has_vacancy"][row] = confirmation.vacancies > 0
        applied += 1
    return applied


class Overlaid(Protocol):
    """A snapshot: its columns, and the last ledger confirmation applied to them."""

    columns: ColumnStore
    ledger_seq: int


class VacancyOverlay:
    """Keeps snapshots' columns level with the ledger. Searches run on several threads: one of them
    applies what is new while the others read the columns (a row's old or new figure, never a mix
    that matters: each confirmation changes one row)."""

    def __init__(self, ledger: VacancyLedger | None) -> None:
        self.ledger = ledger
        self._lock = threading.Lock()

    def start(self, snap: Overlaid) -> None:
        """Every confirmation onto freshly loaded columns."""
        if self.ledger is None:
            return
        with self._lock:
            every, snap.ledger_seq = self.ledger.latest_with_seq()
            apply_confirmations(snap.columns, every.values())

    def catch_up(self, snap: Overlaid) -> bool:
        """Apply what arrived since the snapshot's position; whether anything did."""
        if self.ledger is None or self.ledger.known_seq() == snap.ledger_seq:
            return False
        with self._lock:
            known = self.ledger.known_seq()
            if known == snap.ledger_seq:
                return False  # another search applied it meanwhile
            # The file may hold more than the ledger knows yet: applied now, and again (a no-op, the
            # newest moment wins) once known, so the position never runs ahead of ``known_seq``.
            newer = self.ledger.confirmations_after(snap.ledger_seq)
            apply_confirmations(snap.columns, newer)
            snap.ledger_seq = known
        return bool(newer)
