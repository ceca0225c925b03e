"""The provider index as ``mappings/providers.json`` defines it, and the names the writer gives indexes.

Live documents sit in ``<alias>-<version>`` indexes; the alias ``<alias>`` points at the live one and
``<alias>-previous`` at the one ``rollback`` returns to. ``<alias>-locks`` holds the writer lock.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from core.errors import NotConfigured
from core.settings import Settings

MAPPING_FILE = Path("mappings") / "providers.json"
# Where the checkout keeps it (editable installs, tests); a wheel install looks in the working dir.
_CHECKOUT = Path(__file__).resolve().parents[2] / MAPPING_FILE

# While bulk loading nobody reads the new index: no replicas to copy to, no refreshes to make.
LOADING_SETTINGS: dict[str, Any] = {"number_of_replicas": 0, "auto_expand_replicas": "false", "refresh_interval": "-1"}


@dataclass(frozen=True)
class IndexDefinition:
    settings: dict[str, Any]
    mappings: dict[str, Any]

    def creation_settings(self) -> dict[str, Any]:
        """The settings a new version is created with: the file's, tuned for loading."""
        settings = copy.deepcopy(self.settings)
        settings.setdefault("index", {}).update(LOADING_SETTINGS)
        return settings

    def serving_settings(self) -> dict[str, Any]:
        """What ``LOADING_SETTINGS`` replaced, as the file wants it while serving."""
        index = self.settings.get("index", {})
        restored: dict[str, Any] = {"refresh_interval": index.get("refresh_interval", "1s")}
        if "auto_expand_replicas" in index:
            restored["auto_expand_replicas"] = index["auto_expand_replicas"]
        else:
            restored["auto_expand_replicas"] = "false"
            restored["number_of_replicas"] = index.get("number_of_replicas", 1)
        return restored


def mapping_path(settings: Settings) -> Path:
    if settings.elasticsearch_mappings is not None:
        return settings.elasticsearch_mappings
    for candidate in (_CHECKOUT, Path.cwd() / MAPPING_FILE):
        if candidate.is_file():
            return candidate
    return _CHECKOUT


@cache
def _read(path: Path) -> IndexDefinition:
    data = json.loads(path.read_text(encoding="utf-8"))
    return IndexDefinition(settings=data["settings"], mappings=data["mappings"])


def sized(definition: IndexDefinition, shards: int | None, replicas: int | None) -> IndexDefinition:
    """The definition with the deployment's shard and replica counts in place of the file's."""
    if shards is None and replicas is None:
        return definition
    settings = copy.deepcopy(definition.settings)
    index = settings.setdefault("index", {})
    if shards is not None:
        index["number_of_shards"] = shards
    if replicas is not None:
        index.pop("auto_expand_replicas", None)
        index["number_of_replicas"] = replicas
    return IndexDefinition(settings=settings, mappings=definition.mappings)


def load_index_definition(settings: Settings | None = None) -> IndexDefinition:
    path = mapping_path(settings) if settings is not None else _CHECKOUT
    try:
        if settings is not None:
            return sized(_read(path), settings.elasticsearch_shards, settings.elasticsearch_replicas)
        return _read(path)
    except FileNotFoundError as exc:
        raise NotConfigured(
            f"the index definition {path} is missing; run from the repository root, or set "
            "PLACERINGSSOK_ELASTICSEARCH_MAPPINGS to mappings/providers.json"
        ) from exc
    except (ValueError, KeyError) as exc:
        raise NotConfigured(f"the index definition {path} is not valid ({exc}); restore it from git") from exc


@dataclass(frozen=True)
class IndexNames:
    """Every name one deployment (one alias) uses on the cluster."""

    alias: str

    @property
    def previous(self) -> str:
        return f"{self.alias}-previous"

    @property
    def locks(self) -> str:
        return f"{self.alias}-locks"

    @property
    def versions_pattern(self) -> str:
        return f"{self.alias}-*"

    def new_version(self, now: datetime) -> str:
        # Index names must be lower case.
        return f"{self.alias}-{now.strftime('%Y%m%dt%H%M%S%fz')}"

    def is_version(self, index: str) -> bool:
        return re.fullmatch(re.escape(self.alias) + r"-\d{8}t\d{12}z", index) is not None
