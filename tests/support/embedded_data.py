"""Looking into an embedded data dir from tests: which versions are on disk, what is live."""

from __future__ import annotations

from pathlib import Path

from engines.embedded.versions import PREFIX, IndexVersions


def version_folders(data_dir: Path) -> list[str]:
    return sorted(p.name for p in (data_dir / "embedded").glob(f"{PREFIX}*"))


def documents_live(data_dir: Path) -> int:
    versions = IndexVersions(data_dir / "embedded")
    pointer = versions.pointer()
    assert pointer is not None, "nothing is live"
    return int(versions.manifest(pointer.live)["documents"])
