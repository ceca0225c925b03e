"""All configuration, read once from the environment (``PLACERINGSSOK_*``) by pydantic-settings."""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Backend(StrEnum):
    embedded = "embedded"
    elasticsearch = "elasticsearch"


class ApiKey(BaseModel):
    role: Literal["caseworker", "public"]
    origins: list[str] = []


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PLACERINGSSOK_", extra="ignore")

    data_dir: Path = Path("./var")
    backend: Backend = Backend.embedded
    geocoder: str = Field(
        default="nominatim", description="a geopy service name, or 'none' to use only the geocoding cache"
    )
    geocoding_cache: Path | None = Field(
        default=None, description="JSON cache of geocoded addresses; default <data_dir>/geocoding-cache.json"
    )
    api_keys: dict[str, ApiKey] = Field(
        default_factory=dict, description='JSON: {"key": {"role": "caseworker", "origins": ["https://..."]}}'
    )
    anonymous_role: Literal["public"] | None = Field(
        default="public", description="the role of callers without a key; empty to refuse them"
    )
    stale_vacancy_days: int = 14

    @field_validator("anonymous_role", mode="before")
    @classmethod
    def _empty_means_none(cls, value: object) -> object:
        # PLACERINGSSOK_ANONYMOUS_ROLE= (empty) is how ops say "no anonymous access".
        return None if value == "" else value

    elasticsearch_url: str | None = Field(
        default=None, validation_alias=AliasChoices("PLACERINGSSOK_ELASTICSEARCH_URL", "ELASTICSEARCH_URL")
    )
    elasticsearch_api_key: str | None = None
    elasticsearch_username: str | None = None
    elasticsearch_password: str | None = None
    elasticsearch_ca_certs: Path | None = None
    elasticsearch_timeout_s: float = 10.0
    elasticsearch_index: str = "providers"
    elasticsearch_retries: int = Field(
        default=5, ge=1, description="indexer attempts per request on connection errors, timeouts, 429 and 502-504"
    )
    elasticsearch_retry_backoff_s: float = Field(
        default=1.0, ge=0, description="first wait between indexer attempts; doubles up to 30 s"
    )
    elasticsearch_lock_stale_s: float = Field(
        default=3600.0, gt=0, description="a writer lock older than this is taken to belong to a dead reindex"
    )
    elasticsearch_mappings: Path | None = Field(
        default=None, description="settings + mappings JSON; default mappings/providers.json of the checkout"
    )

    @property
    def embedded_dir(self) -> Path:
        return self.data_dir / "embedded"

    @property
    def schools_path(self) -> Path:
        return self.data_dir / "schools.json"

    @property
    def geocoding_cache_path(self) -> Path:
        return self.geocoding_cache or self.data_dir / "geocoding-cache.json"


@cache
def get_settings() -> Settings:
    return Settings()
