"""The text part of a search plan, compiled to a tantivy query: a translation, nothing decided here.

Every node is looked for in each of the plan's fields (SHOULD, with the field's boost); the fields
hold the terms ``core.text_analysis`` made, so a node's terms are looked up as they are.
"""

from __future__ import annotations

from collections.abc import Callable

import tantivy

from search_api.text_plan import Boost, Either, Every, Fuzzy, Phrase, Term, TextNode, TextSearch

Occur = tantivy.Occur


Fields = tuple[tuple[str, float], ...]


def _in_fields(fields: Fields, query_for: Callable[[str], tantivy.Query]) -> tantivy.Query:
    return tantivy.Query.boolean_query(
        [(Occur.Should, tantivy.Query.boost_query(query_for(field), boost)) for field, boost in fields]
    )


def compile_node(schema: tantivy.Schema, node: TextNode, fields: Fields) -> tantivy.Query:
    if isinstance(node, Term):
        return _in_fields(fields, lambda field: tantivy.Query.term_query(schema, field, node.term))
    if isinstance(node, Fuzzy):
        return _in_fields(
            fields,
            lambda field: tantivy.Query.fuzzy_term_query(
                schema, field, node.term, distance=1, transposition_cost_one=True, prefix=False
            ),
        )
    if isinstance(node, Phrase):
        positions: list[str | tuple[int, str]] = list(enumerate(node.terms))
        return _in_fields(fields, lambda field: tantivy.Query.phrase_query(schema, field, positions))
    if isinstance(node, Every):
        return tantivy.Query.boolean_query([(Occur.Must, compile_node(schema, n, fields)) for n in node.nodes])
    if isinstance(node, Either):
        if not node.nodes:
            return tantivy.Query.boolean_query([(Occur.MustNot, tantivy.Query.all_query())])
        return tantivy.Query.boolean_query([(Occur.Should, compile_node(schema, n, fields)) for n in node.nodes])
    if isinstance(node, Boost):
        return tantivy.Query.boost_query(compile_node(schema, node.node, fields), node.weight)
    raise TypeError(f"the embedded engine does not support the text node {type(node).__name__}")


def compile_text(schema: tantivy.Schema, text: TextSearch) -> tantivy.Query:
    return compile_node(schema, text.root, text.fields)
