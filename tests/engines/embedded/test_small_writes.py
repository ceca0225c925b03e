"""Small writes onto the live embedded index: no copy of the index, the same answers as a rebuild,
visible to a running reader, and a SIGKILL at any moment leaves the last acknowledged state."""

from __future__ import annotations

import asyncio
import functools
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from core.documents import IndexedProvider
from core.writing import Deletion
from engines.embedded.deltas import delta_files
from engines.embedded.integrity import damage
from engines.embedded.search import EmbeddedBackend
from engines.embedded.snapshot import Snapshot
from engines.embedded.target import EmbeddedTarget
from engines.embedded.writer import manifest_with_deltas, read_manifest
from search_api.backends import BackendResult
from search_api.criteria import SearchCriteria
from search_api.plan import Origin, SearchPlan, build_plan

ROOT = Path(__file__).resolve().parents[3]
EVERY_TYPE = frozenset(
    {"hvb", "familjehem", "jourhem", "konsulentstott_familjehem", "stodboende", "lss_bostad_barn", "sis_ungdomshem"}
    | {"skyddat_boende"}
)
STALE_BEFORE = 1.7e9


def build(root: Path, docs: list[IndexedProvider]) -> EmbeddedTarget:
    target = EmbeddedTarget(root)
    with target.writer_lock():
        writer = target.begin(from_live=False)
        writer.upsert([target.prepare(d) for d in docs])
        target.switch_to(writer.commit(["test"]))
    return target


def changed(doc: IndexedProvider, hours: int, **values: Any) -> IndexedProvider:
    return {**doc, **values, "updated_at": doc["updated_at"] + timedelta(hours=hours)}  # type: ignore[typeddict-item]


def plans() -> list[SearchPlan]:
    bodies: list[dict[str, Any]] = [
        {},
        {"has_vacancy": True, "sort": "price"},
        {"point": {"lat": 59.33, "lon": 18.06}, "max_km": 300, "target_groups": ["missbruk", "trauma"]},
        {"point": {"lat": 57.7, "lon": 11.97}, "min_km": 50, "sort": "distance", "page": 2, "size": 7},
        {"q": "missbruk ungdomar"},
        {"q": "trauma", "county_codes": ["01", "14"], "sort": "vacancies_updated"},
    ]
    made = []
    for body in bodies:
        criteria = SearchCriteria.model_validate(body)
        point = criteria.point
        origin = Origin(point.lat, point.lon) if point is not None else None
        made.append(build_plan(criteria, origin, "caseworker", STALE_BEFORE))
    return made


def search(backend: EmbeddedBackend, plan: SearchPlan) -> BackendResult:
    return asyncio.run(backend.search(plan))


def test_deltas_answer_like_a_rebuild(tmp_path: Path, fixture_documents: list[IndexedProvider]) -> None:
    docs = fixture_documents
    target = build(tmp_path / "delta", docs[:600])
    built = target.versions.pointer()
    target.apply(docs[600:650])
    updates = [changed(d, 1, vacancies=0, has_vacancy=False) for d in docs[:40:3]]
    target.apply(updates, [Deletion(d["id"], d["updated_at"] + timedelta(hours=1)) for d in docs[100:105]])
    renamed = changed(docs[600], 2, name="Delta Hemmet", description="Ett nytt hem med gängkriminalitet")
    target.apply([renamed, *docs[650:]])
    # Small writes change the live version in place: no new version folder, no switch.
    assert target.versions.pointer() == built and len(delta_files(target.versions.live_dir())) == 3
    # A server opening it while another version serves pauses after each part read (4) and each
    # delta read and applied (``Pacing``).
    paused: list[int] = []
    paced = Snapshot.open(target.versions.live_dir(), functools.partial(paused.append, 1))
    assert len(paused) == 4 + 2 * 3 and paced.columns.n == Snapshot.open(target.versions.live_dir()).columns.n

    final = {d["id"]: d for d in docs}
    final |= {d["id"]: d for d in updates} | {renamed["id"]: renamed}
    for d in docs[100:105]:
        del final[d["id"]]
    rebuilt_target = build(tmp_path / "rebuilt", list(final.values()))
    # status's counts come from the deltas alone: the same as the rebuild's manifest
    counted = manifest_with_deltas(target.versions.live_dir())
    built_manifest = read_manifest(rebuilt_target.versions.live_dir())
    assert counted["documents"] == built_manifest["documents"] == len(final)
    assert counted["by_provider_type"] == built_manifest["by_provider_type"]

    with_deltas, rebuilt = EmbeddedBackend(tmp_path / "delta"), EmbeddedBackend(tmp_path / "rebuilt")
    _same_answers(with_deltas, rebuilt)
    assert asyncio.run(with_deltas.get(docs[100]["id"], EVERY_TYPE)) is None
    assert asyncio.run(with_deltas.get(renamed["id"], EVERY_TYPE))["name"] == "Delta Hemmet"  # type: ignore[index]
    assert asyncio.run(with_deltas.readiness()).documents == len(final)
    text = replace(plans()[0], text=build_plan(SearchCriteria(q="gängkriminalitet"), None, "caseworker", 0).text)
    assert renamed["id"] in {h.source["id"] for h in search(with_deltas, text).hits}

    # Merged into a new version: the same answers, no delta left, the old version kept as previous.
    merged = target.merge()
    assert merged != built.live and delta_files(target.versions.live_dir()) == []  # type: ignore[union-attr]
    _same_answers(EmbeddedBackend(tmp_path / "delta"), rebuilt)


