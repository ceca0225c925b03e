"""The benchmarks' input: N providers from the fixtures' own seeded generator, made once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def generated_providers(count: int) -> Path:
    """bench-data/n<count>/providers.jsonl, generated on first use (bench-data/ is not in git)."""
    source = ROOT / "bench-data" / f"n{count}" / "providers.jsonl"
    if not source.exists():
        print(f"generating {count} providers into {source.parent} ...", flush=True)
        generator = ROOT / "scripts" / "generate_fixtures.py"
        command = [sys.executable, str(generator), "--providers", str(count), "--out", str(source.parent)]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return source
