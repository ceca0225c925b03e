"""Normalisation: a validated ``Provider`` becomes the ``IndexedProvider`` every engine indexes.

Coordinates go to WGS84 here, once; derived facet fields are filled in; and a confidential home's
name, exact position and contact details are dropped before any engine sees them.
"""

from __future__ import annotations

from typing import Literal

from core.documents import GeoPoint, IndexedInspection, IndexedPermit, IndexedProvider, neutral_name
from core.errors import GeocodingFailed, RecordRejected
from core.geography import counties, seat_of, sweref99tm_to_wgs84
from core.records import Provider
from core.vocabularies import CONFIDENTIAL_TYPES, PermitStatus, ProviderType
from indexer.geocoding import AddressGeocoder


def _exact_position(provider: Provider, geocoder: AddressGeocoder | None) -> tuple[float, float]:
    loc = provider.location
    if loc.sweref99tm is not None:
        return sweref99tm_to_wgs84(loc.sweref99tm.northing, loc.sweref99tm.easting)
    if loc.address is not None:
        if geocoder is None:
            raise RecordRejected("location.address", "geocoding is not available here")
        try:
            return geocoder.locate(loc.address)
        except GeocodingFailed as exc:
            raise RecordRejected("location.address", str(exc)) from exc
    assert loc.lat is not None and loc.lon is not None
    return loc.lat, loc.lon


def to_document(provider: Provider, geocoder: AddressGeocoder | None) -> IndexedProvider:
    """Normalise one validated record into the document every backend indexes."""
    confidential = ProviderType(provider.provider_type) in CONFIDENTIAL_TYPES
    if confidential:
        # The exact position is dropped before it is ever computed: a family's address is not even
        # sent to a geocoding service. The public position is the municipality seat.
        lat, lon = seat_of(provider.municipality_code)
        precision: Literal["exact", "municipality"] = "municipality"
    else:
        lat, lon = _exact_position(provider, geocoder)
        precision = "exact"
        if not (55.0 <= lat <= 69.5 and 10.5 <= lon <= 24.5):
            raise RecordRejected("location", "the position is outside Sweden; check the coordinates or their order")
    permit = provider.ivo_permit
    return IndexedProvider(
        id=provider.id,
        name=neutral_name(provider.provider_type, provider.municipality) if confidential else provider.name,
        provider_type=str(provider.provider_type),
        confidential=confidential,
        organization=provider.organization,
        ownership=str(provider.ownership),
        description=provider.description,
        target_groups=sorted({str(v) for v in provider.target_groups}),
        age_min=provider.age_min,
        age_max=provider.age_max,
        genders=sorted({str(v) for v in provider.genders}),
        legal_bases=sorted({str(v) for v in provider.legal_bases}),
        assignments=sorted({str(v) for v in provider.assignments}),
        methods=sorted({str(v) for v in provider.methods}),
        languages=sorted(set(provider.languages)),
        capacity=provider.capacity,
        vacancies=provider.vacancies,
        has_vacancy=provider.vacancies > 0,
        vacancies_updated_at=provider.vacancies_updated_at,
        price_per_day_sek=provider.price_per_day_sek,
        ivo_permit=None
        if permit is None
        else IndexedPermit(
            id=permit.id,
            status=str(permit.status),
            target_groups=sorted({str(v) for v in permit.target_groups}),
            age_min=permit.age_min,
            age_max=permit.age_max,
            places=permit.places,
        ),
        permit_revoked=permit is not None and permit.status == PermitStatus.aterkallat,
        inspections=[
            IndexedInspection(date=i.date, decision=str(i.decision), categories=sorted({str(c) for c in i.categories}))
            for i in sorted(provider.inspections, key=lambda i: i.date, reverse=True)
        ],
        framework_agreements=sorted(set(provider.framework_agreements)),
        municipality_code=provider.municipality_code,
        municipality=provider.municipality,
        county_code=provider.county_code,
        county=counties()[provider.county_code].name,
        location=GeoPoint(lat=round(lat, 6), lon=round(lon, 6)),
        location_precision=precision,
        address=None if confidential else provider.address,
        phone=None if confidential else provider.phone,
        email=None if confidential else provider.email,
        website=None if confidential else provider.website,
        updated_at=provider.updated_at,
    )
