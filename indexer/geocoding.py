"""Street addresses to WGS84, through geopy behind a JSON cache and tenacity retries.

Registers sometimes hold only an address. Geocoding is slow, rate-limited and needs the network, so
every answer (including "no match") is cached in a JSON file keyed by ``address_key``; the shipped
fixtures carry their cache, so indexing them never needs the network. With no network or no match
the record is rejected with a reason: a provider is never placed at 0,0.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Protocol

from geopy.exc import GeocoderServiceError, GeopyError
from tenacity import (
    RetryError,
    retry,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)


class GeocodingFailed(Exception):
    """The address could not be turned into coordinates; the message says why and what to do."""


class NotInCache(GeocodingFailed):
    """A cache-only geocoder (an indexing worker) met a new address: the main process asks for it."""


class _Geocoder(Protocol):
    def geocode(self, query: str, *, exactly_one: bool, timeout: float, country_codes: str) -> object: ...


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
        *,
        cache_only: bool = False,
    ) -> None:
        self._cache_only = cache_only
        self._cache_path = cache_path
        self._service = service
        self._user_agent = user_agent
        self._geocoder: _Geocoder | None = None
        self._cache: dict[str, list[float] | None] = {}
        self._dirty = False
        if cache_path is not None and cache_path.exists():
            self._cache = json.loads(cache_path.read_text(encoding="utf-8"))

    def locate(self, address: str) -> tuple[float, float]:
        key = address_key(address)
        if key in self._cache:
            hit = self._cache[key]
            if hit is None:
                raise GeocodingFailed(f"no match for the address '{address}'; give lat/lon or sweref99tm instead")
            return hit[0], hit[1]
        if self._cache_only:
            raise NotInCache(address)
        if self._service == "none":
            raise GeocodingFailed(
                "the address is not in the geocoding cache and geocoding is off "
                "(PLACERINGSSOK_GEOCODER=none); give lat/lon or sweref99tm, or turn geocoding on"
            )
        try:
            found = self._ask(address)
        except (RetryError, GeopyError, OSError) as exc:
            cause = exc.last_attempt.exception() if isinstance(exc, RetryError) else exc
            raise GeocodingFailed(
                f"the geocoding service could not be reached ({type(cause).__name__}); "
                "try again with network access, or give lat/lon or sweref99tm"
            ) from exc
        self._cache[key] = None if found is None else [found[0], found[1]]
        self._dirty = True
        if found is None:
            raise GeocodingFailed(f"no match for the address '{address}'; give lat/lon or sweref99tm instead")
        return found

    @retry(
        retry=retry_if_exception_type((GeocoderServiceError, OSError)),
        stop=stop_after_attempt(3),
        wait=wait_exponential(multiplier=0.5, max=4),
        reraise=False,
    )
    def _ask(self, address: str) -> tuple[float, float] | None:
        if self._geocoder is None:
            from geopy.geocoders import get_geocoder_for_service

            self._geocoder = get_geocoder_for_service(self._service)(user_agent=self._user_agent)
        place = self._geocoder.geocode(address, exactly_one=True, timeout=10, country_codes="se")
        if place is None:
            return None
        return float(place.latitude), float(place.longitude)  # type: ignore[attr-defined]

    def cache_only_copy(self) -> AddressGeocoder:
        """The same cache, answering only from it: for worker processes, so that every network
        request (and the geocoding service's rate limit) stays in one process."""
        self.save()
        return AddressGeocoder(self._cache_path, self._service, self._user_agent, cache_only=True)

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
