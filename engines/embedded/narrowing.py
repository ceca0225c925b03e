"""The filters tantivy can apply inside a text query, so collecting text matches costs less.

Only a superset is needed: every filter is applied exactly again on the columns afterwards. Keyword
filters narrow through the inverted index, almost for free. Circles do not narrow: a box on the
coordinates' fast fields is a scan of every row's value (8 ms per coordinate at a million rows, more
than the text query it narrows), and a match set keyed by its school would be new for every school,
while the same words come back from caseworker after caseworker; the circle's kept set
(``Snapshot.within``) then applies exactly.
"""

from __future__ import annotations

import tantivy

from engines.embedded.text_query import compile_text
from search_api.plan import AllOf, AnyOf, Clause, Not
from search_api.text_plan import TextSearch

Scored = tuple[tantivy.Occur, tantivy.Query]


def narrowable(clause: Clause) -> bool:
    if isinstance(clause, Not):
        return isinstance(clause.clause, AnyOf)
    return isinstance(clause, AnyOf | AllOf)


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
    return []


def with_filters(schema: tantivy.Schema, query: tantivy.Query, filters: tuple[Clause, ...]) -> tantivy.Query:
    """The text query narrowed by keyword filters, at no score."""
    clauses: list[Scored] = [(tantivy.Occur.Must, query)]
    for clause in filters:
        clauses += _narrowing(schema, clause)
    return tantivy.Query.boolean_query(clauses) if len(clauses) > 1 else query


def narrowed_text(schema: tantivy.Schema, text: TextSearch, filters: tuple[Clause, ...]) -> tantivy.Query:
    """The query of a text match set's key (``snapshot.TextKey``): its words, narrowed by its filters."""
    return with_filters(schema, compile_text(schema, text), filters)


def within_rows(schema: tantivy.Schema, query: tantivy.Query, first: int, end: int) -> tantivy.Query:
    """The query's matches among rows ``first..end-1`` only, at no score (the text's own score, to
    the bit): how a large match set is collected piece by piece (``Snapshot._collect``)."""
    rows = tantivy.Query.range_query(schema, "row", tantivy.FieldType.Unsigned, first, end - 1)
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, query), _no_score(rows)])
