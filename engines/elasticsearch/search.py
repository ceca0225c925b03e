"""The Elasticsearch backend: the same search plan, compiled with ``elasticsearch.dsl``.

It mirrors the embedded backend clause for clause:

- filters go to a bool ``filter`` (hits and every facet); ``Not`` is ``must_not``; ``WithinKm`` is an
  exact ``geo_distance`` (arc, the same haversine as ``distance_km``);
- facet selections go to ``post_filter``, and each facet counts inside a ``filter`` aggregation that
  applies every other selection but its own (multi-select facets, no zero buckets);
- text: the plan's text nodes, translated by ``text_query.compile_text`` over fields of analysed
  terms (the Swedish analysis ran in Python, for both engines); highlights are made from the source
  by the search service, as for the embedded engine;
- ranking: ``core.ranking.ranking_score`` as two ``function_score`` levels: a gauss on ``location``
  with ``decay_for``'s scale and offset, floored at ``DECAY_FLOOR``, then ``STALE_FACTOR`` for stale
  vacancies; ties by distance, then id, exactly as the embedded ``_page``.

Distances are never read from Elasticsearch: the response layer measures them with ``distance_km``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, cast

import elastic_transport
from elasticsearch import (
    ApiError,
    AsyncElasticsearch,
    AuthenticationException,
    AuthorizationException,
    NotFoundError,
)
from elasticsearch.dsl import SF, A, Q, Search
from elasticsearch.dsl.aggs import Agg
from elasticsearch.dsl.query import Query

from core.documents import StoredProvider
from core.errors import RequestRefused
from core.facets import FACET_BY_NAME
from core.geography import distance_km
from core.permits import PERMIT_REQUIRED_OWNERSHIP, PERMIT_REQUIRED_TYPES
from core.ranking import DECAY_FLOOR, STALE_FACTOR, decay_factor, freshness_factor
from core.settings import Settings
from core.vacancies import STATUSES, Confirmation
from core.vocabularies import INSTITUTIONAL_TYPES
from engines.elasticsearch.client import connect_async
from engines.elasticsearch.documents import SEARCH_ONLY_FIELDS, confirmation_script
from engines.elasticsearch.retries import error_type
from engines.elasticsearch.text_query import compile_text
from search_api.backends import BackendHit, BackendResult, BackendUnavailable, Readiness
from search_api.plan import (
    AllOf,
    AnyOf,
    AtLeast,
    AtMost,
    Clause,
    Flag,
    Not,
    PermitCovers,
    SearchPlan,
    VacancyStatusIn,
    WithinKm,
)

# Enough buckets for every value of every facet: 290 municipalities is the largest fixed vocabulary.
FACET_SIZE = 1000
RETRY_AFTER_S = 5


# -- the plan, compiled ----------------------------------------------------------------------------


def _km(km: float) -> str:
    # Elasticsearch refuses a zero radius; a millimetre is "the same place" for geo_point's
    # centimetre-quantised coordinates.
    return f"{max(float(km), 1e-6)!r}km"


def compile_clause(clause: Clause) -> Query:
    if isinstance(clause, Not):
        return Q("bool", must_not=[compile_clause(clause.clause)])
    if isinstance(clause, AnyOf | AllOf) and not clause.values:
        return Q("match_none")  # as the embedded engine: an empty choice matches nothing
    if isinstance(clause, AnyOf):
        return Q("terms", **{clause.field: list(clause.values)})
    if isinstance(clause, AllOf):
        return Q("bool", filter=[Q("term", **{clause.field: value}) for value in clause.values])
    if isinstance(clause, AtMost):
        return Q("range", **{clause.field: {"lte": clause.value}})
    if isinstance(clause, AtLeast):
        return Q("range", **{clause.field: {"gte": clause.value}})
    if isinstance(clause, Flag):
        return Q("term", **{clause.field: clause.value})
    if isinstance(clause, PermitCovers):
        return compile_permit_covers(clause)
    if isinstance(clause, VacancyStatusIn):
        return Q("bool", should=[status_query(s, clause.fresh_after) for s in clause.statuses], minimum_should_match=1)
    if isinstance(clause, WithinKm):
        return Q(
            "geo_distance",
            distance=_km(clause.km),
            distance_type="arc",
            location={"lat": clause.lat, "lon": clause.lon},
        )
    raise TypeError(f"unknown clause {clause!r}")


def compile_permit_covers(clause: PermitCovers) -> Query:
    """``PermitCovers`` over ``ivo_permit.*``: a live permit holding every need and the age (a missing
    end is open), or no permit where none is required."""
    has_permit = Q("exists", field="ivo_permit.status")
    scope: list[Query] = [has_permit, Q("bool", must_not=[Q("term", **{"ivo_permit.status": "aterkallat"})])]
    scope += [Q("term", **{"ivo_permit.target_groups": need}) for need in clause.needs]
    if clause.age is not None:
        for end, bound in (("age_min", "lte"), ("age_max", "gte")):
            field = f"ivo_permit.{end}"
            open_end = Q("bool", must_not=[Q("exists", field=field)])
            scope.append(
                Q("bool", should=[open_end, Q("range", **{field: {bound: clause.age}})], minimum_should_match=1)
            )
    required = Q(
        "bool",
        filter=[
            Q("terms", provider_type=sorted(PERMIT_REQUIRED_TYPES)),
            Q("terms", ownership=sorted(PERMIT_REQUIRED_OWNERSHIP)),
        ],
    )
    none_needed = Q("bool", must_not=[has_permit, required])
    return Q("bool", should=[Q("bool", filter=scope), none_needed], minimum_should_match=1)


# The same rule as ``compile_permit_covers``, as a sort key: 0 for a covered home, 1 for the others.
PERMIT_TIER_SCRIPT = """
if (doc['ivo_permit.status'].size() == 0) {
  return params.required_types.contains(doc['provider_type'].value)
      && params.required_ownership.contains(doc['ownership'].value) ? 1 : 0;
}
if (doc['ivo_permit.status'].value == 'aterkallat') { return 1; }
for (need in params.needs) { if (!doc['ivo_permit.target_groups'].contains(need)) { return 1; } }
if (params.age != null) {
  if (doc['ivo_permit.age_min'].size() > 0 && doc['ivo_permit.age_min'].value > params.age) { return 1; }
  if (doc['ivo_permit.age_max'].size() > 0 && doc['ivo_permit.age_max'].value < params.age) { return 1; }
}
return 0;
"""


def _tier_sort(plan: SearchPlan) -> list[dict[str, Any]]:
    if plan.tier is None:
        return []
    assert isinstance(plan.tier, PermitCovers), plan.tier
    params = {
        "needs": list(plan.tier.needs),
        "age": plan.tier.age,
        "required_types": sorted(PERMIT_REQUIRED_TYPES),
        "required_ownership": sorted(PERMIT_REQUIRED_OWNERSHIP),
    }
    script = {"lang": "painless", "source": PERMIT_TIER_SCRIPT, "params": params}
    return [{"_script": {"type": "number", "script": script, "order": "asc"}}]


def _all_of(clauses: tuple[Clause, ...] | list[Clause]) -> Query:
    return Q("bool", filter=[compile_clause(c) for c in clauses]) if clauses else Q("match_all")


def _geo_sort(plan: SearchPlan) -> list[dict[str, Any]]:
    if plan.origin is None:
        return []
    origin = {"lat": plan.origin.lat, "lon": plan.origin.lon}
    return [{"_geo_distance": {"location": origin, "order": "asc", "unit": "km", "distance_type": "arc"}}]


def _fresh(fresh_after: float) -> Query:
    return Q("range", vacancies_updated_at={"gte": math.ceil(fresh_after * 1000), "format": "epoch_millis"})


def status_query(status: str, fresh_after: float) -> Query:
    """``core.vacancies.status_of`` as a query: ja and nej are fresh, with and without free places."""
    if status == "ja":
        return Q("bool", filter=[_fresh(fresh_after), Q("range", vacancies={"gt": 0})])
    if status == "nej":
        return Q("bool", filter=[_fresh(fresh_after)], must_not=[Q("range", vacancies={"gt": 0})])
    return Q("bool", must_not=[_fresh(fresh_after)])


def facet_aggregation(facet: str, fresh_after: float) -> Agg[Any]:
    """Keyword facets count a field; the vacancy facets count statuses computed for this search."""
    if facet == "vacancy_status":
        return A("filters", filters={s: status_query(s, fresh_after).to_dict() for s in STATUSES})
    if facet == "has_vacancy":
        available = status_query("ja", fresh_after)
        unavailable = Q("bool", must_not=[available])
        return A("filters", filters={"true": available.to_dict(), "false": unavailable.to_dict()})
    return A("terms", field=FACET_BY_NAME[facet].field, size=FACET_SIZE)


def stale_vacancies(stale_before: float) -> Query:
    """Vacancies confirmed before the cutoff, or never: ``freshness_factor``'s stale side. The index
    keeps milliseconds, so "at or after the cutoff" is "at or after the next whole millisecond"."""
    cutoff_ms = math.ceil(stale_before * 1000)
    return Q("bool", must_not=[Q("range", vacancies_updated_at={"gte": cutoff_ms, "format": "epoch_millis"})])


def compile_sort(plan: SearchPlan) -> list[dict[str, Any]]:
    """The embedded ``_page`` order: the permit tier, the sort's own key, then distance, then id."""
    by_id = [{"id": {"order": "asc"}}]
    if plan.sort == "distance":
        return [*_tier_sort(plan), *_geo_sort(plan), *by_id]
    if plan.sort == "relevance":
        primary = {"_score": {"order": "desc"}}
    elif plan.sort == "price":
        primary = {"price_per_day_sek": {"order": "asc", "missing": "_last"}}
    else:
        primary = {"vacancies_updated_at": {"order": "desc", "missing": "_last"}}
    return [*_tier_sort(plan), primary, *_geo_sort(plan), *by_id]


