"""Street addresses to WGS84, through geopy behind a JSON cache and tenacity retries.

Registers sometimes hold only an address. Geocoding is slow, rate-limited and needs the network, so
every answer (including "no match") is cached in a JSON file keyed by ``address_key``; the shipped
fixtures carry their cache, so indexing them never needs the network. With no network or no match
the record is rejected with a reason: a provider is never placed at 0,0. No message and no log line
holds the address: it may be a home that must not be found.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.client_logs import keep_client_logs_private
from core.errors import GeocodingFailed


def address_key(address: str) -> str:
    """The cache key: case and white space do not make two addresses different."""
    return " ".join(address.lower().split())


class AddressGeocoder:
    """Geocodes addresses once: a cache hit never touches the network, a miss is asked and stored."""

    def __init__(
        self,
        cache_path: Path | None,
        service: str = "nominatim",
        user_agent: str = "placeringssok",
        service_options: dict[str, object] | None = None,
    ) -> None:
        self._service_options = service_options or {}
        self._cache_path = cache_path
        self._service = service
        self._user_agent = user_agent
        self._geocode: Callable[..., Any] | None = None  # geopy is untyped: it returns a Location or None
        self._cache: dict[str, list[float] | None] = {}
        self._dirty = False
        # The request URL holds the address: geopy and urllib3 must not log it, at any level.
        keep_client_logs_private()
        if cache_path is not None and cache_path.exists():
            self._cache = json.loads(cache_path.read_text(encoding="utf-8"))

    def locate(self, address: str) -> tuple[float, float]:
        key = address_key(address)
        if key in self._cache:
            hit = self._cache[key]
            if hit is None:
                raise GeocodingFailed("the geocoder found no match for the address; give lat/lon or sweref99tm")
            return hit[0], hit[1]
        if self._service == "none":
            raise GeocodingFailed(
                "the address is not in the geocoding cache and geocoding is off "
                "(PLACERINGSSOK_GEOCODER=none); give lat/lon or sweref99tm, or turn geocoding on"
            )
        found = self._ask_with_retries(address)
        self._cache[key] = None if found is None else [found[0], found[1]]
        self._dirty = True
        if found is None:
            raise GeocodingFailed("the geocoder found no match for the address; give lat/lon or sweref99tm")
        return found

    def _ask_with_retries(self, address: str) -> tuple[float, float] | None:
        # geopy and tenacity are imported only when the network is asked: geopy pulls in aiohttp and
        # requests (a third of a second), which a sync or reindex served from the cache never needs.
        from geopy.exc import GeocoderServiceError, GeopyError
        from tenacity import RetryError, retry, retry_if_exception_type, stop_after_attempt, wait_exponential

        asking = retry(
            retry=retry_if_exception_type((GeocoderServiceError, OSError)),
            stop=stop_after_attempt(3),
            wait=wait_exponential(multiplier=0.5, max=4),
            reraise=False,
        )(self._ask)
        try:
            found: tuple[float, float] | None = asking(address)
        except (RetryError, GeopyError, OSError) as exc:
            cause = exc.last_attempt.exception() if isinstance(exc, RetryError) else exc
            raise GeocodingFailed(
                f"the geocoding service could not be reached ({type(cause).__name__}); "
                "try again with network access, or give lat/lon or sweref99tm"
            ) from exc
        return found

    def _ask(self, address: str) -> tuple[float, float] | None:
        if self._geocode is None:
            from geopy.extra.rate_limiter import RateLimiter
            from geopy.geocoders import get_geocoder_for_service

            service = get_geocoder_for_service(self._service)(user_agent=self._user_agent, **self._service_options)
            # Public geocoders allow about one request a second. Retries are tenacity's (_ask_with_retries), so
            # the limiter neither retries nor swallows errors itself.
            self._geocode = RateLimiter(service.geocode, min_delay_seconds=1.0, max_retries=0, swallow_exceptions=False)
        place = self._geocode(address, exactly_one=True, timeout=10, country_codes="se")
        if place is None:
            return None
        return float(place.latitude), float(place.longitude)

    def save(self) -> None:
        """Write new answers back, atomically, so a crash never leaves half a cache."""
        if not self._dirty or self._cache_path is None:
            return
        self._cache_path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self._cache_path.parent, prefix=".geocoding-")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(self._cache, f, ensure_ascii=False, indent=1, sort_keys=True)
        os.replace(tmp, self._cache_path)
        self._dirty = False
