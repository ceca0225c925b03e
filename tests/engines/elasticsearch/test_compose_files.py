"""The compose files configure the product only through settings it has, and the cluster example is
a cluster: three nodes that find each other, every client pointed at all of them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
yaml = pytest.importorskip("yaml", reason="PyYAML (installed with the test extras' schemathesis) reads compose files")


def _compose(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))
    return loaded


@pytest.mark.parametrize("name", ["docker-compose.yml", "docker-compose.cluster.yml"])
def test_every_product_variable_is_a_setting(name: str) -> None:
    known = {f"PLACERINGSSOK_{field.upper()}" for field in Settings.model_fields}
    for service in _compose(name)["services"].values():
        environment = service.get("environment") or {}
        used = {key for key in environment if key.startswith("PLACERINGSSOK_")}
        assert used <= known, used - known


def test_the_cluster_example_has_three_nodes_every_client_reaches() -> None:
    services = _compose("docker-compose.cluster.yml")["services"]
    nodes = {name: s for name, s in services.items() if "node.name" in (s.get("environment") or {})}
    assert sorted(nodes) == ["es01", "es02", "es03"]
    for name, node in nodes.items():
        environment = node["environment"]
        assert environment["node.name"] == name and environment["discovery.seed_hosts"] == "es01,es02,es03"
        assert environment["xpack.security.transport.ssl.enabled"] == "true"
        assert any(v.endswith("/usr/share/elasticsearch/data") and v.startswith(f"{name}-") for v in node["volumes"])
    for client in ("indexer", "api"):
        environment = services[client]["environment"]
        urls = environment["PLACERINGSSOK_ELASTICSEARCH_URL"].split(",")
        assert sorted(urls) == [f"https://{n}:9200" for n in sorted(nodes)]
        settings = Settings(**{k.removeprefix("PLACERINGSSOK_").lower(): v for k, v in environment.items()})
        assert settings.elasticsearch_replicas == 2 and settings.elasticsearch_shards == 1
