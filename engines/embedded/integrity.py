"""Is a version on disk the one that was built? Checksums written at build, checked before use.

A build ends by listing every file of its folder with its size and SHA-256 in ``checksums.json``.
Before a version is served (a server starting, a switch, ``rollback --to``) and by ``status``,
every listed file is checked: a file changed, truncated or gone means the version is damaged and
is not opened. tantivy's own bookkeeping (``meta.json``, ``.managed.json``, its locks) changes on
every commit, and small writes add segments and delta files after the build: those are not listed,
and a listed tantivy segment that a later commit merged away is not missing but gone for good
(tantivy itself refuses to open an index whose ``meta.json`` names a missing segment).

Versions built before checksums existed are reported as unverified, not as damaged.

Hashing a version reads all of it (1.4 GB at a million providers, most of a second), so a writer
building on the live version, a server opening one and a rollback check ``damage_unless_unchanged``:
the full check once, then only that no listed file's size or modification time moved since
(``.verified.json``, written with the checksums and by every full check that passes). A file
rewritten in place, truncated or replaced is hashed again; ``status`` always hashes everything.
"""

from __future__ import annotations

import hashlib
import json
import os
from contextlib import suppress
from pathlib import Path

from core.atomic_files import write_json_atomically

CHECKSUMS = "checksums.json"
# Size and modification time of every listed file (and of the checksums list) when they last matched.
VERIFIED = ".verified.json"
# Rewritten by every tantivy commit, or a lock: their damage shows when tantivy opens the index.
_MUTABLE = frozenset({"meta.json", ".managed.json", ".tantivy-meta.lock", ".tantivy-writer.lock"})
# Written after the build (small writes); each is read whole, so damage shows when it is read.
_AFTER_BUILD = ("deltas/",)
_TEXT = "text/"


def _digest(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _listed_files(version_dir: Path) -> list[str]:
    names = []
    for folder, _, files in os.walk(version_dir):
        for name in files:
            relative = (Path(folder) / name).relative_to(version_dir).as_posix()
            if name in _MUTABLE or name.startswith(".") or relative == CHECKSUMS or relative.startswith(_AFTER_BUILD):
                continue
            names.append(relative)
    return sorted(names)


def record_checksums(version_dir: Path) -> None:
    """List every file of a finished build with its size and SHA-256; the last file a build writes."""
    listing = {
        name: [(version_dir / name).stat().st_size, _digest(version_dir / name)] for name in _listed_files(version_dir)
    }
    write_json_atomically(version_dir / CHECKSUMS, {"algorithm": "sha256", "files": listing})
    _record_verified(version_dir, list(listing))


def _file_stamps(version_dir: Path, names: list[str]) -> dict[str, list[int]] | None:
    """Size and modification time of each file (a tantivy segment merged away left out, as in
    ``damage``); None if any other is gone."""
    stamps = {}
    for name in [*names, CHECKSUMS]:
        try:
            st = (version_dir / name).stat()
        except FileNotFoundError:
            if name.startswith(_TEXT):
                continue
            return None
        stamps[name] = [st.st_size, st.st_mtime_ns]
    return stamps


def _record_verified(version_dir: Path, names: list[str]) -> None:
    stamps = _file_stamps(version_dir, names)
    if stamps is not None:
        with suppress(OSError):  # a read-only data dir: every check is then a full one
            write_json_atomically(version_dir / VERIFIED, stamps)


def damage_unless_unchanged(version_dir: Path) -> str | None:
    """``damage``, unless no listed file changed size or modification time since it last passed."""
    try:
        listing = json.loads((version_dir / CHECKSUMS).read_text(encoding="utf-8"))["files"]
        names = [str(name) for name in listing]
        verified = json.loads((version_dir / VERIFIED).read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        verified, names = None, []
    if verified is not None and verified == _file_stamps(version_dir, names):
        return None
    return damage(version_dir)


def damage(version_dir: Path) -> str | None:
    """Why the version cannot be trusted, or None if every listed file is as built.

    The reason names files of the index, never a record's content.
    """
    if not version_dir.is_dir():
        return f"the folder {version_dir.name} is missing"
    try:
        listing = json.loads((version_dir / CHECKSUMS).read_text(encoding="utf-8"))["files"]
        files = {str(name): (int(size), str(digest)) for name, (size, digest) in listing.items()}
    except FileNotFoundError:
        # Built before checksums were written (or not finished): nothing to compare with.
        return None
    except (ValueError, KeyError, TypeError, AttributeError):
        return f"its {CHECKSUMS} is damaged"
    for name, (size, digest) in files.items():
        path = version_dir / name
        try:
            found = path.stat().st_size
        except FileNotFoundError:
            if name.startswith(_TEXT):
                continue  # merged away by a later commit; tantivy checks what meta.json names
            return f"{name} is missing"
        if found != size:
            return f"{name} has {found} bytes where {size} were written"
        if _digest(path) != digest:
            return f"{name} does not match its checksum"
    _record_verified(version_dir, list(files))
    return None


def sizes_changed(version_dir: Path) -> str | None:
    """The cheap check (sizes only, no reading): for a version already open, before a file that was
    truncated under it is touched (a mapped file read past its new end kills the process)."""
    try:
        listing = json.loads((version_dir / CHECKSUMS).read_text(encoding="utf-8"))["files"]
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError):
        return f"its {CHECKSUMS} is damaged"
    for name, (size, _) in listing.items():
        try:
            found = (version_dir / name).stat().st_size
        except FileNotFoundError:
            if str(name).startswith(_TEXT):
                continue
            return f"{name} is missing"
        except (TypeError, ValueError):
            return f"its {CHECKSUMS} is damaged"
        if found != size:
            return f"{name} has {found} bytes where {size} were written"
    return None