def test_a_merge_leaves_the_version_it_merged_as_built(
    tmp_path: Path, fixture_documents: list[IndexedProvider]
) -> None:
    """Merges share the live version's files by hardlinks: the next merge, with rows appended, must
    not write its new document part through the empty part a deletion-only merge left at the same
    row (that wrote into the version a rollback returns to, whose checksums then failed)."""
    docs = fixture_documents
    target = build(tmp_path, docs[:600])
    target.apply([], [Deletion(d["id"], d["updated_at"] + timedelta(hours=1)) for d in docs[100:105]])
    first = target.merge()
    target.apply(docs[600:620])
    second = target.merge()
    root = target.versions.root
    assert damage(root / first) is None and damage(root / second) is None
    with target.writer_lock():
        assert target.rollback(to=first) == first
    # The first merged version with the small write made on it, its documents read from its own parts.
    backend = EmbeddedBackend(tmp_path)
    assert asyncio.run(backend.readiness()).documents == 615
    for doc in (docs[0], docs[610]):
        assert asyncio.run(backend.get(doc["id"], EVERY_TYPE))["name"] == doc["name"]  # type: ignore[index]


def test_an_id_longer_than_every_built_one_is_kept_whole(
    tmp_path: Path, fixture_documents: list[IndexedProvider]
) -> None:
    """The id column holds fixed-width bytes, as wide as the build's longest id: a small write's
    longer id widens it rather than being cut (once a merge saved the cut id, the home's next write
    no longer found its row and added the home a second time)."""
    docs = fixture_documents
    target = build(tmp_path, docs[:100])
    longer: IndexedProvider = {**docs[100], "id": docs[100]["id"] + "-" + "x" * 40}
    target.apply([longer], merge_in_background=False)
    target.apply([changed(longer, 1, name="Längre id")], merge_in_background=False)
    target.merge()
    target.apply([changed(longer, 2, name="Längre id igen")], merge_in_background=False)
    backend = EmbeddedBackend(tmp_path)
    assert asyncio.run(backend.readiness()).documents == 101
    assert asyncio.run(backend.get(longer["id"], EVERY_TYPE))["name"] == "Längre id igen"  # type: ignore[index]
    assert asyncio.run(backend.get(docs[100]["id"], EVERY_TYPE)) is None
    asyncio.run(backend.close())


def _same_answers(got_from: EmbeddedBackend, want_from: EmbeddedBackend) -> None:
    for plan in plans():
        got, want = search(got_from, plan), search(want_from, plan)
        assert (got.total, got.facets) == (want.total, want.facets), plan
        if plan.text is None:
            # Text scores depend on index statistics, which replaced documents still count in.
            assert [h.source for h in got.hits] == [h.source for h in want.hits], plan


def test_a_running_reader_shows_a_single_upsert(tmp_path: Path, fixture_documents: list[IndexedProvider]) -> None:
    target = build(tmp_path, fixture_documents)
    backend = EmbeddedBackend(tmp_path)
    home = next(d for d in fixture_documents if d["vacancies"] > 0)
    assert asyncio.run(backend.get(home["id"], EVERY_TYPE))["vacancies"] > 0  # type: ignore[index]
    target.apply([changed(home, 1, vacancies=0, has_vacancy=False)])
    deadline = time.monotonic() + 30  # generous: the background refresh runs every 50 ms
    while asyncio.run(backend.get(home["id"], EVERY_TYPE))["vacancies"] != 0:  # type: ignore[index]
        assert time.monotonic() < deadline, "the running reader never showed the write"
        time.sleep(0.02)
    asyncio.run(backend.close())


