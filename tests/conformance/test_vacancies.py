"""Live vacancies on both backends: homes confirm, caseworkers see it at once, old words turn "okänd".

Each backend gets a data dir (and ledger, and for Elasticsearch an alias) of its own, so the
confirmations made here never reach the other suites. The API's clock is moved by the tests.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from core.settings import ApiKey, Backend, Settings
from core.vacancy_ledger import VacancyLedger
from indexer.jobs import run_job
from search_api.app import create_app
from search_api.vacancy_display import swedish_day
from tests.conftest import (
    CASEWORKER_KEY,
    PUBLIC_KEY,
    SHIPPED_PROVIDERS,
    build_embedded,
    offline_geocoder,
    test_settings,
)
from tests.support.elastic_server import elasticsearch_url

HOME_KEY = "test-home-key"
OTHER_HOME_KEY = "test-other-home-key"
FAMILY_TYPES = {"familjehem", "jourhem", "konsulentstott_familjehem"}
# Later than every record of the shipped fixture export (indexed as it is: this suite sets the
# clock), so a confirmation "now" is the newest word.
START = datetime(2026, 12, 1, 8, 12, tzinfo=UTC)


def _records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in SHIPPED_PROVIDERS.read_text(encoding="utf-8").splitlines() if line.strip()]


def _pick_homes() -> dict[str, dict[str, Any]]:
    """Distinct homes per test, so tests on a shared index do not see each other's confirmations."""
    records = _records()
    gone = {r["id"] for r in records if r.get("deleted")}
    newest: dict[str, dict[str, Any]] = {}
    for r in records:  # an export may hold a home twice: the newer record is the one indexed
        if not r.get("deleted") and r["updated_at"] >= newest.get(r["id"], r)["updated_at"]:
            newest[r["id"]] = r
    # Searches leave out revoked permits by default (permit_valid): pick homes every search can find.
    alive = [
        r for r in newest.values() if r["id"] not in gone and (r.get("ivo_permit") or {}).get("status") != "aterkallat"
    ]
    hvbs = [r for r in alive if r["provider_type"] == "hvb" and r["capacity"] >= 3]
    families = [r for r in alive if r["provider_type"] == "familjehem"]
    names = ["confirm", "full", "expiry", "report", "history", "sync", "reindex", "tombstone", "kill", "other"]
    homes = {name: hvbs[i] for i, name in enumerate(names)}
    homes["family"] = families[0]
    homes["other_family"] = families[1]
    return homes


HOMES = _pick_homes()


def _keys() -> dict[str, ApiKey]:
    own = [h["id"] for name, h in HOMES.items() if name not in ("other", "other_family")]
    return {
        **test_settings(Path(".")).api_keys,
        HOME_KEY: ApiKey(role="provider", providers=own, name="hem-test", organisation="Testbolaget"),
        OTHER_HOME_KEY: ApiKey(
            role="provider", providers=[HOMES["other"]["id"], HOMES["other_family"]["id"]], name="hem-annan"
        ),
    }


