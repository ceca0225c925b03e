"""What ``status`` reports of an embedded data dir's integrity: the pointer, the live version, and
every kept version, each intact or damaged with the reason. Never raises for a damaged data dir."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import PointerDamaged
from engines.embedded.integrity import damage
from engines.embedded.versions import IndexVersions, Pointer
from engines.embedded.writer import manifest_with_deltas


@dataclass
class Health:
    pointer: Pointer | None = None
    pointer_problem: str | None = None
    live_problem: str | None = None
    manifest: dict[str, Any] = field(default_factory=dict)
    kept: list[tuple[str, str | None]] = field(default_factory=list)  # (version, problem), newest first

    @property
    def intact(self) -> bool:
        return self.pointer is not None and self.pointer_problem is None and self.live_problem is None


def check_health(root: Path) -> Health:
    versions = IndexVersions(root)
    health = Health(kept=[(v, damage(root / v)) for v in versions.complete_versions()])
    try:
        health.pointer = versions.pointer()
    except PointerDamaged as exc:
        health.pointer_problem = str(exc)
        return health
    if health.pointer is None:
        return health
    live = health.pointer.live
    health.live_problem = damage(root / live)
    if health.live_problem is None:
        try:
            # With the counts small writes (deltas) changed since the build.
            health.manifest = manifest_with_deltas(root / live)
        except (OSError, ValueError) as exc:
            health.live_problem = f"its manifest cannot be read ({type(exc).__name__})"
    return health
