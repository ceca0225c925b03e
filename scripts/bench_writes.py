"""Benchmark: small writes to the embedded index and version switches while caseworkers search.

(scripts/bench_updates.py measures homes' vacancy confirmations through the API's ledger.)

    python scripts/bench_writes.py [--size 1000000] [--seconds 20] [--sync 1000]

On one generated index (see scripts/bench_load.py), measures:

1. a sync of ``--sync`` changed records (`placeringssok sync`, its own process): wall time and peak
   RSS against the same CLI's baseline (`placeringssok status`);
2. search load with wrk (concurrency 8, caseworker key, the 20-body caseworker mix) without writes,
   then with a single-record upsert (a vacancy change, ``EmbeddedTarget.apply``) every 200 ms from
   another process: search p99 with and without writes, and the time from each write's
   acknowledgement until GET /v1/providers/{id} on the server shows it (p50/p99);
3. the same load with a version switch every 5 s (rollback between two full versions): p99 with
   and without switches, and failed requests.

The quiet runs and the switching run are run again (printed, up to ``EVEN_TRIES`` times) while wrk's
connections sit unevenly on the server's workers: the kernel decides which worker accepts each of
wrk's 8 long-lived connections, and an uneven spread, not the switches, then decided the p99.

Targets (issue 9): sync of 1,000 into 1M <= 1 s and <= 300 MB extra; upsert visible within 1 s at
p99; p99 with switches <= 2x without, no failed request.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.bench_data import generated_providers  # noqa: E402
from scripts.bench_load import (  # noqa: E402
    BENCH_KEY,
    Load,
    Server,
    ensure_index,
    query_mix,
    run_wrk,
    schools_of,
    server_env,
    spread_text,
)

WRITE_EVERY_S = 0.2  # also passed to the writer as "0.2"
SWITCH_EVERY_S = 5.0
# The runs compared for the switch target are run again, up to this many times, while wrk's 8
# connections are spread unevenly over the 2 workers (``Load.spread``): which worker accepts them is
# the kernel's draw, and 5/3 against 4/4 doubled the quiet p99. Every attempt is printed.
EVEN_TRIES = 4
R = TypeVar("R")


@dataclass(frozen=True)
class Run:
    """One child process: wall seconds, CPU seconds (user + system) and peak RSS in MB."""

    seconds: float
    cpu_seconds: float
    peak_mb: float


def _rusage_run(command: list[str], env: dict[str, str]) -> Run:
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    took = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed")
    return Run(took, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def sync_records(size: int, count: int, out: Path) -> Path:
    """``count`` records of the generated export, changed and newer than any earlier run's: a
    realistic sync, which a repeated run must not find already applied (then it would skip all)."""
    stamp = (datetime.now(UTC) + timedelta(days=365)).isoformat(timespec="seconds")
    lines: list[bytes] = []
    with generated_providers(size).open(encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i % max(1, size // count) == 0 and len(lines) < count:
                record = orjson.loads(line)
                record["updated_at"] = stamp
                # A changed figure that stays within capacity, or the sync rightly rejects it.
                vacancies, capacity = record.get("vacancies") or 0, record["capacity"]
                record["vacancies"] = vacancies + 1 if vacancies < capacity else max(vacancies - 1, 0)
                lines.append(orjson.dumps(record))
    out.write_bytes(b"\n".join(lines) + b"\n")
    return out


def measure_sync(data_dir: Path, size: int, count: int) -> tuple[Run, Run]:
    """The sync of ``count`` changed records and, before it, the same CLI's ``status`` (the
    baseline). Both are whole processes: interpreter start, imports and the lexicon count. The
    status run may write the CLI's bytecode, as an installed command has it (this machine's shells
    set PYTHONDONTWRITEBYTECODE, which would make every run compile the project's modules)."""
    env = {k: v for k, v in server_env(data_dir).items() if k != "PYTHONDONTWRITEBYTECODE"}
    # What `make setup` does once per installation (a venv made before it had it): not measured.
    subprocess.run([sys.executable, "-m", "core.lexicon"], env=env, check=True, stdout=subprocess.DEVNULL)
    cli = [sys.executable, "-m", "indexer"]
    baseline = _rusage_run([*cli, "status"], env)
    source = sync_records(size, count, data_dir / f"sync-{count}.jsonl")
    return _rusage_run([*cli, "sync", "--source", str(source)], env), baseline


WRITER = """
import sys, time, orjson
from datetime import UTC, datetime, timedelta
from pathlib import Path
from indexer.source import read_source
from indexer.geocoding import AddressGeocoder
from engines.embedded.target import EmbeddedTarget

root, source, count, every = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
docs = []
for result in read_source([source], AddressGeocoder(None, service="none")):
    if result.document is not None:
        docs.append(result.document)
    if len(docs) >= count:
        break
target = EmbeddedTarget(root)
# Newer than the sync just measured (sync_records: its start + 365 days) and than any earlier run's
# writes, or the newest-wins rule rightly skips the write and it is never shown.
start = datetime.now(UTC) + timedelta(days=365)
for i in range(count):
    doc = docs[i % len(docs)]
    vacancies = 7 + i
    changed = {**doc, "vacancies": vacancies, "has_vacancy": True,
               "updated_at": start + timedelta(milliseconds=i)}
    target.apply([changed])
    print(orjson.dumps({"id": doc["id"], "vacancies": vacancies, "acked": time.time()}).decode(), flush=True)
    time.sleep(every)
"""