def compile_ranking(plan: SearchPlan, query: Query) -> Query:
    """``ranking_score`` as Lucene computes it: the decay (floored by ``max`` with a constant) in one
    ``function_score``, freshness in the one around it. Each level multiplies in 64 bits and rounds
    to a 32-bit score, the two roundings ``ranking_score`` makes."""
    if plan.decay is not None and plan.origin is not None:
        gauss = SF(
            "gauss",
            location={
                "origin": {"lat": plan.origin.lat, "lon": plan.origin.lon},
                "scale": _km(plan.decay.scale_km),
                "offset": _km(plan.decay.offset_km),
                "decay": plan.decay.decay,
            },
        )
        floor = SF({"weight": DECAY_FLOOR})
        query = Q("function_score", query=query, functions=[gauss, floor], score_mode="max", boost_mode="multiply")
    # A filtered function counts as 1 where its filter does not match.
    freshness = SF({"filter": stale_vacancies(plan.stale_before).to_dict(), "weight": STALE_FACTOR})
    return Q("function_score", query=query, functions=[freshness], score_mode="multiply", boost_mode="multiply")


def compile_search(plan: SearchPlan) -> dict[str, Any]:
    """The search request body for a plan."""
    # No text: every hit's text score is 1.
    scored = compile_text(plan.text) if plan.text is not None else Q("match_all")
    query = Q("bool", must=[scored], filter=[compile_clause(c) for c in plan.filters])
    search = Search().query(compile_ranking(plan, query))[plan.offset : plan.offset + plan.size]
    search = search.extra(track_total_hits=True, track_scores=True)
    if plan.selections:
        search = search.post_filter(_all_of([clause for _, clause in plan.selections]))
    for facet in plan.facets:
        scope = A("filter", filter=_all_of(plan.selections_except(facet)))
        search.aggs.bucket(facet, scope).bucket("values", facet_aggregation(facet, plan.stale_before))
    search = search.sort(*compile_sort(plan))
    return search.to_dict()


