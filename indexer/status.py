"""``placeringssok status``: one report for both backends, as text for people or JSON for scripts.

Every field is present on both backends (None where it does not apply): ``cluster`` and
``cluster_version`` are Elasticsearch's, ``index`` is the alias there and the versions folder for
the embedded engine; ``integrity`` (``intact`` or ``DAMAGED: <reason>``, from the checksums) and
``kept_versions`` (each with its state) are the embedded engine's. ``switched_at`` is when the live
version last became live (a reindex or a rollback); a sync updates the live version in place and
does not change it. Status never raises for a damaged data dir: the damage is what it shows.
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
    "integrity",
    "built_at",
    "build_seconds",
    "sources",
    "documents",
    "by_provider_type",
    "kept_versions",
)


def _embedded(settings: Settings) -> dict[str, Any]:
    """Never raises for a damaged data dir: the damage is what status is there to show."""
    from engines.embedded.health import check_health

    health = check_health(settings.embedded_dir)
    pointer, manifest = health.pointer, health.manifest
    if pointer is None and health.pointer_problem is None:
        raise NoLiveIndex(
            f"no live index in {settings.embedded_dir.resolve()}; run 'placeringssok reindex --source FILE'"
        )
    problem = health.pointer_problem or health.live_problem
    return {
        "cluster": None,
        "cluster_version": None,
        "index": str(settings.embedded_dir.resolve()),
        "live_version": pointer.live if pointer else None,
        "previous_version": pointer.previous if pointer else None,
        "switched_at": pointer.switched_at if pointer else None,
        "integrity": f"DAMAGED: {problem}" if problem else "intact",
        "built_at": manifest.get("built_at"),
        "build_seconds": manifest.get("build_seconds"),
        "sources": manifest.get("sources", []),
        "documents": manifest.get("documents"),
        "by_provider_type": manifest.get("by_provider_type", {}),
        "kept_versions": {version: f"DAMAGED: {damage}" if damage else "intact" for version, damage in health.kept},
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
        "integrity": None,
        "built_at": found["built_at"],
        "build_seconds": found["build_seconds"],
        "sources": found["sources"],
        "documents": found["documents"],
        "by_provider_type": found["by_provider_type"],
        "kept_versions": None,
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
        "integrity": status["integrity"],
        "built at": status["built_at"]
        and f"{status['built_at']} in {status['build_seconds']} s from {', '.join(status['sources']) or '-'}",
        "documents": status["documents"],
    }
    lines = [f"{name}: {value}" for name, value in shown.items() if value is not None]
    lines += [f"  {kind:28} {count}" for kind, count in sorted(status["by_provider_type"].items())]
    if status["kept_versions"]:
        lines.append("kept versions (for rollback --to):")
        lines += [f"  {version}  {state}" for version, state in status["kept_versions"].items()]
    return "\n".join(lines)
