"""Benchmark: caseworker searches in process and over HTTP (wrk), beside GET /healthz, per index size.

    python scripts/bench_search.py [--sizes 10000,100000,1000000] [--seconds 20] [--rebuild]
                                   [--workers N] [--backend embedded|elasticsearch]
                                   [--in-process-only] [--per-query] [--bodies 20]

For each size: index the generated providers (once; kept in the bench data folder, see
scripts/bench_load.py), measure the engine in process over the caseworker mix (20 rotating
bodies, caseworker role: family homes included), then start the real server (`placeringssok serve`)
as it ships (one worker process per core, unless ``--workers``) and load it with wrk at concurrency 8
with the caseworker key and the same 20 bodies, and /healthz with the same tool in the same run. Beside
throughput, the server's own CPU time per request (supervisor and workers, from /proc) shows the cost
independent of how loaded the shared machine is, and each worker's resident memory after the load.
Prints one table and the issue's targets:

- in-process p95 <= 10 ms at 100k and <= 60 ms at 1M providers;
- HTTP search throughput >= 4x the 64 searches/s measured before (256/s) and >= 10% of /healthz.

``--rate-limits`` counts every request against the key's budget as shipped (a budget never reached):
the cost of the shared counts. ``--in-process-only`` measures the engine alone (no server, no wrk);
``--per-query`` also prints each body's warm p50/max and cold p50, slowest cold first: which bodies
make the p95 tails. ``--bodies N`` rotates N distinct bodies instead of 20: the engine keeps each
circle's, clause's and page's work per index snapshot (a caseworker keeps the school while paging and
ticking facets), and 20 bodies find all of it kept; thousands show the cost of new schools and criteria.

In process, "warm" is as served (text match sets, filter and circle sets are kept per index
snapshot, so paging and facet clicks reuse them); "cold" drops the text match sets (and their row
sets) before every search: the cost of new words.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.bench_load import (  # noqa: E402
    Built,
    Measured,
    Server,
    ensure_index,
    query_mix,
    rss_mb,
    run_wrk,
    schools_of,
    spread_text,
)

BEFORE_RPS = 64.0
MIX = 20


@dataclass(frozen=True)
class InProcess:
    p50_ms: float
    p95_ms: float
    cold_p95_ms: float


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


def _per_query(bodies: list[dict[str, Any]], took: list[float], cold: list[float]) -> None:
    """Each body's warm p50 and max and cold p50 (ms), slowest cold first; ``took`` and ``cold`` are
    rounds x bodies in order."""
    rows = []
    for i, body in enumerate(bodies):
        mine, mine_cold = took[i :: len(bodies)], cold[i :: len(bodies)]
        rows.append((statistics.median(mine_cold) * 1000, statistics.median(mine) * 1000, max(mine) * 1000, i, body))
    for p50_cold, p50, worst, i, body in sorted(rows, key=lambda r: r[0], reverse=True):
        print(
            f"  body {i:>2}: p50 {p50:7.1f} ms, max {worst:7.1f} ms, cold p50 {p50_cold:7.1f} ms  "
            f"{json.dumps(body, ensure_ascii=False)}"
        )


def in_process(data_dir: Path, rounds: int, per_query: bool = False, mix: int = MIX) -> InProcess:
    """The embedded engine called directly with the plans the API would make for the mix."""
    from core.schools import SchoolRegister
    from engines.embedded.search import EmbeddedBackend
    from search_api.criteria import SearchCriteria
    from search_api.plan import build_plan
    from search_api.searching import resolve_origin

    schools = SchoolRegister.load(data_dir / "schools.json")
    plans = []
    bodies = query_mix(mix, schools_of(data_dir))
    for body in bodies:
        criteria = SearchCriteria.model_validate(body)
        origin = resolve_origin(criteria, lambda: schools)
        plans.append(build_plan(criteria, origin, "caseworker", time.time() - 14 * 86400))
    backend = EmbeddedBackend(data_dir / "embedded")

    def timed(cold: bool) -> list[float]:
        took = []
        for _ in range(rounds):
            for plan in plans:
                if cold:
                    backend._snapshot().forget_texts()
                started = time.perf_counter()
                asyncio.run(backend.search(plan))
                took.append(time.perf_counter() - started)
        return took

    timed(cold=False)  # warm-up: masks and text sets of this snapshot
    warm = timed(cold=False)
    cold = timed(cold=True)
    asyncio.run(backend.close())
    if per_query:
        print(f"{len(plans)} bodies at {data_dir.name}, slowest cold first:")
        _per_query(bodies, warm, cold)
    return InProcess(statistics.median(warm) * 1000, _percentile(warm, 0.95), _percentile(cold, 0.95))


@dataclass(frozen=True)
class SizeResult:
    size: int
    built: Built | None
    engine: InProcess | None
    search: Measured | None = None
    healthz: Measured | None = None
    workers: int = 0
    # Per worker after the load: resident MB, and of it the MB of mapped files (shared page cache).
    rss: tuple[tuple[float, float], ...] = ()


def measure(size: int, args: argparse.Namespace) -> SizeResult:
    data_dir, built = ensure_index(size, args.backend, args.rebuild)
    engine = in_process(data_dir, args.rounds, args.per_query, args.bodies) if args.backend == "embedded" else None
    if args.in_process_only:
        return SizeResult(size, built, engine, None, None)
    bodies = query_mix(args.bodies, schools_of(data_dir))
    # Opaque public ids as served (every hit's id encrypted): this bench never looks a provider up.
    env = {"PLACERINGSSOK_OPAQUE_IDS": "true"}
    if args.rate_limits:
        # Counted as shipped (every request spends the key's budget and reads the failed-auth one),
        # with a budget no run reaches: the limiter's cost, not its refusals.
        env |= {
            "PLACERINGSSOK_RATE_LIMIT_PER_KEY": "100000000/minute",
            "PLACERINGSSOK_RATE_LIMIT_FAILED_AUTH": "30/minute",
        }
    with Server(data_dir, args.workers, args.backend, env=env) as server:
        run_wrk(server.base, bodies, min(5.0, args.seconds), args.connections)  # warm-up
        search = server.measure(bodies, args.seconds, args.connections)
        healthz = server.measure(None, args.seconds, args.connections)
        rss = tuple(rss_mb(pid) for pid in server.worker_pids())
        workers = server.workers
    return SizeResult(size, built, engine, search, healthz, workers, rss)


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def report(results: list[SizeResult], args: argparse.Namespace) -> None:
    served = sorted({r.workers for r in results if r.search is not None})
    workers = "/".join(map(str, served)) or "no"
    shipped = "" if args.workers else " (the default: one per core)"
    limits = "rate limits counted" if args.rate_limits else "no rate limits"
    print(
        f"\nsearch benchmark: {args.backend} backend, {workers} server worker process(es){shipped}, "
        f"wrk -c{args.connections} for {args.seconds:.0f} s, caseworker key, {args.bodies} rotating bodies, "
        f"opaque public ids, {limits}; the same server answers /healthz; "
        f"client and server share {os.cpu_count()} cores; "
        "cpu ms: the server's CPU time (supervisor + workers) per request"
    )
    head: tuple[str, ...] = (
        "providers",
        "engine p50",
        "engine p95",
        "cold p95",
        "search/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
    )
    head += ("errors", "healthz/s", "share", "cpu ms/srch", "cpu ms/hlth", "srv cores", "conns")
    print(" ".join(f"{h:>10}" for h in head))
    for r in results:
        e = r.engine
        cells = [f"{r.size:>10d}"]
        cells += [f"{v:>10.1f}" for v in ((e.p50_ms, e.p95_ms, e.cold_p95_ms) if e else (float("nan"),) * 3)]
        if r.search is not None and r.healthz is not None:
            s, h = r.search.load, r.healthz.load
            cells += [f"{s.rps:>10.0f}", f"{s.p50_ms:>10.1f}", f"{s.p95_ms:>10.1f}", f"{s.p99_ms:>10.1f}"]
            cells += [f"{s.errors + s.non_2xx:>10d}", f"{h.rps:>10.0f}", f"{s.rps / h.rps:>10.1%}"]
            cells += [f"{r.search.cpu_ms_per_request:>10.2f}", f"{r.healthz.cpu_ms_per_request:>10.3f}"]
            # How wrk's connections sat on the workers (``Load.spread``): an uneven spread costs
            # throughput and tail whatever the code does.
            cells += [f"{r.search.cores:>10.2f}", f"{spread_text(s.spread):>10}"]
        print(" ".join(cells))
    print()
    for r in results:
        if r.rss:
            each = ", ".join(f"{total:.0f} MB ({mapped:.0f} MB mapped files)" for total, mapped in r.rss)
            print(f"{r.size}: resident memory per worker after the load: {each}")
    _report_reindex(results)
    for r in results:
        limit = {100_000: 10.0, 1_000_000: 60.0}.get(r.size)
        if r.engine is not None and limit is not None:
            p95 = r.engine.p95_ms
            print(f"{r.size}: in-process p95 {p95:.1f} ms (target <= {limit:.0f} ms): {_met(p95 <= limit)}")
        if r.search is None or r.healthz is None:
            continue
        s, h = r.search.load, r.healthz.load
        share = s.rps / h.rps
        print(
            f"{r.size}: search {s.rps:.0f}/s = {s.rps / BEFORE_RPS:.1f}x the 64/s before (target >= 4x): "
            f"{_met(s.rps >= 4 * BEFORE_RPS)}; {share:.1%} of /healthz (target >= 10%): {_met(share >= 0.10)}; "
            f"failed requests: {s.errors + s.non_2xx}"
        )


def _report_reindex(results: list[SizeResult]) -> None:
    built = [(r.size, r.built) for r in results if r.built is not None]
    if not built:
        return
    smallest = built[0][1].seconds / built[0][0]
    for size, b in built:
        growth = (b.seconds / size) / smallest
        print(
            f"reindex of {size} providers (this run): {b.seconds:.1f} s, {size / b.seconds:,.0f} providers/s, "
            f"peak RSS {b.peak_mb:.0f} MB; time per provider {growth:.2f}x the smallest size's"
        )
        if size == 1_000_000:
            ok = b.seconds <= 120 and b.peak_mb <= 1024
            print(f"reindex 1M: target <= 120 s and <= 1 GB peak RSS: {_met(ok)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated provider counts")
    parser.add_argument("--backend", choices=["embedded", "elasticsearch"], default="embedded")
    parser.add_argument("--seconds", type=float, default=20.0, help="wrk duration per measurement")
    parser.add_argument("--connections", type=int, default=8, help="wrk concurrency")
    parser.add_argument("--rounds", type=int, default=10, help="in-process rounds over the mix")
    parser.add_argument("--rebuild", action="store_true", help="index again even if the bench data has it")
    parser.add_argument(
        "--workers", type=int, default=None, help="server worker processes; default as shipped (one per core)"
    )
    parser.add_argument(
        "--rate-limits", action="store_true", help="count rate limits as shipped (with a budget never reached)"
    )
    parser.add_argument("--in-process-only", action="store_true", help="the engine alone: no server, no wrk")
    parser.add_argument("--per-query", action="store_true", help="each body's in-process p50/max, slowest first")
    parser.add_argument(
        "--bodies",
        type=int,
        default=MIX,
        help="distinct bodies in the mix; many (e.g. 2000, with --rounds 1) keep the per-snapshot caches of "
        "circles, clauses and documents from answering most searches, as new schools and criteria would",
    )
    args = parser.parse_args()
    results = [measure(int(size), args) for size in args.sizes.split(",")]
    report(results, args)


if __name__ == "__main__":
    main()