def compile_suggest(prefix: str, provider_types: list[str], limit: int) -> dict[str, Any]:
    """``core.name_suggestions`` as a search: a word of the name starts with the prefix; ordered by
    the lowercased name, then id; one hit per lowercased name."""
    search = (
        Search()
        .query(
            Q(
                "bool",
                # The terms of name_suggest are the lowercased words of the name.
                must=[Q("prefix", name_suggest={"value": prefix.lower()})],
                filter=[Q("terms", provider_type=provider_types)],
            )
        )
        .source(["name"])
        .sort({"name.order": {"order": "asc"}}, {"id": {"order": "asc"}})
        .extra(collapse={"field": "name.order"})[:limit]
    )
    return search.to_dict()


# -- the answer, read ---------------------------------------------------------------------------


def _text_score(plan: SearchPlan, source: StoredProvider, score: float) -> float:
    """The text part of ``score = text_score x freshness x decay``: 1 without text, else the score over
    the other factors, computed here from the shared definitions Elasticsearch was given."""
    if plan.text is None:
        return 1.0
    updated = source.get("vacancies_updated_at")
    stamp = datetime.fromisoformat(updated).timestamp() if updated else math.nan
    factor = float(freshness_factor(stamp, plan.stale_before))
    if plan.decay is not None and plan.origin is not None:
        where = source["location"]
        distance = distance_km(plan.origin.lat, plan.origin.lon, where["lat"], where["lon"])
        factor *= float(decay_factor(distance, plan.decay))
    # The decay's floor keeps the factor above zero however far away the home is.
    return score / factor