def writes_under_load(
    server: Server, data_dir: Path, size: int, bodies: list[dict[str, Any]], seconds: float
) -> tuple[Load, list[float]]:
    """wrk while another process upserts one record every WRITE_EVERY_S; ack-to-visible latencies."""
    count = int(seconds / WRITE_EVERY_S)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(data_dir / "embedded"), str(generated_providers(size)), str(count), "0.2"],
        env=server_env(data_dir) | {"PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    latencies: list[float] = []

    def watch() -> None:
        assert writer.stdout is not None
        with httpx.Client(base_url=server.base, headers={"X-API-Key": BENCH_KEY}, timeout=10) as client:
            for line in writer.stdout:
                write: dict[str, Any] = json.loads(line)
                while True:
                    shown = client.get(f"/v1/providers/{write['id']}").json()
                    if shown.get("vacancies") == write["vacancies"]:
                        latencies.append(time.time() - write["acked"])
                        break
                    if time.time() - write["acked"] > 30:
                        latencies.append(float("inf"))
                        break
                    time.sleep(0.005)

    watcher = threading.Thread(target=watch)
    watcher.start()
    load = run_wrk(server.base, bodies, seconds)
    writer.wait()
    watcher.join()
    return load, latencies


def switches_under_load(
    server: Server, data_dir: Path, bodies: list[dict[str, Any]], seconds: float
) -> tuple[Load, int]:
    """wrk while the live version flips between two complete versions every SWITCH_EVERY_S."""
    from engines.embedded.target import EmbeddedTarget

    target = EmbeddedTarget(data_dir / "embedded")
    versions = target.versions.complete_versions()[:2]
    if len(versions) < 2:
        raise SystemExit("the switch test needs two complete versions; the merge before it makes the second")
    stop = threading.Event()
    switched = 0

    def switch() -> None:
        nonlocal switched
        while not stop.wait(SWITCH_EVERY_S):
            with target.writer_lock():
                target.rollback(to=versions[(switched + 1) % 2])
            switched += 1

    switcher = threading.Thread(target=switch)
    switcher.start()
    try:
        load = run_wrk(server.base, bodies, seconds)
    finally:
        stop.set()
        switcher.join()
    # The last switch's warm-up (paced: seconds at 1M) must not run into the next load: a worker busy
    # with it when wrk connects again accepts fewer of its connections (7/1 and 8/0 in a row).
    time.sleep(SWITCH_EVERY_S)
    return load, switched


def _print_sync(size: int, count: int, sync: Run, status: Run) -> None:
    extra = sync.peak_mb - status.peak_mb
    print(
        f"sync of {count} changed records into {size} (the whole CLI process): {sync.seconds:.2f} s wall, "
        f"{sync.cpu_seconds:.2f} s CPU, peak RSS {sync.peak_mb:.0f} MB ({extra:.0f} MB above"
    )
    print(
        f"  the CLI's own {status.peak_mb:.0f} MB; status: {status.seconds:.2f} s wall) (target <= 1 s and <= 300 MB "
        f"extra): {'met' if sync.seconds <= 1.0 and extra <= 300 else 'NOT met'}"
    )


def _evenly(name: str, workers: int, run: Callable[[], R], load_of: Callable[[R], Load]) -> R:
    """``run`` again while its load's connections were spread unevenly over the ``workers``
    (``EVEN_TRIES`` at most)."""
    for attempt in range(1, EVEN_TRIES + 1):
        result = run()
        load = load_of(result)
        again = not load.even(workers) and bool(load.spread) and attempt < EVEN_TRIES
        print(
            f"  {name}: connections per worker {spread_text(load.over(workers))}, {load.rps:.0f}/s, "
            f"p99 {load.p99_ms:.1f} ms{' (uneven: run again)' if again else ''}",
            flush=True,
        )
        if not again:
            return result
    return result


def _quiet(server: Server, bodies: list[dict[str, Any]], seconds: float, name: str) -> Load:
    return _evenly(name, server.workers, lambda: run_wrk(server.base, bodies, seconds), lambda load: load)


def _switching(server: Server, data_dir: Path, bodies: list[dict[str, Any]], seconds: float) -> tuple[Load, int]:
    def run() -> tuple[Load, int]:
        return switches_under_load(server, data_dir, bodies, seconds)

    return _evenly("switch every 5s", server.workers, run, lambda r: r[0])


def _print_switches(switching: Load, switched: int, seconds: float, base_p99: float) -> None:
    failed = switching.errors + switching.non_2xx
    print(
        f"version switches: {switched} in {seconds:.0f} s; p99 {switching.p99_ms:.1f} ms vs "
        f"{base_p99:.1f} ms without ({switching.p99_ms / base_p99:.2f}x; target <= 2x), {failed} failed requests: "
        f"{'met' if switching.p99_ms <= 2 * base_p99 and failed == 0 else 'NOT met'}"
    )


def _switches_only(data_dir: Path, size: int, seconds: float) -> None:
    """The switch target alone, between the two newest complete versions: quiet, switching, quiet."""
    bodies = query_mix(20, schools_of(data_dir))
    with Server(data_dir) as server:
        workers = server.workers
        run_wrk(server.base, bodies, 5)  # warm-up
        quiet = _quiet(server, bodies, seconds, "quiet")
        switching, switched = _switching(server, data_dir, bodies, max(seconds, 30.0))
        quiet_again = _quiet(server, bodies, seconds, "quiet again")
    print(f"\nversion switches: {size} providers, {workers} server worker(s), wrk -c8, caseworker key")
    for name, load in (("quiet", quiet), ("switch every 5s", switching), ("quiet again", quiet_again)):
        print(
            f"{name:>16} {load.rps:>8.0f}/s p50 {load.p50_ms:.1f} p95 {load.p95_ms:.1f} p99 {load.p99_ms:.1f} ms, "
            f"connections per worker {spread_text(load.over(workers))}"
        )
    _print_switches(switching, switched, max(seconds, 30.0), min(quiet.p99_ms, quiet_again.p99_ms))


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--sync", type=int, default=1000, help="records in the measured sync")
    parser.add_argument("--sync-only", action="store_true", help="measure the sync and stop (no search load)")
    parser.add_argument(
        "--switches-only",
        action="store_true",
        help="measure only the search load without and with version switches (needs two complete versions)",
    )
    args = parser.parse_args()

    data_dir, _ = ensure_index(args.size)
    if args.switches_only:
        _switches_only(data_dir, args.size, args.seconds)
        return
    sync, status = measure_sync(data_dir, args.size, args.sync)
    if args.sync_only:
        _print_sync(args.size, args.sync, sync, status)
        return
    bodies = query_mix(20, schools_of(data_dir))
    with Server(data_dir) as server:  # as it ships: one worker per core
        workers = server.workers
        run_wrk(server.base, bodies, 5)  # warm-up
        quiet = _quiet(server, bodies, args.seconds, "quiet")
        writing, visible = writes_under_load(server, data_dir, args.size, bodies, args.seconds)
        quiet_again = _quiet(server, bodies, args.seconds, "quiet again")
        started = time.perf_counter()
        from engines.embedded.target import EmbeddedTarget

        EmbeddedTarget(data_dir / "embedded").merge()  # folds the upserts' deltas; a second version
        merge_s = time.perf_counter() - started
        time.sleep(SWITCH_EVERY_S)  # the merge switched versions too: its warm-up is not part of the next load
        switching, switched = _switching(server, data_dir, bodies, max(args.seconds, 30.0))

    print(
        f"\nupdates benchmark: {args.size} providers, {workers} server worker(s), wrk -c8, caseworker key; "
        f"{os.cpu_count()} cores shared"
    )
    _print_sync(args.size, args.sync, sync, status)
    head = ("load", "search/s", "p50 ms", "p95 ms", "p99 ms", "failed", "conns/worker")
    print(" ".join(f"{h:>16}" for h in head))
    for name, load in (
        ("quiet", quiet),
        ("upserts 5/s", writing),
        ("quiet again", quiet_again),
        ("switch every 5s", switching),
    ):
        print(
            f"{name:>16} {load.rps:>16.0f} {load.p50_ms:>16.1f} {load.p95_ms:>16.1f} {load.p99_ms:>16.1f} "
            f"{load.errors + load.non_2xx:>16d} {spread_text(load.over(workers)):>16}"
        )
    finite = [v for v in visible if v != float("inf")]
    shown_p99 = _pct(finite, 0.99) if finite else float("inf")
    visible_met = len(finite) == len(visible) and shown_p99 <= 1000
    print(
        f"single upserts: {len(visible)} written, {len(visible) - len(finite)} never shown; ack -> visible "
        f"p50 {_pct(finite, 0.5):.0f} ms, p99 {shown_p99:.0f} ms, mean {statistics.fmean(finite) * 1000:.0f} ms "
        f"(target p99 <= 1000 ms): {'met' if visible_met else 'NOT met'}"
    )
    base_p99 = min(quiet.p99_ms, quiet_again.p99_ms)
    _print_switches(switching, switched, max(args.seconds, 30.0), base_p99)
    print(f"search p99 with upserts {writing.p99_ms:.1f} ms vs {base_p99:.1f} ms without")
    print(f"merge of the upserts' deltas into a new version (under load): {merge_s:.1f} s")


if __name__ == "__main__":
    main()
