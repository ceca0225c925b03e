"""docker-compose.yml, read as compose reads it (no Docker engine here): no password has a default,
and each service signs in as its own least-privileged user, never as the superuser."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

COMPOSE = Path(__file__).resolve().parents[1] / "docker-compose.yml"
REQUIRED = re.compile(r"^\$\{(?P<name>[A-Z_]+):\?(?P<message>.+)\}$")


def _services() -> dict[str, Any]:
    services: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]
    return services


def test_no_password_has_a_default() -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    assert not re.search(r"PASSWORD:-", text), "a password with a silent default"
    for service in _services().values():
        for name, value in (service.get("environment") or {}).items():
            if "PASSWORD" in name:
                found = REQUIRED.match(str(value))
                assert found, f"{name} must be required with ${{VAR:?message}}"
                assert found.group("name") in found.group("message"), "the message names the variable"


def test_the_services_sign_in_as_their_own_users() -> None:
    services = _services()
    assert services["indexer"]["environment"]["PLACERINGSSOK_ELASTICSEARCH_USERNAME"] == "placeringssok_indexer"
    assert services["api"]["environment"]["PLACERINGSSOK_ELASTICSEARCH_USERNAME"] == "placeringssok_api"
    assert services["indexer"]["depends_on"] == {"elasticsearch-setup": {"condition": "service_completed_successfully"}}
    setup = "\n".join(services["elasticsearch-setup"]["command"])
    reader = setup[setup.index("role/placeringssok_reader") : setup.index("put user/")]
    for power in ("manage", "delete_index", "create_index", '"write"', '"all"'):
        assert power not in reader, f"the API's role grants {power}"
    assert "user/placeringssok_api" in setup and '\\"placeringssok_reader\\"' in setup
