"""Vacancy status and the ledger: the rules every engine and response share (core/vacancies.py,
core/vacancy_ledger.py), on a real SQLite file."""

from __future__ import annotations

import math
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from core.vacancies import STATUSES, Confirmation, overlay, status_codes, status_of
from core.vacancy_ledger import VacancyLedger

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
TTL = timedelta(days=14)


@given(st.lists(st.tuples(st.integers(0, 5), st.one_of(st.none(), st.integers(-40, 2))), min_size=1, max_size=30))
def test_the_column_status_is_the_single_home_status(homes: list[tuple[int, int | None]]) -> None:
    moments = [None if days is None else NOW + timedelta(days=days) for _, days in homes]
    vacancies = np.array([float(n) for n, _ in homes])
    epochs = np.array([math.nan if m is None else m.timestamp() for m in moments])
    codes = status_codes(vacancies, epochs, (NOW - TTL).timestamp())
    expected = [status_of(n, m, NOW - TTL) for (n, _), m in zip(homes, moments, strict=True)]
    assert [STATUSES[c] for c in codes] == expected


def test_status_at_the_edges_of_the_ttl() -> None:
    assert status_of(2, NOW - TTL, NOW - TTL) == "ja"  # exactly the TTL old: still fresh
    assert status_of(2, NOW - TTL - timedelta(seconds=1), NOW - TTL) == "okänd"
    assert status_of(0, NOW, NOW - TTL) == "nej"
    assert status_of(3, None, NOW - TTL) == "okänd"


def test_the_newest_moment_wins_and_a_tie_goes_to_the_home() -> None:
    source = {"id": "a", "vacancies": 0, "has_vacancy": False, "vacancies_updated_at": NOW.isoformat()}
    older = Confirmation(1, "a", 2, None, NOW - timedelta(hours=1), "hem", "provider")
    same = Confirmation(2, "a", 3, None, NOW, "hem", "provider")
    assert overlay(source, older) is source
    shown = overlay(source, same)
    assert shown["vacancies"] == 3 and shown["has_vacancy"] is True and source["vacancies"] == 0


def test_the_ledger_keeps_confirmations_reports_and_history(tmp_path: Path) -> None:
    ledger = VacancyLedger(tmp_path / "vacancies.sqlite")
    try:
        ledger.confirm("a", 2, date(2026, 12, 3), NOW, "hem-a", "provider")
        # A later arrival with an earlier moment (a clock behind) does not become the newest word.
        ledger.confirm("a", 1, None, NOW - timedelta(days=1), "hem-a", "provider")
        ledger.confirm("b", 0, None, NOW, "hem-b", "provider")
        assert ledger.latest_seq() == 3
        assert ledger.latest(["a"])["a"].vacancies == 2
        assert {c.provider_id: c.vacancies for c in ledger.latest().values()} == {"a": 2, "b": 0}
        assert [c.seq for c in ledger.confirmations_after(1)] == [2, 3]

        ledger.report("a", "fullt", NOW + timedelta(hours=1), "handlaggare", "caseworker")
        assert ledger.open_reports(["a", "b"])["a"].reason == "fullt"
        ledger.confirm("a", 1, None, NOW + timedelta(hours=2), "hem-a", "provider")
        assert ledger.open_reports(["a"]) == {}, "the home's next confirmation closes the report"

        confirmations, reports = ledger.history("a", 2)
        assert [c.vacancies for c in confirmations] == [1, 2] and len(reports) == 1
        assert ledger.drop(["a"]) == 3
        assert ledger.history("a", 10) == ([], []) and "b" in ledger.latest()
    finally:
        ledger.close()


def test_a_second_connection_sees_a_confirmation_at_once(tmp_path: Path) -> None:
    """Another API worker (another connection to the file) notices through latest_seq."""
    writer, reader = VacancyLedger(tmp_path / "l.sqlite"), VacancyLedger(tmp_path / "l.sqlite")
    try:
        before = reader.latest_seq()
        writer.confirm("a", 1, None, NOW, "hem", "provider")
        assert reader.latest_seq() == before + 1
        assert reader.confirmations_after(before)[0].provider_id == "a"
    finally:
        writer.close()
        reader.close()
    assert VacancyLedger.if_present(tmp_path / "none.sqlite") is None


