"""The filters tantivy can apply inside a text query, so collecting text matches costs less.

Only a superset is needed: every filter is applied exactly again on the columns afterwards.
"""

from __future__ import annotations

import tantivy

from core.geography import bounding_box
from search_api.plan import AllOf, AnyOf, Clause, Not, WithinKm

Scored = tuple[tantivy.Occur, tantivy.Query]


def narrowable(clause: Clause) -> bool:
    if isinstance(clause, Not):
        return isinstance(clause.clause, AnyOf)
    return isinstance(clause, AnyOf | AllOf | WithinKm)


def _no_score(query: tantivy.Query) -> Scored:
    return tantivy.Occur.Must, tantivy.Query.const_score_query(query, 0.0)


def _narrowing(schema: tantivy.Schema, clause: Clause) -> list[Scored]:
    if isinstance(clause, AnyOf):
        return [_no_score(tantivy.Query.term_set_query(schema, clause.field, list(clause.values)))]
    if isinstance(clause, AllOf):
        return [_no_score(tantivy.Query.term_query(schema, clause.field, v)) for v in clause.values]
    if isinstance(clause, Not) and isinstance(clause.clause, AnyOf):
        inner = clause.clause
        return [(tantivy.Occur.MustNot, tantivy.Query.term_set_query(schema, inner.field, list(inner.values)))]
    if isinstance(clause, WithinKm):
        low_lat, high_lat, low_lon, high_lon = bounding_box(clause.lat, clause.lon, clause.km)
        return [
            _no_score(
                tantivy.Query.range_query(schema, field, tantivy.FieldType.Float, low, high, use_inverted_index=False)
            )
            for field, low, high in (("lat", low_lat, high_lat), ("lon", low_lon, high_lon))
        ]
    return []


def with_filters(schema: tantivy.Schema, query: tantivy.Query, filters: tuple[Clause, ...]) -> tantivy.Query:
    """The text query narrowed by keyword filters and the box around a radius, at no score."""
    clauses: list[Scored] = [(tantivy.Occur.Must, query)]
    for clause in filters:
        clauses += _narrowing(schema, clause)
    return tantivy.Query.boolean_query(clauses) if len(clauses) > 1 else query
