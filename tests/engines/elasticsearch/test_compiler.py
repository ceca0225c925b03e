"""The Elasticsearch requests the search plan compiles to: the structure that decides what a search
means (filters, exclusion zones, multi-select facets, decay, sort order, typo tolerance). No server:
these check the request bodies; the conformance suite checks what a real server answers to them."""

from __future__ import annotations

import math
from typing import Any

import pytest

from core.geography import distance_km, seat_of
from core.ranking import DECAY_FLOOR, DEFAULT_RADIUS_KM, STALE_FACTOR, decay_factor, decay_for
from core.text_analysis import TEXT_FIELDS
from core.vocabularies import INSTITUTIONAL_TYPES
from engines.elasticsearch.index_definition import load_index_definition
from engines.elasticsearch.search import FACET_SIZE, compile_search, compile_suggest, read_result
from engines.elasticsearch.text_query import compile_node
from search_api.criteria import SearchCriteria
from search_api.plan import Origin, SearchPlan, build_plan
from search_api.text_plan import Boost, Either, Every, Fuzzy, Phrase, Term

MALMO = Origin(*seat_of("1280"))


# Vacancies confirmed before this moment are stale (2026-03-01 12:00:00.0005 UTC).
STALE_BEFORE = 1772366400.0005


def plan_for(role: str = "caseworker", origin: Origin | None = None, **criteria: Any) -> SearchPlan:
    return build_plan(SearchCriteria(**criteria), origin, role, STALE_BEFORE)  # type: ignore[arg-type]


def compiled(plan: SearchPlan) -> dict[str, Any]:
    return compile_search(plan)


def scored_bool(body: dict[str, Any]) -> dict[str, Any]:
    """The bool query under the decay (if any): must = text, filter = the plan's filters."""
    query = body["query"]
    while "function_score" in query:
        query = query["function_score"]["query"]
    scored: dict[str, Any] = query["bool"]
    return scored


