"""Benchmark: caseworker searches over HTTP against N indexed providers, beside GET /healthz.

    python scripts/bench_search.py [--providers 100000] [--backend embedded|elasticsearch]
                                   [--requests 2000] [--rebuild]

Indexes N generated providers (once; kept in bench-data/), starts the real server (`placeringssok
serve`, one worker) and sends a seeded mix of realistic searches: school-anchored radius searches
with needs, age and gender, minimum distances with exclusion zones, Swedish free text, facet
selections, every sort. Prints p50/p95/p99 latency and requests/s at concurrency 1 and 8 for the
search mix and for /healthz in the same run. Targets on a 2-core machine: search p95 under 30 ms at
concurrency 1, and search throughput at least 25% of /healthz throughput.

With --backend elasticsearch the providers are indexed into ELASTICSEARCH_URL first.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.geography import municipalities  # noqa: E402
from core.vocabularies import Method, ProviderType, TargetGroup  # noqa: E402
from scripts.bench_data import generated_providers  # noqa: E402

BENCH_KEY = "bench-caseworker-key"
TEXTS = [
    "självskadebeteende",
    "missbruk ungdomar",
    "flickor trauma",
    "DBT",
    "ensamkommande pojkar",
    "hedersrelaterat våld",
    '"lågaffektivt bemötande"',
    "ätstörning",
    "missbrk",
    "gängkriminalitet",
]


def query_mix(count: int, schools: list[str], seed: int = 11) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    codes = sorted(municipalities())
    mix: list[dict[str, Any]] = []
    for i in range(count):
        kind = i % 5
        c: dict[str, Any] = {"size": 20}
        if kind in (0, 1, 2):
            c["school"] = rng.choice(schools)
            c["max_km"] = rng.choice([20, 40, 80, 150, 300])
        if kind == 0:
            c |= {"needs": [rng.choice(list(TargetGroup))], "age": rng.randint(12, 18), "gender": "flickor"}
            c["has_vacancy"] = rng.random() < 0.5
        if kind == 1:
            c["q"] = rng.choice(TEXTS)
        if kind == 2:
            c["target_groups"] = rng.sample([str(t) for t in TargetGroup], 2)
            c["methods"] = [str(rng.choice(list(Method)))]
            c["sort"] = rng.choice(["distance", "price", "vacancies_updated"])
        if kind == 3:
            c |= {"municipality_code": rng.choice(codes), "min_km": 150}
            c["exclude"] = [{"county_code": rng.choice(codes)[:2]}, {"municipality_code": rng.choice(codes)}]
            c["provider_types"] = rng.sample([str(t) for t in ProviderType], 3)
        if kind == 4:
            c |= {"q": rng.choice(TEXTS), "county_codes": [rng.choice(codes)[:2]], "page": rng.randint(1, 3)}
        mix.append(c)
    return mix


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def ensure_index(count: int, backend: str, rebuild: bool) -> tuple[Path, dict[str, str]]:
    source = generated_providers(count)
    data_dir = ROOT / "bench-data" / f"var-{backend}-n{count}"
    env = os.environ | {"PLACERINGSSOK_DATA_DIR": str(data_dir), "PLACERINGSSOK_BACKEND": backend}
    env |= {"PLACERINGSSOK_GEOCODER": "none", "PLACERINGSSOK_ANONYMOUS_ROLE": "public"}
    # Searches go as a caseworker (every provider type), and the rate limits that would turn a load
    # generator's requests into 429s are off: this measures search, not the limits.
    env |= {"PLACERINGSSOK_API_KEYS": json.dumps({BENCH_KEY: {"role": "caseworker", "name": "bench"}})}
    env |= {f"PLACERINGSSOK_RATE_LIMIT_{name}": "" for name in ("PER_ADDRESS", "PER_KEY", "FAILED_AUTH")}
    if backend == "elasticsearch":
        env["PLACERINGSSOK_ELASTICSEARCH_INDEX"] = f"bench-providers-n{count}"
    marker = data_dir / f".indexed-{backend}"
    if rebuild or not marker.exists():
        cli = [sys.executable, "-m", "indexer"]
        subprocess.run([*cli, "load-schools", "--source", str(ROOT / "fixtures/schools.jsonl")], env=env, check=True)
        print(f"indexing {count} providers into the {backend} backend ...", flush=True)
        started = time.perf_counter()
        subprocess.run([*cli, "reindex", "--source", str(source)], env=env, check=True, stdout=subprocess.DEVNULL)
        print(f"indexed in {time.perf_counter() - started:.1f} s", flush=True)
        marker.touch()
    return data_dir, env


async def measure(
    client: httpx.AsyncClient, requests: Sequence[tuple[str, str, dict[str, Any] | None]], concurrency: int
) -> dict[str, float]:
    latencies: list[float] = []
    queue = list(reversed(requests))
    failures = 0

    async def worker() -> None:
        nonlocal failures
        while queue:
            method, path, body = queue.pop()
            started = time.perf_counter()
            response = await client.request(method, path, json=body)
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                failures += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    return {
        "n": len(latencies),
        "p50": pct(0.50),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "mean": statistics.fmean(latencies) * 1000,
        "rps": len(latencies) / elapsed,
        "failures": failures,
    }


async def run(base: str, searches: list[dict[str, Any]], total: int) -> dict[tuple[str, int], dict[str, float]]:
    results = {}
    limits = httpx.Limits(max_connections=16, max_keepalive_connections=16)
    headers = {"X-API-Key": BENCH_KEY}
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30, headers=headers) as client:
        warm = [("POST", "/v1/providers/search", s) for s in searches[:200]]
        await measure(client, warm, 4)
        for concurrency in (1, 8):
            search_requests = [("POST", "/v1/providers/search", searches[i % len(searches)]) for i in range(total)]
            results[("search", concurrency)] = await measure(client, search_requests, concurrency)
            health_requests = [("GET", "/healthz", None)] * total
            results[("healthz", concurrency)] = await measure(client, health_requests, concurrency)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=100_000)
    parser.add_argument("--backend", choices=["embedded", "elasticsearch"], default="embedded")
    parser.add_argument("--requests", type=int, default=2000, help="requests per measurement")
    parser.add_argument("--rebuild", action="store_true", help="index again even if bench-data has it")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    args = parser.parse_args()

    data_dir, env = ensure_index(args.providers, args.backend, args.rebuild)
    schools = [s["code"] for s in json.loads((data_dir / "schools.json").read_text(encoding="utf-8"))]
    searches = query_mix(500, schools)
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "indexer",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the server did not become ready; run it by hand to see why")
            time.sleep(0.3)
        results = asyncio.run(run(base, searches, args.requests))
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(
        f"\nsearch benchmark: {args.providers} providers, {args.backend} backend, {args.workers} server worker(s), "
        f"client and server share {os.cpu_count()} cores"
    )
    columns = ("conc", "requests", "p50 ms", "p95 ms", "p99 ms", "req/s", "errors")
    print(f"{'endpoint':10} " + " ".join(f"{c:>8}" for c in columns))
    for (name, concurrency), r in results.items():
        print(
            f"{name:10} {concurrency:8d} {r['n']:8d} {r['p50']:8.2f} {r['p95']:8.2f} {r['p99']:8.2f} "
            f"{r['rps']:8.0f} {r['failures']:6d}"
        )
    p95 = results[("search", 1)]["p95"]
    share = results[("search", 8)]["rps"] / results[("healthz", 8)]["rps"]
    print(f"\nsearch p95 at concurrency 1: {p95:.1f} ms (target < 30 ms): {'met' if p95 < 30 else 'NOT met'}")
    print(
        f"search throughput / healthz throughput at concurrency 8: {share:.0%} (target >= 25%): "
        f"{'met' if share >= 0.25 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