@dataclass
class Live:
    client: TestClient
    settings: Settings
    now: datetime = START
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def set_clock(self, moment: datetime) -> None:
        self.now = moment
        self.client.app.state.clock = lambda: self.now  # type: ignore[attr-defined]

    def as_(self, who: str) -> dict[str, str]:
        keys = {"home": HOME_KEY, "other": OTHER_HOME_KEY, "caseworker": CASEWORKER_KEY, "public": PUBLIC_KEY}
        return {"X-API-Key": keys[who]}

    def confirm(self, home: str, vacancies: int, who: str = "home", **extra: Any) -> Any:
        return self.client.put(
            f"/v1/providers/{HOMES[home]['id']}/vacancies",
            json={"vacancies": vacancies, **extra},
            headers=self.as_(who),
        )

    def find(self, home: str, role: str = "caseworker", **criteria: Any) -> dict[str, Any] | None:
        """The home's hit among the homes of its municipality, or None."""
        body = {"municipality_codes": [HOMES[home]["municipality_code"]], "size": 100, **criteria}
        response = self.client.post("/v1/providers/search", json=body, headers=self.as_(role))
        assert response.status_code == 200, response.text
        found = [h for h in response.json()["hits"] if h["id"] == HOMES[home]["id"]]
        return found[0] if found else None

    def status_counts(self, home: str) -> dict[str, int]:
        body = {"municipality_codes": [HOMES[home]["municipality_code"]], "facets": ["vacancy_status", "has_vacancy"]}
        response = self.client.post("/v1/providers/search", json=body, headers=self.as_("caseworker"))
        facets = response.json()["facets"]
        counts = {v["value"]: v["count"] for v in facets["vacancy_status"]}
        counts |= {f"has_vacancy={v['value']}": v["count"] for v in facets["has_vacancy"]}
        return counts


def _settings_for(backend: str, tmp: Path) -> Settings:
    if backend == "embedded":
        build_embedded(tmp, [SHIPPED_PROVIDERS])
        return test_settings(tmp, api_keys=_keys())
    with elasticsearch_url() as url:
        from tests.support.elastic_index import build_elasticsearch

        settings = build_elasticsearch(url, tmp, SHIPPED_PROVIDERS)
    return settings.model_copy(update={"api_keys": _keys()})


@pytest.fixture(scope="module", params=["embedded", "elasticsearch"])
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    settings = _settings_for(request.param, tmp_path_factory.mktemp(f"vacancies-{request.param}"))
    with TestClient(create_app(settings)) as client:
        state = Live(client, settings)
        state.set_clock(START)
        yield state


@pytest.fixture(autouse=True)
def _clock_back(live: Live) -> None:
    live.set_clock(START)


def _job(settings: Settings, lines: list[dict[str, Any]], tmp: Path, *, incremental: bool) -> None:
    source = tmp / "export.jsonl"
    source.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    if settings.backend is Backend.elasticsearch:
        from engines.elasticsearch.target import ElasticsearchTarget

        target: Any = ElasticsearchTarget.from_settings(settings)
    else:
        from engines.embedded.target import EmbeddedTarget

        target = EmbeddedTarget(settings.embedded_dir)
    ledger = VacancyLedger(settings.vacancy_ledger_path)
    try:
        run_job(target, [source], offline_geocoder(), incremental=incremental, ledger=ledger)
    finally:
        ledger.close()


# -- confirming ------------------------------------------------------------------------------------


def test_a_confirmation_is_in_hits_filters_facets_and_sorting_at_once(live: Live) -> None:
    before = live.status_counts("confirm")
    response = live.confirm("confirm", 2, available_from="2026-12-03")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ja"
    hit = live.find("confirm", has_vacancy=True)
    assert hit is not None, "has_vacancy: true finds the home right after its confirmation"
    assert hit["vacancies"] == 2 and hit["vacancy"]["vacancies"] == 2
    assert hit["vacancy"]["status"] == "ja" and hit["vacancy"]["confirmed_by"] == "hemmet"
    assert hit["vacancy"]["available_from"] == "2026-12-03"
    assert hit["vacancy"]["text"] == "Bekräftat i dag 09:12"  # 08:12 UTC is 09:12 in Stockholm
    assert hit["explanation"]["ranking"]["freshness"] == 1.0
    after = live.status_counts("confirm")
    assert after["ja"] == before.get("ja", 0) + 1
    assert after["has_vacancy=true"] == before.get("has_vacancy=true", 0) + 1
    assert sum(v for k, v in after.items() if "=" not in k) == sum(v for k, v in before.items() if "=" not in k)
    newest = live.client.post(
        "/v1/providers/search",
        json={"municipality_codes": [HOMES["confirm"]["municipality_code"]], "sort": "vacancies_updated"},
        headers=live.as_("caseworker"),
    ).json()["hits"]
    assert newest[0]["id"] == HOMES["confirm"]["id"], "the newest confirmation sorts first"