def must_not(filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [inner for f in filters if "bool" in f for inner in f["bool"].get("must_not", [])]


# -- filters ------------------------------------------------------------------------------------


def test_filters_become_bool_filters_that_apply_to_hits_and_facets() -> None:
    body = compiled(
        plan_for(
            role="public",
            needs=["sjalvskadebeteende", "trauma"],
            age=15,
            gender="flickor",
            max_price_per_day=4000,
        )
    )
    filters = scored_bool(body)["filter"]
    assert {"terms": {"provider_type": sorted(str(t) for t in INSTITUTIONAL_TYPES)}} in filters
    # needs are ALL required: one term per need, not one terms clause
    assert {
        "bool": {"filter": [{"term": {"target_groups": "sjalvskadebeteende"}}, {"term": {"target_groups": "trauma"}}]}
    } in filters
    assert {"range": {"age_min": {"lte": 15}}} in filters and {"range": {"age_max": {"gte": 15}}} in filters
    assert {"terms": {"genders": ["alla", "flickor"]}} in filters
    assert {"range": {"price_per_day_sek": {"lte": 4000}}} in filters
    assert {"term": {"permit_revoked": False}} in filters
    assert "post_filter" not in body, "filters are not facet selections"


def test_revoked_permits_are_kept_only_when_asked() -> None:
    assert {"term": {"permit_revoked": False}} not in scored_bool(compiled(plan_for(permit_valid=False)))["filter"]


def test_radius_filters_and_exclusion_zones_are_exact_geo_clauses() -> None:
    body = compiled(
        plan_for(
            origin=MALMO,
            municipality_code="1280",
            max_km=400,
            min_km=150,
            exclude=[
                {"county_code": "13"},
                {"municipality_code": "1480"},
                {"lat": 57.7, "lon": 11.97, "radius_km": 30},
            ],
        )
    )
    filters = scored_bool(body)["filter"]
    origin = {"lat": MALMO.lat, "lon": MALMO.lon}
    assert {"geo_distance": {"distance": "400.0km", "distance_type": "arc", "location": origin}} in filters
    excluded = must_not(filters)
    assert {"geo_distance": {"distance": "150.0km", "distance_type": "arc", "location": origin}} in excluded
    assert {
        "geo_distance": {"distance": "30.0km", "distance_type": "arc", "location": {"lat": 57.7, "lon": 11.97}}
    } in excluded
    assert {"terms": {"county_code": ["13"]}} in excluded
    assert {"terms": {"municipality_code": ["1480"]}} in excluded
    assert len(excluded) == 4
    assert not any("geo_bounding_box" in str(f) for f in filters), "never a bounding-box approximation"


def test_a_zero_radius_still_compiles_to_a_valid_geo_distance() -> None:
    filters = scored_bool(compiled(plan_for(origin=MALMO, municipality_code="1280", max_km=0)))["filter"]
    (geo,) = [f for f in filters if "geo_distance" in f]
    assert float(geo["geo_distance"]["distance"].removesuffix("km")) > 0  # Elasticsearch refuses 0


# -- facets -------------------------------------------------------------------------------------


def test_selections_go_to_post_filter_and_each_facet_ignores_only_its_own() -> None:
    body = compiled(
        plan_for(
            target_groups=["missbruk", "trauma"],
            county_codes=["12", "13"],
            has_vacancy=True,
            needs=["npf"],
            facets=["target_groups", "county_code", "has_vacancy", "methods"],
        )
    )
    target_groups = {"terms": {"target_groups": ["missbruk", "trauma"]}}
    counties = {"terms": {"county_code": ["12", "13"]}}
    fresh = {"range": {"vacancies_updated_at": {"gte": math.ceil(STALE_BEFORE * 1000), "format": "epoch_millis"}}}
    available = {"bool": {"filter": [fresh, {"range": {"vacancies": {"gt": 0}}}]}}
    vacancy = {"bool": {"should": [available], "minimum_should_match": 1}}
    assert body["post_filter"] == {"bool": {"filter": [target_groups, counties, vacancy]}}
    aggs = body["aggs"]
    assert aggs["target_groups"]["filter"] == {"bool": {"filter": [counties, vacancy]}}
    assert aggs["county_code"]["filter"] == {"bool": {"filter": [target_groups, vacancy]}}
    assert aggs["has_vacancy"]["filter"] == {"bool": {"filter": [target_groups, counties]}}
    assert aggs["methods"]["filter"] == {"bool": {"filter": [target_groups, counties, vacancy]}}
    for facet, field in (("target_groups", "target_groups"), ("county_code", "county_code")):
        assert aggs[facet]["aggs"]["values"]["terms"] == {"field": field, "size": FACET_SIZE}
    # has_vacancy counts the status computed for this search ("ja"), never the indexed flag
    unavailable = {"bool": {"must_not": [available]}}
    assert aggs["has_vacancy"]["aggs"]["values"]["filters"] == {"filters": {"true": available, "false": unavailable}}
    # the needs filter narrows hits and every facet alike
    assert {"bool": {"filter": [{"term": {"target_groups": "npf"}}]}} in scored_bool(body)["filter"]
    assert body["track_total_hits"] is True


def test_a_facet_without_other_selections_counts_everything_the_filters_leave() -> None:
    aggs = compiled(plan_for(municipality_codes=["0180"], facets=["municipality_code"]))["aggs"]
    assert aggs["municipality_code"]["filter"] == {"match_all": {}}
    assert FACET_SIZE >= 290, "every municipality must fit in one facet"


# -- ranking ------------------------------------------------------------------------------------


@pytest.mark.parametrize("max_km", [None, 40.0, 600.0])
def test_distance_decay_is_the_shared_gauss(max_km: float | None) -> None:
    criteria: dict[str, Any] = {"municipality_code": "1280"}
    if max_km is not None:
        criteria["max_km"] = max_km
    body = compiled(plan_for(origin=MALMO, **criteria))
    outer = body["query"]["function_score"]
    assert outer["boost_mode"] == "multiply" and outer["score_mode"] == "multiply"
    (freshness,) = outer["functions"]
    assert freshness["weight"] == STALE_FACTOR
    # The decay is the inner level: max(gauss, floor), multiplied into the text score.
    inner = outer["query"]["function_score"]
    assert inner["boost_mode"] == "multiply" and inner["score_mode"] == "max"
    function, floor = inner["functions"]
    assert floor == {"weight": DECAY_FLOOR}
    gauss = function["gauss"]["location"]
    expected = decay_for(max_km)
    assert gauss["origin"] == {"lat": MALMO.lat, "lon": MALMO.lon}
    assert gauss["scale"] == f"{expected.scale_km!r}km" and gauss["offset"] == f"{expected.offset_km!r}km"
    assert gauss["decay"] == expected.decay == 0.5
    if max_km is None:
        assert expected.scale_km == DEFAULT_RADIUS_KM / 2


def test_no_origin_means_no_decay() -> None:
    outer = compiled(plan_for(q="missbruk"))["query"]["function_score"]
    assert "function_score" not in outer["query"]
    assert not [f for f in outer["functions"] if "gauss" in f]


def test_stale_or_unconfirmed_vacancies_rank_lower_by_the_shared_factor() -> None:
    (freshness,) = compiled(plan_for())["query"]["function_score"]["functions"]
    assert freshness["weight"] == STALE_FACTOR
    # milliseconds in the index: confirmed at or after the cutoff is at or after its next whole ms
    fresh = {"range": {"vacancies_updated_at": {"gte": 1772366400001, "format": "epoch_millis"}}}
    assert freshness["filter"] == {"bool": {"must_not": [fresh]}}, "never confirmed (missing) is stale too"


def test_without_text_every_hit_scores_one() -> None:
    assert scored_bool(compiled(plan_for()))["must"] == [{"match_all": {}}]


# -- sort order -----------------------------------------------------------------------------------

GEO = {
    "_geo_distance": {
        "location": {"lat": MALMO.lat, "lon": MALMO.lon},
        "order": "asc",
        "unit": "km",
        "distance_type": "arc",
    }
}
BY_ID = {"id": {"order": "asc"}}


@pytest.mark.parametrize(
    ("sort", "with_origin", "expected"),
    [
        ("relevance", True, [{"_score": {"order": "desc"}}, GEO, BY_ID]),
        ("relevance", False, [{"_score": {"order": "desc"}}, BY_ID]),
        ("distance", True, [GEO, BY_ID]),
        ("price", True, [{"price_per_day_sek": {"order": "asc", "missing": "_last"}}, GEO, BY_ID]),
        ("price", False, [{"price_per_day_sek": {"order": "asc", "missing": "_last"}}, BY_ID]),
        ("vacancies_updated", True, [{"vacancies_updated_at": {"order": "desc", "missing": "_last"}}, GEO, BY_ID]),
    ],
)
def test_sorts_break_ties_by_distance_then_id(sort: str, with_origin: bool, expected: list[dict[str, Any]]) -> None:
    criteria: dict[str, Any] = {"sort": sort}
    if with_origin:
        criteria["municipality_code"] = "1280"
    body = compiled(plan_for(origin=MALMO if with_origin else None, **criteria))
    tier, *rest = body["sort"]
    assert tier["_script"]["order"] == "asc", "the permit tier comes before the sort's own key"
    assert rest == expected
    assert body["track_scores"] is True, "the score is reported whatever the order"


def test_the_permit_tier_covers_needs_target_groups_and_age() -> None:
    body = compiled(plan_for(needs=["trauma"], target_groups=["sjalvskadebeteende"], age=15))
    params = body["sort"][0]["_script"]["script"]["params"]
    assert params["needs"] == ["sjalvskadebeteende", "trauma"] and params["age"] == 15
    assert "hvb" in params["required_types"] and "enskild" in params["required_ownership"]


def test_the_permit_filter_replaces_the_tier() -> None:
    body = compiled(plan_for(target_groups=["sjalvskadebeteende"], age=15, permit_covers_needs=True))
    assert "_script" not in body["sort"][0], "every hit is covered: no tier to sort by"
    covers = [f for f in scored_bool(body)["filter"] if "should" in f.get("bool", {})]
    assert len(covers) == 1
    scope, none_needed = covers[0]["bool"]["should"]
    assert {"term": {"ivo_permit.target_groups": "sjalvskadebeteende"}} in scope["bool"]["filter"]
    assert {"exists": {"field": "ivo_permit.status"}} in none_needed["bool"]["must_not"]


def test_pages_and_source() -> None:
    body = compiled(plan_for(page=3, size=25))
    assert (body["from"], body["size"]) == (50, 25)
    assert "_source" not in body, "the whole stored document comes back; read_result strips the search fields"


# -- text ---------------------------------------------------------------------------------------


FIELDS = tuple(TEXT_FIELDS.items())


def test_a_term_is_looked_up_as_analysed_in_every_text_field_with_its_boost() -> None:
    assert compile_node(Term("flick"), FIELDS).to_dict() == {
        "bool": {"should": [{"term": {name: {"value": "flick", "boost": boost}}} for name, boost in FIELDS]}
    }


def test_a_fuzzy_term_allows_one_edit_with_swaps_and_scores_constant() -> None:
    (first, *_) = compile_node(Fuzzy("missbrk"), FIELDS).to_dict()["bool"]["should"]
    name, boost = FIELDS[0]
    assert first == {
        "fuzzy": {
            name: {
                "value": "missbrk",
                "fuzziness": 1,
                "prefix_length": 0,
                "transpositions": True,
                "rewrite": "constant_score",
                "boost": boost,
            }
        }
    }


def test_phrases_every_either_and_boost_translate_one_to_one() -> None:
    node = Every((Either((Term("a"), Boost(Phrase(("b", "c")), 0.5))), Term("d")))
    body = compile_node(node, (("f", 2.0),)).to_dict()
    (either, last) = body["bool"]["must"]
    term, boosted = either["bool"]["should"]
    assert term == {"bool": {"should": [{"term": {"f": {"value": "a", "boost": 2.0}}}]}}
    assert boosted == {
        "bool": {
            "must": [{"bool": {"should": [{"match_phrase": {"f": {"query": "b c", "boost": 2.0}}}]}}],
            "boost": 0.5,
        }
    }
    assert last == {"bool": {"should": [{"term": {"f": {"value": "d", "boost": 2.0}}}]}}


def test_an_empty_either_matches_nothing_and_an_unknown_node_is_named() -> None:
    assert compile_node(Either(()), FIELDS).to_dict() == {"match_none": {}}
    assert scored_bool(compiled(plan_for(q="och för")))["must"] == [{"match_none": {}}]
    with pytest.raises(TypeError, match="does not support the text node str"):
        compile_node("missbruk", FIELDS)  # type: ignore[arg-type]


def test_no_highlighting_is_asked_of_the_server() -> None:
    """Highlights are made from the source by the search service, the same for both engines."""
    assert "highlight" not in compiled(plan_for(q="missbruk"))


# -- reading the answer ---------------------------------------------------------------------------


def test_answers_are_read_into_hits_and_facets() -> None:
    plan = plan_for(
        origin=MALMO, q="missbruk", municipality_code="1280", max_km=300, facets=["has_vacancy", "county_code"]
    )
    near = {
        "id": "a",
        "location": {"lat": 56.0, "lon": 13.0},
        "confidential": False,
        "vacancies_updated_at": None,  # never confirmed: stale
        "methods": [],
    }
    stored = near | {
        "name_terms": "a",
        "description_terms": "missbruk",
        "labels_terms": "hvb hem missbruk",
        "place_terms": "lund skån län",
        "parts_terms": "",
        "name_suggest": "A",
    }
    decay = STALE_FACTOR * float(decay_factor(distance_km(MALMO.lat, MALMO.lon, 56.0, 13.0), plan.decay))  # type: ignore[arg-type]
    response = {
        "hits": {
            "total": {"value": 7, "relation": "eq"},
            "hits": [
                {
                    "_id": "a",
                    "_score": 2.0 * decay,
                    "_source": stored,
                }
            ],
        },
        "aggregations": {
            "has_vacancy": {
                "doc_count": 7,
                "values": {"buckets": {"true": {"doc_count": 4}, "false": {"doc_count": 3}}},
            },
            "county_code": {"doc_count": 7, "values": {"buckets": [{"key": "12", "doc_count": 7}]}},
        },
    }
    result = read_result(plan, response)
    assert result.total == 7
    assert result.facets == {"has_vacancy": {"true": 4, "false": 3}, "county_code": {"12": 7}}
    (hit,) = result.hits
    assert hit.source == near, "the provider exactly as indexed, search-only fields left out"
    assert hit.text_score == pytest.approx(2.0) and hit.score == pytest.approx(2.0 * decay)


def test_vacancy_status_is_computed_in_the_query_from_the_moment_and_the_figure() -> None:
    body = compiled(plan_for(vacancy_status=["nej", "okänd"], facets=["vacancy_status"]))
    fresh = {"range": {"vacancies_updated_at": {"gte": math.ceil(STALE_BEFORE * 1000), "format": "epoch_millis"}}}
    nej = {"bool": {"filter": [fresh], "must_not": [{"range": {"vacancies": {"gt": 0}}}]}}
    okand = {"bool": {"must_not": [fresh]}}
    assert body["post_filter"] == {"bool": {"filter": [{"bool": {"should": [nej, okand], "minimum_should_match": 1}}]}}
    filters = body["aggs"]["vacancy_status"]["aggs"]["values"]["filters"]["filters"]
    assert filters["nej"] == nej and filters["okänd"] == okand
    assert filters["ja"] == {"bool": {"filter": [fresh, {"range": {"vacancies": {"gt": 0}}}]}}


def test_a_confirmation_is_a_guarded_partial_update() -> None:
    from datetime import UTC, datetime

    from core.vacancies import Confirmation
    from engines.elasticsearch.documents import confirmation_script

    moment = datetime(2026, 12, 1, 8, 12, 30, 500000, tzinfo=UTC)
    script = confirmation_script(Confirmation(1, "prv-1", 2, None, moment, "hem", "provider"))
    assert script["params"] == {"vacancies": 2, "at": "2026-12-01T08:12:30.500000+00:00", "at_ms": 1796112750500}
    assert "ctx.op = 'noop'" in script["source"], "a newer moment in the document is never overwritten"


# -- suggestions ----------------------------------------------------------------------------------


def test_suggestions_sort_and_collapse_on_the_lowercased_name() -> None:
    """core.name_suggestions' order: a keyword with a lowercase normalizer sorts as str.lower() does."""
    body = compile_suggest("Hag", ["hvb", "stodboende"], 8)
    assert body["query"]["bool"]["must"] == [{"prefix": {"name_suggest": {"value": "hag"}}}]
    assert body["query"]["bool"]["filter"] == [{"terms": {"provider_type": ["hvb", "stodboende"]}}]
    assert body["sort"] == [{"name.order": {"order": "asc"}}, {"id": {"order": "asc"}}]
    assert body["collapse"] == {"field": "name.order"} and body["size"] == 8
    definition = load_index_definition()
    order = definition.mappings["properties"]["name"]["fields"]["order"]
    assert order["type"] == "keyword"
    assert definition.settings["analysis"]["normalizer"][order["normalizer"]]["filter"] == ["lowercase"]
