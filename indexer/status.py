"""``placeringssok status``: one report for both backends, as text for people or JSON for scripts.

Every field is present on both backends (None where it does not apply): ``cluster`` and
``cluster_version`` are Elasticsearch's, ``index`` is the alias there and the versions folder for
the embedded engine. ``switched_at`` is when the live version last became live (a reindex or a
rollback); a sync updates the live version in place and does not change it.
"""

from __future__ import annotations

from typing import Any

from core.errors import NoLiveIndex
from core.settings import Backend, Settings

STATUS_FIELDS = (
    "backend",
    "data_dir",
    "schools",
    "cluster",
    "cluster_version",
    "index",
    "live_version",
    "previous_version",
    "switched_at",
    "built_at",
    "build_seconds",
    "sources",
    "documents",
    "by_provider_type",
)


def _embedded(settings: Settings) -> dict[str, Any]:
    from engines.embedded.versions import IndexVersions

    versions = IndexVersions(settings.embedded_dir)
    pointer = versions.pointer()
    if pointer is None:
        raise NoLiveIndex(
            f"no live index in {settings.embedded_dir.resolve()}; run 'placeringssok reindex --source FILE'"
        )
    manifest = versions.manifest(pointer.live)
    return {
        "cluster": None,
        "cluster_version": None,
        "index": str(settings.embedded_dir.resolve()),
        "live_version": pointer.live,
        "previous_version": pointer.previous,
        "switched_at": pointer.switched_at,
        "built_at": manifest.get("built_at"),
        "build_seconds": manifest.get("build_seconds"),
        "sources": manifest.get("sources", []),
        "documents": manifest.get("documents"),
        "by_provider_type": manifest.get("by_provider_type", {}),
    }


def _elasticsearch(settings: Settings) -> dict[str, Any]:
    from engines.elasticsearch.target import ElasticsearchTarget

    found = ElasticsearchTarget.from_settings(settings).status()
    return {
        "cluster": found["cluster"],
        "cluster_version": found["elasticsearch_version"],
        "index": found["alias"],
        "live_version": found["live_version"],
        "previous_version": found["previous_version"],
        "switched_at": found.get("switched_at"),
        "built_at": found["built_at"],
        "build_seconds": found["build_seconds"],
        "sources": found["sources"],
        "documents": found["documents"],
        "by_provider_type": found["by_provider_type"],
    }


def index_status(settings: Settings) -> dict[str, Any]:
    """The status fields, in ``STATUS_FIELDS`` order; raises ``IndexFailure`` when there is none."""
    common = {
        "backend": str(settings.backend),
        "data_dir": str(settings.data_dir.resolve()),
        "schools": str(settings.schools_path.resolve()) if settings.schools_path.exists() else None,
    }
    specific = _elasticsearch(settings) if settings.backend is Backend.elasticsearch else _embedded(settings)
    merged = common | specific
    return {name: merged[name] for name in STATUS_FIELDS}


def status_text(status: dict[str, Any]) -> str:
    """The report for a terminal: one ``name: value`` line per field, the types indented below."""
    shown = {
        "backend": status["backend"],
        "data dir": status["data_dir"],
        "schools": status["schools"] or "not loaded",
        "cluster": status["cluster"] and f"{status['cluster']} (Elasticsearch {status['cluster_version']})",
        "index": status["index"],
        "live version": status["live_version"],
        "previous version": status["previous_version"] or "-",
        "switched at": status["switched_at"] or "unknown",
        "built at": f"{status['built_at']} in {status['build_seconds']} s from {', '.join(status['sources']) or '-'}",
        "documents": status["documents"],
    }
    lines = [f"{name}: {value}" for name, value in shown.items() if value is not None]
    lines += [f"  {kind:28} {count}" for kind, count in sorted(status["by_provider_type"].items())]
    return "\n".join(lines)
