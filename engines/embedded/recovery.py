"""What the server serves when the live version cannot be: the one it has, or the newest intact one.

A damaged live pointer, a pointer to a missing folder, a version whose files fail their checksums or
that tantivy or numpy cannot open: none of these may take the service down. A server that already
serves a version keeps serving it, unless that version's own files changed under it; a server with
nothing to serve (just started, or its version damaged) opens the newest intact version. Each case
is logged at ERROR, naming the damage and what is served instead, so ops can ``rollback --to`` or
reindex. Only when no intact version is left does the API answer 503, with the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from core.errors import BackendUnavailable, IndexDamaged, IndexFailure
from engines.embedded.integrity import damage, damage_unless_unchanged
from engines.embedded.versions import IndexVersions

log = logging.getLogger("placeringssok.index")

S = TypeVar("S")


@dataclass(frozen=True)
class Opened(Generic[S]):
    """What is served, which version it is, and why it is not the live one (None when it is)."""

    snapshot: S
    version: str
    problem: str | None = None


def _describe(exc: BaseException) -> str:
    # Our own errors say what to do; anything else from tantivy or numpy is named by its kind only.
    if isinstance(exc, IndexFailure):
        return str(exc)
    return f"the live version could not be opened ({type(exc).__name__})"


def open_checked(versions: IndexVersions, open_version: Callable[[Path], S]) -> S:
    """Open the live version after checking its files; IndexDamaged (or tantivy's, numpy's error) if
    it cannot be trusted."""
    live = versions.live_dir()
    problem = damage_unless_unchanged(live)
    if problem is not None:
        raise IndexDamaged(f"the live version {live.name} is damaged: {problem}")
    return open_version(live)


def open_live_or_fallback(
    versions: IndexVersions,
    open_version: Callable[[Path], S],
    current: Opened[S] | None,
    *,
    current_damaged: bool = False,
) -> Opened[S]:
    """The live version if it can be trusted; else the current one (unless ``current_damaged``);
    else the newest intact version; else BackendUnavailable with the reason."""
    try:
        return Opened(open_checked(versions, open_version), versions.live_dir().name)
    except BackendUnavailable:
        raise
    except Exception as exc:
        problem = _describe(exc)
    if current is not None and not current_damaged:
        log.error("INDEX DAMAGED: %s; still serving %s, which was open before", problem, current.version)
        return Opened(current.snapshot, current.version, problem)
    skip = {current.version} if current is not None else set()
    pointer = versions.pointer_or_none()
    if pointer is not None:
        skip.add(pointer.live)
    for version in versions.complete_versions():
        if version in skip or damage(versions.root / version) is not None:
            continue
        try:
            snapshot = open_version(versions.root / version)
        except Exception:
            log.error("INDEX DAMAGED: %s could not be opened either", version)
            continue
        log.error(
            "INDEX DAMAGED: %s; serving %s, the newest intact version, until 'placeringssok rollback --to "
            "VERSION' or a reindex repairs it",
            problem,
            version,
        )
        return Opened(snapshot, version, problem)
    log.error("INDEX DAMAGED: %s; no intact version is left to serve", problem)
    raise BackendUnavailable(
        f"{problem}; no intact index version is left: run 'placeringssok reindex --source FILE'", retry_after_s=60
    )