def test_a_write_in_this_process_is_served_when_it_returns(
    tmp_path: Path, fixture_documents: list[IndexedProvider]
) -> None:
    """A small write, a reindex and a rollback made beside a running reader are installed before
    they return: the very next search shows each, with nothing opened on its way."""
    target = build(tmp_path, fixture_documents[:300])
    backend = EmbeddedBackend(tmp_path)
    home = next(d for d in fixture_documents[:300] if d["vacancies"] > 0)
    assert asyncio.run(backend.get(home["id"], EVERY_TYPE))["vacancies"] > 0  # type: ignore[index]
    before = search(backend, plans()[0]).total
    target.apply([changed(home, 1, vacancies=0, has_vacancy=False)])
    assert asyncio.run(backend.get(home["id"], EVERY_TYPE))["vacancies"] == 0  # type: ignore[index]
    newcomer = fixture_documents[349]
    assert asyncio.run(backend.get(newcomer["id"], EVERY_TYPE)) is None
    build(tmp_path, fixture_documents[:350])
    assert asyncio.run(backend.get(newcomer["id"], EVERY_TYPE)) is not None
    assert search(backend, plans()[0]).total > before
    with target.writer_lock():
        target.rollback()
    assert asyncio.run(backend.get(newcomer["id"], EVERY_TYPE)) is None
    assert search(backend, plans()[0]).total == before
    asyncio.run(backend.close())


def test_a_search_never_opens_a_version_another_process_switched_to(
    tmp_path: Path, fixture_documents: list[IndexedProvider], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A version made live behind the reader's back (as another process does) is opened by the
    background refresher; searches meanwhile serve the version they have and never open one."""
    build(tmp_path, fixture_documents[:300])
    backend = EmbeddedBackend(tmp_path)
    newcomer = fixture_documents[349]
    assert asyncio.run(backend.get(newcomer["id"], EVERY_TYPE)) is None
    newer = EmbeddedTarget(tmp_path / "elsewhere")  # a writer this process's readers do not know
    newer.versions = type(newer.versions)(tmp_path)
    with newer.writer_lock():
        writer = newer.begin(from_live=False)
        writer.upsert([newer.prepare(d) for d in fixture_documents[:350]])
        version = writer.commit(["test"])
    opened_by: list[str] = []
    real_open = Snapshot.open

    def open_noting(folder: Path, between: Callable[[], object] = lambda: None) -> Snapshot:
        opened_by.append(threading.current_thread().name)
        return real_open(folder, between)

    monkeypatch.setattr(Snapshot, "open", staticmethod(open_noting))
    newer.versions.switch_to(version)  # the pointer only: no reader in this process is told
    deadline = time.monotonic() + 30  # generous: the refresher looks every 50 ms
    while asyncio.run(backend.get(newcomer["id"], EVERY_TYPE)) is None:
        assert time.monotonic() < deadline, "the refresher never opened the new version"
        search(backend, plans()[0])
    assert opened_by and set(opened_by) == {"index-refresh"}, opened_by
    asyncio.run(backend.close())


def test_a_search_does_not_wait_while_the_refresher_opens_a_version(
    tmp_path: Path, fixture_documents: list[IndexedProvider], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An open that takes long (seconds at a million providers) holds up no search: they serve the
    version they have until the new one is ready."""
    build(tmp_path, fixture_documents[:300])
    backend = EmbeddedBackend(tmp_path)
    newcomer = fixture_documents[349]
    assert asyncio.run(backend.get(newcomer["id"], EVERY_TYPE)) is None
    other = EmbeddedTarget(tmp_path / "elsewhere")
    other.versions = type(other.versions)(tmp_path)
    with other.writer_lock():
        writer = other.begin(from_live=False)
        writer.upsert([other.prepare(d) for d in fixture_documents[:350]])
        version = writer.commit(["test"])
    opening, release = threading.Event(), threading.Event()
    real_open = Snapshot.open

    def slow_open(folder: Path, between: Callable[[], object] = lambda: None) -> Snapshot:
        opening.set()
        assert release.wait(60)
        return real_open(folder, between)

    monkeypatch.setattr(Snapshot, "open", staticmethod(slow_open))
    other.versions.switch_to(version)
    assert opening.wait(30), "the refresher never started the open"
    with ThreadPoolExecutor(max_workers=1) as pool:
        answer = pool.submit(lambda: asyncio.run(backend.get(newcomer["id"], EVERY_TYPE)))
        try:
            assert answer.result(timeout=20) is None, "served the version it had"
        finally:
            release.set()
    deadline = time.monotonic() + 30
    while asyncio.run(backend.get(newcomer["id"], EVERY_TYPE)) is None:
        assert time.monotonic() < deadline, "the new version was never served"
        time.sleep(0.02)
    asyncio.run(backend.close())


WRITER = """
import sys, orjson
from datetime import datetime, timedelta
from pathlib import Path
from engines.embedded.target import EmbeddedTarget
from engines.embedded.writer import manifest_with_deltas, read_manifest

root, doc_file, first = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
doc = orjson.loads(doc_file.read_bytes())
for key in ("updated_at", "vacancies_updated_at"):
    doc[key] = datetime.fromisoformat(doc[key]) if doc[key] else None
target = EmbeddedTarget(root)
base = doc["updated_at"]
for i in range(first, first + 100000):
    target.apply([{**doc, "name": f"Skrivning nummer{i}", "updated_at": base + timedelta(seconds=i)}])
    print(f"ack {i}", flush=True)
"""


def _write_until_killed(root: Path, doc_file: Path, first: int, after_acks: int) -> int:
    """Run a writer of small writes, SIGKILL it mid-stream; the last number it acknowledged."""
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(root), str(doc_file), str(first)],
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )
    assert writer.stdout is not None
    last = first - 1
    for _ in range(after_acks):
        line = writer.stdout.readline()
        assert line.startswith("ack "), line
        last = int(line.split()[1])
    time.sleep(0.013 * after_acks % 0.05)  # land the kill at varying points of the next write
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    # Acknowledgements printed before the kill and not read yet count too.
    for line in writer.stdout:
        last = int(line.split()[1])
    return last


