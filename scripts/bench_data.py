"""The benchmarks' input: N providers from the fixtures' own seeded generator, made once.

Kept outside the repository by default: ``$PLACERINGSSOK_BENCH_DATA``, else ``/work/bench-data``
when that folder exists, else ``bench-data/`` (ignored by git).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def bench_root() -> Path:
    configured = os.environ.get("PLACERINGSSOK_BENCH_DATA")
    if configured:
        return Path(configured)
    shared = Path("/work/bench-data")
    return shared if shared.is_dir() else ROOT / "bench-data"


def generated_providers(count: int) -> Path:
    """<bench root>/n<count>/providers.jsonl, generated on first use."""
    source = bench_root() / f"n{count}" / "providers.jsonl"
    if not source.exists():
        print(f"generating {count} providers into {source.parent} ...", flush=True)
        generator = ROOT / "scripts" / "generate_fixtures.py"
        command = [sys.executable, str(generator), "--providers", str(count), "--out", str(source.parent)]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return source