def test_a_home_confirmed_full_is_nej_and_not_available(live: Live) -> None:
    assert live.confirm("full", 0).status_code == 200
    assert live.find("full", has_vacancy=True) is None
    hit = live.find("full", vacancy_status=["nej"])
    assert hit is not None and hit["vacancy"]["status"] == "nej" and hit["vacancy"]["status_label"] == "Fullt"


def test_a_confirmation_older_than_the_ttl_is_okand_without_a_reindex(live: Live) -> None:
    assert live.confirm("expiry", 3).status_code == 200
    live.set_clock(START + timedelta(days=13))
    assert live.find("expiry", has_vacancy=True) is not None, "13 days: still within the 14-day TTL"
    live.set_clock(START + timedelta(days=15))
    assert live.find("expiry", has_vacancy=True) is None, "15 days: okänd, so not a free place"
    hit = live.find("expiry", vacancy_status=["okänd"])
    assert hit is not None and hit["vacancy"]["status"] == "okänd"
    assert hit["vacancy"]["text"] == "Okänt – senast bekräftat 1 december"
    assert hit["explanation"]["ranking"]["freshness"] < 1.0


def test_another_homes_key_is_refused_and_nothing_changes(live: Live) -> None:
    before = live.find("other")
    response = live.confirm("other", 1)  # "home"'s key, "other"'s home
    assert response.status_code == 403, response.text
    family = live.client.put(
        f"/v1/providers/{HOMES['other_family']['id']}/vacancies", json={"vacancies": 1}, headers=live.as_("home")
    )
    assert family.status_code == 404, "a family home's id is not confirmed to exist to another home"
    assert live.find("other") == before
    assert live.confirm("other", 1, who="caseworker").status_code == 403
    assert live.confirm("other", 1, who="public").status_code == 403


def test_more_places_than_capacity_is_422_naming_the_field(live: Live) -> None:
    capacity = HOMES["confirm"]["capacity"]
    response = live.confirm("confirm", capacity + 1)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "vacancies"
    assert live.confirm("confirm", -1).status_code == 422
    extra = live.client.put(
        f"/v1/providers/{HOMES['confirm']['id']}/vacancies",
        json={"vacancies": 1, "note": "barnet behöver"},
        headers=live.as_("home"),
    )
    assert extra.status_code == 422 and "barnet" not in extra.text


# -- questioning and history -------------------------------------------------------------------------


def test_a_report_shows_on_the_hit_until_the_next_confirmation(live: Live) -> None:
    assert live.confirm("report", 2).status_code == 200
    live.set_clock(START + timedelta(hours=2))
    url = f"/v1/providers/{HOMES['report']['id']}/vacancy-reports"
    assert live.client.post(url, json={"reason": "fullt"}, headers=live.as_("caseworker")).status_code == 201
    assert live.client.post(url, json={"reason": "barnet"}, headers=live.as_("caseworker")).status_code == 422
    assert (
        live.client.post(url, json={"reason": "fullt", "text": "x"}, headers=live.as_("caseworker")).status_code == 422
    )
    assert live.client.post(url, json={"reason": "fullt"}, headers=live.as_("home")).status_code == 403
    hit = live.find("report")
    assert hit is not None and hit["vacancy"]["report"]["text"] == "Ifrågasatt av en handläggare i dag"
    assert hit["vacancy"]["report"]["reason"] == "fullt"
    live.set_clock(START + timedelta(hours=3))
    assert live.confirm("report", 1).status_code == 200
    hit = live.find("report")
    assert hit is not None and hit["vacancy"]["report"] is None and hit["vacancy"]["vacancies"] == 1