def public_source(stored: dict[str, Any]) -> StoredProvider:
    """The provider as indexed, without the search-only fields. Stripped here rather than with
    ``_source`` excludes: source filtering may drop empty lists and nulls (elastic/elasticsearch#29622),
    and the API needs every field of ``IndexedProvider`` exactly as the embedded index returns it."""
    # The index holds what to_elastic wrote from an IndexedProvider: its JSON form plus the search-only fields.
    return cast(StoredProvider, {key: value for key, value in stored.items() if key not in SEARCH_ONLY_FIELDS})


def _bucket_key(bucket: dict[str, Any]) -> str:
    # Booleans come back as 1/0 with key_as_string "true"/"false", as the embedded facets name them.
    return str(bucket.get("key_as_string", bucket["key"]))


def _buckets(buckets: list[dict[str, Any]] | dict[str, dict[str, Any]]) -> dict[str, int]:
    # A terms aggregation answers a list; a filters aggregation (the vacancy facets) a dict by name.
    named = buckets.items() if isinstance(buckets, dict) else ((_bucket_key(b), b) for b in buckets)
    return {key: int(b["doc_count"]) for key, b in named if b["doc_count"]}


def read_result(plan: SearchPlan, response: dict[str, Any]) -> BackendResult:
    hits = []
    for hit in response["hits"]["hits"]:
        score = float(hit.get("_score") or 0.0)
        source = public_source(hit["_source"])
        hits.append(
            BackendHit(
                source=source,
                score=score,
                text_score=_text_score(plan, source, score),
            )
        )
    aggregations = response.get("aggregations", {})
    facets = {facet: _buckets(aggregations[facet]["values"]["buckets"]) for facet in plan.facets}
    return BackendResult(total=int(response["hits"]["total"]["value"]), hits=hits, facets=facets)


# -- the backend ----------------------------------------------------------------------------------


