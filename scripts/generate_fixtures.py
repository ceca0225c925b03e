#!/usr/bin/env python3
"""Generate Placeringssök's test fixtures (see ``scripts/fixtures/__init__.py``).

python scripts/generate_fixtures.py                                       # fixtures/
python scripts/generate_fixtures.py --providers 100000 --out bench-data/  # benchmarks
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.fixtures.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