def test_history_for_caseworkers_and_the_home_itself(live: Live) -> None:
    for day, places in enumerate((2, 1, 0)):
        live.set_clock(START + timedelta(days=day))
        assert live.confirm("history", places).status_code == 200
    url = f"/v1/providers/{HOMES['history']['id']}/vacancies"
    live.client.post(
        url.replace("vacancies", "vacancy-reports"), json={"reason": "svarar_inte"}, headers=live.as_("caseworker")
    )
    for who in ("caseworker", "home"):
        response = live.client.get(url, headers=live.as_(who))
        assert response.status_code == 200, response.text
        body = response.json()
        assert [c["vacancies"] for c in body["confirmations"]] == [0, 1, 2]
        assert {c["by"] for c in body["confirmations"]} == {"hemmet"}
        assert body["reports"][0]["reason"] == "svarar_inte" and body["reports"][0]["by"] == "handläggare"
        assert "hem-test" not in response.text and HOME_KEY not in response.text
    assert live.client.get(url, headers=live.as_("other")).status_code == 403
    assert live.client.get(url, headers=live.as_("public")).status_code == 403
    family = f"/v1/providers/{HOMES['family']['id']}/vacancies"
    assert live.client.get(family, headers=live.as_("public")).status_code == 404


def test_a_provider_key_lists_only_its_own_homes(live: Live) -> None:
    response = live.client.get("/v1/me/providers", headers=live.as_("other"))
    assert response.status_code == 200
    ids = {home["provider"]["id"] for home in response.json()["homes"]}
    assert ids == {HOMES["other"]["id"], HOMES["other_family"]["id"]}
    family = next(h for h in response.json()["homes"] if h["provider"]["id"] == HOMES["other_family"]["id"])
    assert family["provider"]["address"] is None and family["provider"]["location"] is None
    assert live.client.get("/v1/me/providers", headers=live.as_("caseworker")).status_code == 403
    search = live.client.post("/v1/providers/search", json={}, headers=live.as_("home"))
    assert search.status_code == 403


# -- the register and the ledger -------------------------------------------------------------------


def test_a_sync_never_undoes_a_newer_confirmation(live: Live, tmp_path: Path) -> None:
    assert live.confirm("sync", 2).status_code == 200
    record = dict(HOMES["sync"])
    # The register changes the home's description later, still with its old vacancy figure.
    record |= {"description": record["description"] + " Nytt.", "updated_at": "2026-12-01T12:00:00+01:00"}
    record |= {"vacancies": 0, "vacancies_updated_at": "2026-11-20T10:00:00+01:00"}
    _job(live.settings, [record], tmp_path, incremental=True)
    hit = live.find("sync")
    assert hit is not None and hit["description"].endswith("Nytt.")
    assert hit["vacancies"] == 2 and hit["vacancy"]["status"] == "ja", "the home's newer word stands"
    # A register figure newer than the confirmation wins: the newest moment, whoever said it.
    record |= {"updated_at": "2026-12-02T12:00:00+01:00", "vacancies": 1}
    record |= {"vacancies_updated_at": "2026-12-02T11:00:00+01:00"}
    _job(live.settings, [record], tmp_path, incremental=True)
    live.set_clock(START + timedelta(days=1, hours=4))
    hit = live.find("sync")
    assert hit is not None and hit["vacancies"] == 1 and hit["vacancy"]["confirmed_by"] == "registret"


def test_a_full_reindex_of_the_export_carries_confirmations_over(live: Live, tmp_path: Path) -> None:
    assert live.confirm("reindex", 3).status_code == 200
    _job(live.settings, _records(), tmp_path, incremental=False)
    hit = live.find("reindex", has_vacancy=True)
    assert hit is not None and hit["vacancies"] == 3 and hit["vacancy"]["confirmed_by"] == "hemmet"