def _asked_of_the_file(path: Path, ids: list[str]) -> tuple[dict[str, int], dict[str, int]]:
    """The newest confirmation and the open report per home, as SQL over the file says: seqs."""
    db = sqlite3.connect(path)
    try:
        newest = {
            provider: seq
            for seq, provider in db.execute("SELECT seq, provider_id FROM confirmations ORDER BY confirmed_at, seq")
        }
        open_reports = {
            provider: seq
            for seq, provider in db.execute(
                "SELECT r.seq, r.provider_id FROM reports r WHERE r.reported_at > COALESCE("
                "(SELECT max(c.confirmed_at) FROM confirmations c WHERE c.provider_id = r.provider_id), -1e18) "
                "ORDER BY r.reported_at, r.seq"
            )
        }
    finally:
        db.close()
    return {p: s for p, s in newest.items() if p in ids}, {p: s for p, s in open_reports.items() if p in ids}


WORDS = st.lists(
    st.tuples(st.sampled_from(["confirm", "report", "drop"]), st.sampled_from("abc"), st.integers(-3, 3)),
    max_size=25,
)


@settings(max_examples=40, deadline=None)
@given(WORDS)
def test_the_memory_says_what_the_file_says(words: list[tuple[str, str, int]]) -> None:
    """Whatever order homes confirm in (clocks behind, ties), caseworkers report and tombstones drop,
    the memory searches read gives the file's newest confirmation and open report per home: in the
    object that wrote, at once, and in another that loaded the file."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "l.sqlite"
        ledger = VacancyLedger(path)
        ids = ["a", "b", "c"]
        try:
            assert ledger.latest(ids) == {}  # the memory exists before the writes, and follows them
            for kind, home, minutes in words:
                at = NOW + timedelta(minutes=minutes)
                if kind == "confirm":
                    ledger.confirm(home, minutes + 3, None, at, "hem", "provider")
                elif kind == "report":
                    ledger.report(home, "fullt", at, "handlaggare", "caseworker")
                else:
                    ledger.drop([home])
            newest, reports = _asked_of_the_file(path, ids)
            other = VacancyLedger(path)
            try:
                for memory in (ledger, other):
                    assert {p: c.seq for p, c in memory.latest(ids).items()} == newest
                    assert {p: c.seq for p, c in memory.latest().items()} == newest
                    assert {p: r.seq for p, r in memory.open_reports(ids).items()} == reports
            finally:
                other.close()
        finally:
            ledger.close()


def test_another_connections_words_reach_the_memory_within_the_bound(tmp_path: Path) -> None:
    """Another API worker's confirmation, report and drop (another connection to the file) reach this
    object's memory within CHECK_INTERVAL_S; the test polls up to a generous 5 s."""
    reader, writer = VacancyLedger(tmp_path / "l.sqlite"), VacancyLedger(tmp_path / "l.sqlite")

    def within_bound(seen: Callable[[], bool]) -> None:
        deadline = time.monotonic() + 5
        while not seen():
            assert time.monotonic() < deadline, "never reached the other object's memory"
            time.sleep(0.005)

    try:
        assert reader.latest(["a"]) == {} and reader.known_seq() == 0
        confirmation = writer.confirm("a", 2, None, NOW, "hem", "provider")
        within_bound(lambda: reader.known_seq() == confirmation.seq)
        assert reader.latest(["a"])["a"].vacancies == 2
        writer.report("a", "fullt", NOW + timedelta(hours=1), "handlaggare", "caseworker")
        within_bound(lambda: "a" in reader.open_reports(["a"]))
        writer.drop(["a"])
        within_bound(lambda: reader.latest(["a"]) == {} and reader.open_reports(["a"]) == {})
    finally:
        reader.close()
        writer.close()
