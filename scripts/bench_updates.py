"""Benchmark: homes confirming vacancies while caseworkers search, at N providers.

    python scripts/bench_updates.py [--providers 100000] [--backend embedded|elasticsearch]
                                    [--seconds 20] [--rate 20] [--connections 8] [--workers N]

Starts the real server (`placeringssok serve`, as it ships: one worker per core unless --workers)
on the index scripts/bench_search.py builds, then in ONE run:

1. the caseworker search mix (bench_search's) under Debian's `wrk` for --seconds: search p99 alone;
2. the same wrk load again while a provider key confirms --rate confirmations a second (PUT
   /v1/providers/{id}/vacancies, each home a new figure): search p99 with confirmations, and for
   every confirmation the time from sending it until a caseworker search shows the new figure.

Targets (issue 10): confirmation-to-visible p99 <= 1 s, and search p99 with confirmations <= 1.5x
the p99 without. Rate limits are switched off for the run: they would measure the limiter.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.schools import SchoolRegister  # noqa: E402
from scripts.bench_data import generated_providers  # noqa: E402
from scripts.bench_load import Server, cpu_seconds, ensure_index, query_mix, spread_text, wrk_output  # noqa: E402

CASEWORKER_KEY = "bench-caseworker-key"
HOME_KEY = "bench-home-key"
WRK = "/usr/bin/wrk"
SEARCH = "/v1/providers/search"

LUA = """
local bodies = {
%s
}
local i = 0
request = function()
  i = i %% #bodies + 1
  return wrk.format("POST", "%s", {["Content-Type"] = "application/json", ["X-API-Key"] = "%s"}, bodies[i])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT p50_us=%%d p99_us=%%d requests=%%d non2xx=%%d errors=%%d\\n",
    latency:percentile(50), latency:percentile(99), summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def confirmable_homes(source: Path, count: int) -> list[dict[str, Any]]:
    """Institutional homes with room to change their figure, each id once in the export."""
    seen: dict[str, dict[str, Any]] = {}
    duplicates: set[str] = set()
    with source.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if record.get("deleted"):
                duplicates.add(record["id"])
                continue
            if record["id"] in seen:
                duplicates.add(record["id"])
            seen[record["id"]] = record
    homes = [
        r
        for i, r in seen.items()
        if i not in duplicates
        and r["provider_type"] == "hvb"
        and r["capacity"] >= 2
        and (r.get("ivo_permit") or {}).get("status") != "aterkallat"
    ]
    random.Random(5).shuffle(homes)
    return homes[:count]


def wrk_script(searches: list[dict[str, Any]], directory: Path) -> Path:
    bodies = ",\n".join(f"[==[{json.dumps(s, ensure_ascii=False)}]==]" for s in searches)
    path = directory / "searches.lua"
    path.write_text(LUA % (bodies, SEARCH, CASEWORKER_KEY), encoding="utf-8")
    return path