def test_a_tombstone_drops_the_homes_confirmations(live: Live, tmp_path: Path) -> None:
    assert live.confirm("tombstone", 2).status_code == 200
    home = HOMES["tombstone"]
    _job(
        live.settings,
        [{"id": home["id"], "deleted": True, "updated_at": "2026-12-01T10:00:00+01:00"}],
        tmp_path,
        incremental=True,
    )
    assert live.find("tombstone") is None
    ledger = VacancyLedger(live.settings.vacancy_ledger_path)
    try:
        assert home["id"] not in ledger.latest([home["id"]])
        assert ledger.history(home["id"], 10) == ([], [])
    finally:
        ledger.close()


# -- privacy ------------------------------------------------------------------------------------------


def test_the_public_never_sees_a_family_homes_vacancies(live: Live) -> None:
    assert live.confirm("family", 1).status_code == 200
    assert live.find("family", role="caseworker") is not None
    assert live.find("family", role="public") is None
    response = live.client.post("/v1/providers/search", json={"size": 100}, headers=live.as_("public"))
    assert not {h["provider_type"] for h in response.json()["hits"]} & FAMILY_TYPES
    single = live.client.get(f"/v1/providers/{HOMES['family']['id']}", headers=live.as_("public"))
    assert single.status_code == 404


def test_logs_say_who_confirmed_which_home_and_nothing_else(live: Live, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        assert live.confirm("confirm", 1).status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "placeringssok.vacancies"]
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["provider"] == HOMES["confirm"]["id"] and entry["by"] == "hem-test"
    assert HOME_KEY not in caplog.text
    assert HOMES["confirm"]["address"] not in caplog.text


def test_swedish_days() -> None:
    now = datetime(2026, 10, 3, 20, 0, tzinfo=UTC)
    assert swedish_day(now, now) == "i dag"
    assert swedish_day(now - timedelta(days=1), now) == "i går"
    assert swedish_day(datetime(2026, 9, 3, 12, tzinfo=UTC), now) == "3 september"
    assert swedish_day(datetime(2025, 9, 3, 12, tzinfo=UTC), now) == "3 september 2025"
    # 23:30 UTC on 3 October is already 4 October in Stockholm
    assert swedish_day(datetime(2026, 10, 3, 23, 30, tzinfo=UTC), datetime(2026, 10, 4, 9, tzinfo=UTC)) == "i dag"


def test_public_ids_in_the_path_and_register_ids_in_the_keys(live: Live) -> None:
    """With opaque ids (production's default) callers use the ids hits show; keys list register ids."""
    settings = live.settings.model_copy(update={"opaque_ids": True})
    home = HOMES["kill"]
    with TestClient(create_app(settings)) as client:
        client.app.state.clock = lambda: START  # type: ignore[attr-defined]
        body = {"municipality_codes": [home["municipality_code"]], "provider_types": ["hvb"], "size": 100}
        caseworker = {"X-API-Key": CASEWORKER_KEY}
        hits = client.post("/v1/providers/search", json=body, headers=caseworker).json()["hits"]
        (public_id,) = [h["id"] for h in hits if h["name"] == home["name"] and h["address"] == home["address"]]
        assert public_id != home["id"]
        url = f"/v1/providers/{public_id}/vacancies"
        assert client.put(url, json={"vacancies": 1}, headers={"X-API-Key": OTHER_HOME_KEY}).status_code == 403
        assert client.put(url, json={"vacancies": 1}, headers={"X-API-Key": HOME_KEY}).status_code == 200
        body |= {"has_vacancy": True}
        hits = client.post("/v1/providers/search", json=body, headers=caseworker).json()["hits"]
        assert public_id in {h["id"] for h in hits}
        mine = client.get("/v1/me/providers", headers={"X-API-Key": HOME_KEY}).json()["homes"]
        assert public_id in {m["provider"]["id"] for m in mine}
        assert home["id"] not in json.dumps(mine)
        raw = client.put(
            f"/v1/providers/{home['id']}/vacancies", json={"vacancies": 1}, headers={"X-API-Key": HOME_KEY}
        )
        assert raw.status_code == 404, "a register id is not an id callers can use"
