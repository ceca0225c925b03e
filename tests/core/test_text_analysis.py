"""Swedish compounds and the query language, below the engines."""

from __future__ import annotations

from core.text_analysis import compound_parts, compound_parts_text, parse_text_query


def test_domain_compounds_split_into_their_parts() -> None:
    assert compound_parts("självskadebeteende") == ("självskada", "beteende")
    assert compound_parts("Missbruksbehandling") == ("missbruk", "behandling")
    assert compound_parts("gängkriminalitet") == ("gäng", "kriminalitet")
    # Words that are not compounds of domain parts stay whole.
    assert compound_parts("flickor") == ()
    assert compound_parts("hemlig") == ()


def test_parts_of_a_text_ignore_punctuation_and_case() -> None:
    text = "Vi erbjuder (Missbruksbehandling) och hjälp vid självskadebeteende."
    assert compound_parts_text(text) == "missbruk behandling självskada beteende"


def test_query_words_phrases_and_an_unbalanced_quote() -> None:
    query = parse_text_query('självskadebeteende "lågaffektivt bemötande" KBT')
    assert query.words == (("självskadebeteende", "självskada", "beteende"), ("kbt",))
    assert query.phrases == (("lågaffektivt", "bemötande"),)
    assert parse_text_query('"trasig fras').words == (("trasig",), ("fras",))
    assert parse_text_query("  ").is_empty
