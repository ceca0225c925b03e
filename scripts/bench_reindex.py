"""Benchmark: reindex N generated providers into the embedded index, against reading and validating.

    python scripts/bench_reindex.py [--providers 100000] [--baseline REV | --no-baseline]

Each phase runs in its own process so its peak memory is its own. Prints providers/s, seconds and
peak RSS for: read + validate (JSON + schema), read + validate + normalise (what `validate` does),
and a full reindex (validate, normalise, write, verify, switch). Targets on a 2-core machine: at
least 5,000 providers/s, and a reindex at most 3x the read-and-validate time.

The reindex also runs, in the same run and on the same data, as the product was at ``--baseline``
(default: the commit before the Swedish analysis of issue 14, unpacked with ``git archive``), so a
change to what indexing does shows its cost: the target is at most 20% slower than the baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# The product before the Python-side Swedish analysis (issue 14): the reindex to compare against.
BASELINE = "7e92479"
MAX_SLOWDOWN = 1.2

from scripts.bench_data import generated_providers  # noqa: E402


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_validate(source: Path) -> dict[str, Any]:
    import orjson

    from core.records import SOURCE_LINE
    from indexer.source import read_lines

    started = time.perf_counter()
    count = 0
    for _, raw in read_lines(source):
        SOURCE_LINE.validate_python(orjson.loads(raw))
        count += 1
    return {"records": count, "seconds": time.perf_counter() - started, "peak_mb": _peak_mb()}


def phase_normalise(source: Path) -> dict[str, Any]:
    from indexer.geocoding import AddressGeocoder
    from indexer.source import read_source

    started = time.perf_counter()
    count = sum(1 for r in read_source([source], AddressGeocoder(None, service="none")) if r.document)
    return {"records": count, "seconds": time.perf_counter() - started, "peak_mb": _peak_mb()}


def phase_reindex(source: Path) -> dict[str, Any]:
    from engines.embedded.target import EmbeddedTarget
    from indexer.geocoding import AddressGeocoder
    from indexer.jobs import run_job

    with tempfile.TemporaryDirectory(prefix="bench-reindex-") as data_dir:
        started = time.perf_counter()
        report = run_job(
            EmbeddedTarget(Path(data_dir) / "embedded"),
            [source],
            AddressGeocoder(None, service="none"),
            incremental=False,
        )
        seconds = time.perf_counter() - started
    return {"records": report.indexed, "seconds": seconds, "peak_mb": _peak_mb()}


PHASES = {"validate": phase_validate, "normalise": phase_normalise, "reindex": phase_reindex}


def run_phase(name: str, source: Path, root: Path = ROOT) -> dict[str, Any]:
    script = root / "scripts" / "bench_reindex.py"
    done = subprocess.run(
        [sys.executable, str(script), "--phase", name, "--source", str(source)],
        check=True,
        capture_output=True,
        text=True,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=100_000)
    parser.add_argument("--baseline", default=BASELINE, help="git revision whose reindex to compare against")
    parser.add_argument("--no-baseline", action="store_true", help="do not run the baseline's reindex")
    parser.add_argument("--repeat", type=int, default=3, help="reindex runs of each side to take the best of")
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--source", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(PHASES[args.phase](args.source)))
        return

    source = generated_providers(args.providers)
    results = {name: run_phase(name, source) for name in ("validate", "normalise", "reindex")}
    print(f"\nreindex benchmark: {args.providers} providers, {source.stat().st_size / 1e6:.0f} MB of JSON Lines")
    print(f"{'phase':34} {'seconds':>8} {'providers/s':>12} {'peak MB':>8}")
    labels = {
        "validate": "read + validate (JSON, schema)",
        "normalise": "read + validate + normalise",
        "reindex": "reindex (write, verify, switch)",
    }
    for name, r in results.items():
        print(f"{labels[name]:34} {r['seconds']:8.2f} {r['records'] / r['seconds']:12,.0f} {r['peak_mb']:8.0f}")
    rate = results["reindex"]["records"] / results["reindex"]["seconds"]
    ratio = results["reindex"]["seconds"] / results["validate"]["seconds"]
    ratio_normalised = results["reindex"]["seconds"] / results["normalise"]["seconds"]
    print(f"\nreindex rate: {rate:,.0f} providers/s (target >= 5,000): {'met' if rate >= 5000 else 'NOT met'}")
    print(f"reindex / read+validate: {ratio:.2f}x (target <= 3x): {'met' if ratio <= 3 else 'NOT met'}")
    print(f"reindex / read+validate+normalise: {ratio_normalised:.2f}x")
    if not args.no_baseline:
        # Alternated, best of --repeat each: on a shared machine the load moves between runs.
        nows, befores = [results["reindex"]["seconds"]], []
        with tempfile.TemporaryDirectory(prefix="bench-baseline-") as tmp:
            archive = subprocess.run(["git", "archive", args.baseline], cwd=ROOT, capture_output=True, check=True)
            with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
                tar.extractall(tmp, filter="data")
            for round_ in range(args.repeat):
                befores.append(run_phase("reindex", source, Path(tmp))["seconds"])
                if round_:
                    nows.append(run_phase("reindex", source)["seconds"])
        now, before = min(nows), min(befores)
        slowdown = now / before
        runs = ", ".join(f"{b:.2f}/{n:.2f}" for b, n in zip(befores, nows, strict=True))
        print(f"\nreindex before issue 14 ({args.baseline}) / now, seconds, alternated: {runs}")
        print(f"best of {args.repeat}: before {before:.2f} s, now {now:.2f} s")
        verdict = "met" if slowdown <= MAX_SLOWDOWN else "NOT met"
        print(f"now / before: {slowdown:.2f}x (target <= {MAX_SLOWDOWN:.1f}x): {verdict}")


if __name__ == "__main__":
    main()
