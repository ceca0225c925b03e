"""All configuration, read once from the environment (``PLACERINGSSOK_*``) by pydantic-settings."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from pydantic import AliasChoices, BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.errors import ServingMisconfigured

# The rate-limit storage every worker of one server shares (search_api.rate_counts registers it).
SHARED_RATE_COUNTS_SCHEME = "sqlite"
SHARED_RATE_COUNTS_FILE = "rate-limits.sqlite"
# Storages of ``limits`` that count inside the process: each worker would have budgets of its own.
PER_PROCESS_RATE_COUNTS = frozenset({"memory", "async+memory"})

# Index versions kept (the live one included), so two bad runs in a row still leave a good one.
DEFAULT_KEEP_VERSIONS = 3


class Backend(StrEnum):
    embedded = "embedded"
    elasticsearch = "elasticsearch"


class ApiKey(BaseModel):
    """A key for a portal (with ``origins``: a browser key) or for a server (without: server-to-server).

    A ``provider`` key belongs to a home (or an agency): it confirms vacancies of the homes it lists in
    ``providers`` and nothing else. The key itself is the dict key in ``api_keys`` and is never shown.
    """

    role: Literal["caseworker", "public", "provider"]
    origins: list[str] = Field(
        default=[], description="a browser key: only requests whose Origin header is one of these are accepted"
    )
    name: str | None = Field(default=None, max_length=100, description="who holds the key, for the audit log")
    organisation: str | None = Field(default=None, max_length=200, description="the holder's organisation")
    providers: list[str] = Field(default=[], description="provider role: the ids of the homes this key answers for")

    @model_validator(mode="after")
    def _providers_for_provider_role(self) -> ApiKey:
        if self.role == "provider" and not self.providers:
            raise ValueError('a provider key needs "providers": the ids of its homes')
        if self.role != "provider" and self.providers:
            raise ValueError('only a key with "role": "provider" lists "providers"')
        return self


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
        default_factory=dict,
        description='JSON: {"key": {"role": "caseworker", "origins": ["https://..."]}} or '
        '{"key": {"role": "provider", "providers": ["id", ...], "id": "hem-1"}}',
    )
    anonymous_role: Literal["public"] | None = Field(
        default="public", description="the role of callers without a key; empty to refuse them"
    )
    vacancy_ttl_days: int = Field(
        default=14, ge=1, le=365, description="a vacancy confirmation older than this many days is 'okänd'"
    )
    keep_versions: int = Field(
        default=DEFAULT_KEEP_VERSIONS,
        ge=1,
        description="index versions kept, the live one included; 'rollback --to' can reach each of them",
    )
    production: bool = Field(
        default=False, description="production mode: /docs, /redoc and /openapi.json are off unless api_docs says on"
    )
    api_docs: bool | None = Field(
        default=None, description="serve /docs, /redoc and /openapi.json; default: on, except in production mode"
    )

    opaque_ids: bool = Field(
        default=True,
        description="callers see encrypted public ids, never register ids; false only for tests and migrations",
    )
    public_id_key: SecretStr | None = Field(
        default=None, description="the key of the public ids (32+ bytes); default <data_dir>/public-id.key"
    )

    @model_validator(mode="after")
    def _production_is_opaque(self) -> Settings:
        if self.production and not self.opaque_ids:
            raise ValueError("PLACERINGSSOK_OPAQUE_IDS=false is not allowed in production mode: ids would reveal homes")
        return self

    # -- sign-in for caseworkers: OpenID Connect bearer tokens from the municipality's identity provider
    oidc_issuer: str | None = Field(default=None, description="the identity provider's issuer (the iss claim)")
    oidc_audience: str | None = Field(default=None, description="this service's client id (the aud claim)")
    oidc_jwks: str | None = Field(default=None, description="the identity provider's JWKS: an https URL or a file path")
    oidc_org_claim: str = Field(default="org", description="the claim that names the caller's organisation")
    oidc_role_claim: str = Field(default="roles", description="the claim (a string or a list) holding 'caseworker'")
    oidc_leeway_s: int = Field(default=60, ge=0, le=600, description="clock skew allowed on exp, nbf and iat")
    oidc_algorithms: list[str] = Field(default=["RS256", "PS256", "ES256", "EdDSA"])
    oidc_jwks_refresh_cooldown_s: float = Field(
        default=30.0, ge=0, description="least time between refetches of a JWKS URL for an unknown key id"
    )

    # -- limits: one caller cannot starve the others
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, description="larger request bodies get 413")
    max_header_bytes: int = Field(default=16 * 1024, ge=1024, description="larger request headers (all together): 431")
    search_threads: int = Field(default=0, ge=0, description="threads for embedded searches; 0: one per core")
    rate_limit_per_address: str = Field(
        default="300/minute", description="requests without a key or token, per client address; empty: no limit"
    )
    rate_limit_per_key: str = Field(
        default="1200/minute", description="requests per API key or signed-in subject; empty: no limit"
    )
    rate_limit_failed_auth: str = Field(
        default="30/minute", description="refused keys and tokens per client address; empty: no limit"
    )
    rate_limit_storage: str = Field(
        default="",
        description="where counts live, a `limits` storage URI: memory:// (this process only), "
        "sqlite:///<path> (shared by the processes of this machine), redis://host:port (shared by machines); "
        "empty: memory:// with one worker, sqlite:///<data_dir>/rate-limits.sqlite with several",
    )
    workers: int = Field(
        default=0, ge=0, description="worker processes of `placeringssok serve` (and `make run`); 0: one per core"
    )

    def rate_limit_storage_for(self, workers: int) -> str:
        """The ``limits`` storage of a server of ``workers`` processes; ``ServingMisconfigured`` for one
        that would count per process when several serve (each would grant the whole budget)."""
        configured = self.rate_limit_storage.strip()
        if not configured:
            if workers == 1:
                return "memory://"
            return f"{SHARED_RATE_COUNTS_SCHEME}://{(self.data_dir / SHARED_RATE_COUNTS_FILE).absolute()}"
        if workers > 1 and urlparse(configured).scheme in PER_PROCESS_RATE_COUNTS:
            raise ServingMisconfigured(
                f"PLACERINGSSOK_RATE_LIMIT_STORAGE={configured} counts in each process, so {workers} workers would "
                f"give every caller {workers} times its budget; leave it empty (a SQLite file the workers share), "
                "set a shared storage (sqlite:///path or redis://host:port), or serve with --workers 1"
            )
        return configured

    @property
    def docs_enabled(self) -> bool:
        return self.api_docs if self.api_docs is not None else not self.production

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_audience and self.oidc_jwks)

    public_origins: list[str] = Field(
        default=[],
        description="JSON list of portal origins whose keyless embed (the public role) CORS answers, e.g. "
        '["https://www.kommun.se"]',
    )

    @property
    def browser_origins(self) -> list[str]:
        """Every origin a browser may call the API from: the keys' portals and the public portals."""
        return sorted({o for key in self.api_keys.values() for o in key.origins} | set(self.public_origins))

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
    elasticsearch_shards: int | None = Field(
        default=None,
        ge=1,
        description="primary shards of each new version; default the mapping file's (1). Above 1 the API "
        "searches with dfs_query_then_fetch, so scores stay those of one shard",
    )
    elasticsearch_replicas: int | None = Field(
        default=None,
        ge=0,
        description="replicas of each version once built; default the mapping file's auto_expand_replicas (0-1)",
    )
    elasticsearch_sniff: bool = Field(
        default=False,
        description="ask the cluster for its nodes at start and after a node fails; only when every node's "
        "publish address is reachable from here (not behind a load balancer or a container network)",
    )

    @property
    def audit_dir(self) -> Path:
        return self.data_dir / "audit"

    @property
    def embedded_dir(self) -> Path:
        return self.data_dir / "embedded"

    @property
    def articles_dir(self) -> Path:
        """The embedded engine's article index (``placeringssok load-articles``)."""
        return self.data_dir / "articles"

    @property
    def elasticsearch_articles_alias(self) -> str:
        # An underscore, not a dash: nothing of the provider index's "<alias>-*" names may match it.
        return f"{self.elasticsearch_index}_articles"

    @property
    def schools_path(self) -> Path:
        return self.data_dir / "schools.json"

    @property
    def vacancy_ttl(self) -> timedelta:
        return timedelta(days=self.vacancy_ttl_days)

    @property
    def vacancy_ledger_path(self) -> Path:
        return self.data_dir / "vacancies.sqlite"

    @property
    def geocoding_cache_path(self) -> Path:
        return self.geocoding_cache or self.data_dir / "geocoding-cache.json"


@cache
def get_settings() -> Settings:
    return Settings()
