"""The text part of a search plan, compiled to the Elasticsearch query DSL: a translation only.

The text fields hold the terms ``core.text_analysis`` made, behind the ``whitespace`` analyzer, so
the nodes' terms are looked up as they are, exactly as the embedded engine looks them up. Every node
is looked for in each of the plan's fields (``should``, with the field's boost).
"""

from __future__ import annotations

from collections.abc import Callable

from elasticsearch.dsl import Q
from elasticsearch.dsl.query import Query

from search_api.text_plan import Boost, Either, Every, Fuzzy, Phrase, Term, TextNode, TextSearch

Fields = tuple[tuple[str, float], ...]


def _in_fields(fields: Fields, query_for: Callable[[str, float], Query]) -> Query:
    return Q("bool", should=[query_for(field, boost) for field, boost in fields])


def compile_node(node: TextNode, fields: Fields) -> Query:
    if isinstance(node, Term):
        return _in_fields(fields, lambda field, boost: Q("term", **{field: {"value": node.term, "boost": boost}}))
    if isinstance(node, Fuzzy):
        return _in_fields(
            fields,
            lambda field, boost: Q(
                "fuzzy",
                **{
                    field: {
                        "value": node.term,
                        "fuzziness": 1,
                        "prefix_length": 0,
                        "transpositions": True,
                        # Every near term matches and scores the boost, as tantivy's fuzzy term query;
                        # max_expansions only limits the top-terms rewrites, so nothing is cut off.
                        "rewrite": "constant_score",
                        "boost": boost,
                    }
                },
            ),
        )
    if isinstance(node, Phrase):
        said = " ".join(node.terms)
        return _in_fields(fields, lambda field, boost: Q("match_phrase", **{field: {"query": said, "boost": boost}}))
    if isinstance(node, Every):
        return Q("bool", must=[compile_node(n, fields) for n in node.nodes])
    if isinstance(node, Either):
        if not node.nodes:
            return Q("match_none")
        return Q("bool", should=[compile_node(n, fields) for n in node.nodes])
    if isinstance(node, Boost):
        return Q("bool", must=[compile_node(node.node, fields)], boost=node.weight)
    raise TypeError(f"the Elasticsearch engine does not support the text node {type(node).__name__}")


def compile_text(text: TextSearch) -> Query:
    return compile_node(text.root, text.fields)