@pytest.mark.parametrize("rounds", [4])
def test_sigkill_during_small_writes_keeps_the_last_acknowledged_state(
    tmp_path: Path, fixture_documents: list[IndexedProvider], rounds: int
) -> None:
    home = next(d for d in fixture_documents if d["provider_type"] == "hvb")
    build(tmp_path, fixture_documents)
    doc_file = tmp_path / "home.json"
    doc_file.write_bytes(orjson.dumps(home))
    first = 1
    for round_ in range(rounds):
        acknowledged = _write_until_killed(tmp_path, doc_file, first, after_acks=2 + round_)
        backend = EmbeddedBackend(tmp_path)
        name = asyncio.run(backend.get(home["id"], EVERY_TYPE))["name"]  # type: ignore[index]
        seen = int(name.removeprefix("Skrivning nummer"))
        # Acknowledged writes are kept; the one in flight at the kill may or may not have landed.
        assert acknowledged <= seen <= acknowledged + 1
        assert asyncio.run(backend.readiness()).documents == len({d["id"] for d in fixture_documents})
        first = seen + 1
    # After the kills, a new write lands, and text finds only the live document, not half-written ones.
    target = EmbeddedTarget(tmp_path)
    target.apply([{**home, "name": "Skrivning efter", "updated_at": home["updated_at"] + timedelta(days=30)}])
    backend = EmbeddedBackend(tmp_path)
    text = build_plan(SearchCriteria(q="skrivning"), None, "caseworker", STALE_BEFORE)
    result = search(backend, text)
    assert [h.source["name"] for h in result.hits] == ["Skrivning efter"] and result.total == 1


MERGER = """
import sys
from pathlib import Path
from engines.embedded.target import EmbeddedTarget
from engines.embedded.writer import manifest_with_deltas, read_manifest

print("merging", flush=True)
EmbeddedTarget(Path(sys.argv[1])).merge()
print("merged", flush=True)
"""


@pytest.mark.parametrize("kill_after_s", [0.02, 0.08, 0.5])
def test_sigkill_during_a_merge_keeps_the_acknowledged_state(
    tmp_path: Path, fixture_documents: list[IndexedProvider], kill_after_s: float
) -> None:
    target = build(tmp_path, fixture_documents[:500])
    for start in range(500, 700, 50):
        target.apply(fixture_documents[start : start + 50], merge_in_background=False)
    gone = fixture_documents[:3]
    target.apply([], [Deletion(d["id"], d["updated_at"] + timedelta(hours=1)) for d in gone], merge_in_background=False)
    before = [search(EmbeddedBackend(tmp_path), plan) for plan in plans()]

    env = os.environ | {"PYTHONPATH": str(ROOT)}
    merger = subprocess.Popen([sys.executable, "-c", MERGER, str(tmp_path)], stdout=subprocess.PIPE, env=env, text=True)
    assert merger.stdout is not None and merger.stdout.readline() == "merging\n"
    time.sleep(kill_after_s)
    merger.kill()
    merger.wait()

    # Whether the merge was cut short or had finished: every acknowledged write, nothing else.
    backend = EmbeddedBackend(tmp_path)
    after = [search(backend, plan) for plan in plans()]
    assert [(r.total, r.facets) for r in after] == [(r.total, r.facets) for r in before]
    assert all(asyncio.run(backend.get(d["id"], EVERY_TYPE)) is None for d in gone)
    assert asyncio.run(backend.readiness()).documents == 697
    # The next writer clears what a killed merge left, and writes on.
    target.apply([changed(fixture_documents[10], 1, name="Efter avbrottet")], merge_in_background=False)
    target.remove_unreferenced()
    shown = asyncio.run(EmbeddedBackend(tmp_path).get(fixture_documents[10]["id"], EVERY_TYPE))
    assert shown is not None and shown["name"] == "Efter avbrottet"
