"""Delta files: the small writes made on a live version since it was built, read in order.

``deltas/delta-<seq>.json`` holds one acknowledged small write (``writer.DeltaWriter``): the rows
it appended (columns, documents, name words), the rows it killed and its tombstones. Readers apply
them in sequence on top of the version's columns.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DELTAS = "deltas"


def delta_files(version_dir: Path) -> list[Path]:
    folder = version_dir / DELTAS
    return sorted(folder.glob("delta-*.json")) if folder.is_dir() else []


def delta_seq(path: Path) -> int:
    return int(path.stem.split("-")[1])


def read_delta(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