class ElasticsearchBackend:
    def __init__(self, client: AsyncElasticsearch, settings: Settings) -> None:
        self.client = client
        self.alias = settings.elasticsearch_index
        self.timeout_s = settings.elasticsearch_timeout_s
        # Several shards score with their own term statistics; dfs first gathers them cluster-wide,
        # so a hit scores as on one shard (and on the embedded engine).
        shards = settings.elasticsearch_shards or 1
        self.search_type = "dfs_query_then_fetch" if shards > 1 else "query_then_fetch"

    @classmethod
    def from_settings(cls, settings: Settings) -> ElasticsearchBackend:
        """Builds the client (no request yet)."""
        # The access log is the one line per request. The transport's own line per call would double
        # it and put index names and provider ids in the log; its warnings (a node failing) stay.
        logging.getLogger("elastic_transport.transport").setLevel(logging.WARNING)
        return cls(connect_async(settings), settings)

    @asynccontextmanager
    async def _answering(self) -> AsyncIterator[None]:
        """Elasticsearch down, slow, overloaded or without an index: 503 with a reason, never 500.
        Reasons name no host and no criteria: they reach callers and logs."""
        try:
            yield
        except NotFoundError as exc:
            if error_type(exc) == "index_not_found_exception":
                raise BackendUnavailable(
                    f"no index behind '{self.alias}' yet; run 'placeringssok reindex --backend elasticsearch'",
                    retry_after_s=30,
                ) from exc
            raise
        except elastic_transport.ConnectionTimeout as exc:
            raise BackendUnavailable(
                f"Elasticsearch did not answer within {self.timeout_s:g} s", retry_after_s=RETRY_AFTER_S
            ) from exc
        except elastic_transport.ConnectionError as exc:
            raise BackendUnavailable("cannot connect to Elasticsearch", retry_after_s=RETRY_AFTER_S) from exc
        except (AuthenticationException, AuthorizationException) as exc:
            raise BackendUnavailable(
                f"Elasticsearch refused the search service's credentials ({exc.meta.status})", retry_after_s=30
            ) from exc
        except ApiError as exc:
            if exc.meta.status == 429 or exc.meta.status >= 500:
                raise BackendUnavailable(
                    f"Elasticsearch answered {exc.meta.status}", retry_after_s=RETRY_AFTER_S
                ) from exc
            # The cluster's reason may quote the query (the criteria): neither it nor the original
            # exception may reach a traceback in the log.
            raise RequestRefused(
                f"Elasticsearch refused the search ({exc.meta.status} {error_type(exc)}); report this as a bug"
            ) from None

    async def search(self, plan: SearchPlan) -> BackendResult:
        body = compile_search(plan)
        async with self._answering():
            response = await self.client.search(index=self.alias, body=body, search_type=self.search_type)
        return read_result(plan, response.body)

    async def get(self, provider_id: str, visible_types: frozenset[str]) -> StoredProvider | None:
        try:
            async with self._answering():
                found = await self.client.get(index=self.alias, id=provider_id)
        except NotFoundError:
            return None  # the index is there, the provider is not
        source = public_source(found["_source"])
        return source if source["provider_type"] in visible_types else None

    async def suggest_names(self, prefix: str, visible_types: frozenset[str], limit: int) -> list[str]:
        # Confidential homes are never suggested: their public name is a neutral label.
        allowed = sorted(visible_types & {str(t) for t in INSTITUTIONAL_TYPES})
        if not allowed or not prefix.strip():
            return []
        body = compile_suggest(prefix, allowed, limit)
        async with self._answering():
            response = await self.client.search(index=self.alias, body=body)
        return [hit["_source"]["name"] for hit in response["hits"]["hits"]]

    async def readiness(self) -> Readiness:
        try:
            async with self._answering():
                indexes = await self.client.indices.get_alias(name=self.alias)
                counted = await self.client.count(index=self.alias)
        except BackendUnavailable as exc:
            return Readiness(ready=False, version=None, documents=None, reason=exc.reason)
        except NotFoundError:
            reason = f"the alias '{self.alias}' points at no index; run 'placeringssok reindex --backend elasticsearch'"
            return Readiness(ready=False, version=None, documents=None, reason=reason)
        return Readiness(ready=True, version=sorted(indexes.body)[0], documents=int(counted["count"]))

    async def close(self) -> None:
        await self.client.close()

    async def apply_confirmation(self, confirmation: Confirmation) -> None:
        """A partial update of the vacancy fields, answered once a refresh made it searchable.

        The script refuses to replace a newer vacancy moment; ``retry_on_conflict`` re-runs it when
        a sync wrote the same document meanwhile. The ledger already holds the confirmation, and a
        reindex carries it over.
        """
        try:
            async with self._answering():
                await self.client.update(
                    index=self.alias,
                    id=confirmation.provider_id,
                    script=confirmation_script(confirmation),
                    refresh="wait_for",
                    retry_on_conflict=3,
                )
        except NotFoundError:
            return  # the home left the index since it was looked up: nothing to show