def run_wrk(base: str, script: Path, seconds: int, connections: int) -> tuple[dict[str, float], str]:
    """wrk's figures, and how the connections to the server sat on its workers (``Load.spread``;
    while confirmations run, their client's connections count too)."""
    command = [WRK, "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script), base]
    out, spread = wrk_output(command, base, seconds)
    line = next(row for row in out.splitlines() if row.startswith("RESULT "))
    values = dict(item.split("=") for item in line.split()[1:])
    return {key: float(value) for key, value in values.items()}, spread_text(spread)


def search_shows(client: httpx.Client, home: dict[str, Any], vacancies: int) -> bool:
    body = {"municipality_codes": [home["municipality_code"]], "provider_types": ["hvb"], "q": home["name"]}
    response = client.post(SEARCH, json=body | {"size": 50}, headers={"X-API-Key": CASEWORKER_KEY})
    return any(h["id"] == home["id"] and h["vacancies"] == vacancies for h in response.json()["hits"])


def confirm_once(
    client: httpx.Client, home: dict[str, Any], figure: int, visible_s: list[float], failed: list[int]
) -> None:
    """One confirmation, and the time from sending it until a caseworker's search shows it."""
    sent = time.perf_counter()
    response = client.put(
        f"/v1/providers/{home['id']}/vacancies", json={"vacancies": figure}, headers={"X-API-Key": HOME_KEY}
    )
    if response.status_code != 200:
        failed.append(response.status_code)
        return
    while not search_shows(client, home, figure):
        if time.perf_counter() - sent > 10:
            failed.append(0)
            return
        time.sleep(0.005)
    visible_s.append(time.perf_counter() - sent)


def confirm_at_rate(
    base: str,
    homes: list[dict[str, Any]],
    rate: float,
    stop: threading.Event,
    visible_s: list[float],
    failed: list[int],
    sent: list[float],
) -> None:
    """A confirmation every 1/rate s, each on its own thread: a slow one never delays the next."""
    interval = 1 / rate
    limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
    with httpx.Client(base_url=base, timeout=10, limits=limits) as client, ThreadPoolExecutor(32) as pool:
        next_at = time.perf_counter()
        n = 0
        while not stop.is_set():
            home = homes[n % len(homes)]
            figure = (n // len(homes) + 1) % (home["capacity"] + 1)
            pool.submit(confirm_once, client, home, figure, visible_s, failed)
            sent.append(time.perf_counter())
            n += 1
            next_at += interval
            time.sleep(max(0.0, next_at - time.perf_counter()))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--providers", type=int, default=100_000)
    parser.add_argument("--backend", choices=["embedded", "elasticsearch"], default="embedded")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=None, help="server workers; default as shipped (one per core)")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()

    data_dir, _ = ensure_index(args.providers, args.backend, args.rebuild)
    ledger = data_dir / "vacancies.sqlite"
    for path in (ledger, ledger.with_name(ledger.name + "-wal"), ledger.with_name(ledger.name + "-shm")):
        path.unlink(missing_ok=True)  # every run starts from the export's own figures
    homes = confirmable_homes(generated_providers(args.providers), 500)
    keys = {
        CASEWORKER_KEY: {"role": "caseworker"},
        HOME_KEY: {"role": "provider", "providers": [h["id"] for h in homes], "name": "bench-home"},
    }
    env = {"PLACERINGSSOK_API_KEYS": json.dumps(keys), "PLACERINGSSOK_OPAQUE_IDS": "false"}
    schools = [s.code for s in SchoolRegister.load(data_dir / "schools.json").all()]
    searches = query_mix(500, schools)
    with Server(data_dir, args.workers, args.backend, env=env) as server, tempfile.TemporaryDirectory() as tmp:
        base, workers = server.base, server.workers
        script = wrk_script(searches, Path(tmp))
        run_wrk(base, script, 5, args.connections)  # warm-up: every index and mask loaded
        cpu_before = cpu_seconds(server.pids)
        alone, alone_spread = run_wrk(base, script, args.seconds, args.connections)
        cpu_alone = cpu_seconds(server.pids) - cpu_before
        stop = threading.Event()
        visible: list[float] = []
        failed: list[int] = []
        sent: list[float] = []
        confirming = threading.Thread(
            target=confirm_at_rate, args=(base, homes, args.rate, stop, visible, failed, sent)
        )
        confirming.start()
        time.sleep(1)  # the confirmations reach their pace before the measured search load
        loaded, loaded_spread = run_wrk(base, script, args.seconds, args.connections)
        stop.set()
        confirming.join()

    print(
        f"\nbench_updates: {args.providers} providers, {args.backend}, {workers} server worker(s), "
        f"wrk {args.connections} connections x {args.seconds} s, confirmations at {args.rate:g}/s"
    )
    for name, result, spread in (
        ("searches alone", alone, alone_spread),
        ("with confirmations", loaded, loaded_spread),
    ):
        print(
            f"  search {name:<20} p50 {result['p50_us'] / 1000:7.1f} ms  p99 {result['p99_us'] / 1000:7.1f} ms  "
            f"{result['requests'] / args.seconds:7.1f} req/s  "
            f"non-2xx {int(result['non2xx'])}  errors {int(result['errors'])}  connections per worker {spread}"
        )
    print(f"  server CPU per search alone: {cpu_alone * 1000 / max(1, alone['requests']):.2f} ms")
    ratio = loaded["p99_us"] / alone["p99_us"]
    rate = (len(sent) - 1) / (sent[-1] - sent[0]) if len(sent) > 1 else 0.0
    print(f"  confirmations: {len(sent)} sent ({rate:.1f}/s), {len(visible)} seen by a search, {len(failed)} failed")
    if visible:
        p50, p99 = percentile(visible, 0.50) * 1000, percentile(visible, 0.99) * 1000
        print(
            f"  confirmation-to-visible  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  max {max(visible) * 1000:7.1f} ms"
            f"  mean {statistics.fmean(visible) * 1000:7.1f} ms"
        )
        print(f"  target confirmation-to-visible p99 <= 1000 ms: {'met' if p99 <= 1000 else 'NOT met'}")
    print(
        f"  search p99 with / without confirmations: {ratio:.2f}x; "
        f"target <= 1.5x: {'met' if ratio <= 1.5 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
