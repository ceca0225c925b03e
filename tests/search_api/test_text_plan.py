"""The text part of the search plan: which words are alternatives, what counts how much, when a typo
is forgiven, and the highlights made from it. No engine: the nodes themselves."""

from __future__ import annotations

import pytest
import tantivy

from core.text_analysis import FUZZY_WEIGHT, PART_WEIGHT, PHRASE_BONUS, SYNONYM_WEIGHT, TEXT_FIELDS, term
from engines.embedded.text_index import build_schema
from engines.embedded.text_query import compile_node
from search_api.highlighting import Highlighter
from search_api.text_plan import NOTHING, Boost, Either, Every, Fuzzy, Phrase, Term, TextNode, plan_text


def root(text: str) -> TextNode:
    planned = plan_text(text, TEXT_FIELDS)
    assert planned is not None
    assert planned.fields == tuple(TEXT_FIELDS.items())
    return planned.root


def alternatives(text: str) -> tuple[TextNode, ...]:
    node = root(text)
    assert isinstance(node, Either), node
    return node.nodes


def fuzzy_nodes(node: TextNode) -> list[Fuzzy]:
    if isinstance(node, Fuzzy):
        return [node]
    if isinstance(node, Every | Either):
        return [f for child in node.nodes for f in fuzzy_nodes(child)]
    if isinstance(node, Boost):
        return fuzzy_nodes(node.node)
    return []


def test_a_plain_known_word_is_one_term() -> None:
    assert root("Barnen") == Term(term("barn") or "")


def test_only_long_words_the_lexicon_does_not_know_get_a_typo_grace_below_the_exact_word() -> None:
    (exact, typo) = alternatives("missbrk")
    assert exact == Term("missbrk")
    assert typo == Boost(Either((Fuzzy("missbrk"),)), FUZZY_WEIGHT) and FUZZY_WEIGHT < 1
    for word in ("heder", "missbruk", "kbr", "hvb", "12345"):
        assert fuzzy_nodes(root(word)) == [], word


def test_everyday_words_find_the_written_ones_at_a_synonym_weight() -> None:
    assert Boost(Term(term("pojke") or ""), SYNONYM_WEIGHT) in alternatives("killar")
    assert Boost(Term(term("kille") or ""), SYNONYM_WEIGHT) in alternatives("pojkarna")
    assert Boost(Term(term("familjehem") or ""), SYNONYM_WEIGHT) in alternatives("fosterhem")


def test_a_compound_has_all_its_parts_as_one_weaker_alternative() -> None:
    parts = Boost(Every((Term(term("missbruk") or ""), Term(term("behandling") or ""))), PART_WEIGHT)
    assert parts in alternatives("missbruksbehandling")


def test_a_run_of_words_that_is_a_rule_matches_as_a_phrase_or_what_it_means() -> None:
    phrase, meaning = alternatives("§12-hem")
    assert phrase == Phrase(("12", "hem"))
    assert meaning == Boost(Phrase(("särskild", "ungdomshem")), SYNONYM_WEIGHT)
    node = root("hem för vård eller boende i Umeå")
    assert isinstance(node, Either)
    every, bonus = node.nodes
    assert isinstance(every, Every)
    assert every.nodes[0] == Either((Phrase(("hem", "vård", "boend")), Boost(Term("hvb"), SYNONYM_WEIGHT)))
    assert bonus == Boost(Phrase(("hem", "vård", "boend", "umeå")), PHRASE_BONUS)


def test_words_side_by_side_rank_higher_without_widening_the_match() -> None:
    node = root("förälder med barn")
    assert isinstance(node, Either)
    every, bonus = node.nodes
    assert isinstance(every, Every) and len(every.nodes) == 2
    assert bonus == Boost(Phrase((term("förälder") or "", term("barn") or "")), PHRASE_BONUS)
    # With a quoted phrase the words alone could match without it: no bonus then.
    assert isinstance(root('förälder barn "lågaffektivt bemötande"'), Every)


def test_words_are_all_required_and_quoted_phrases_stay_phrases() -> None:
    node = root('självskadebeteende "lågaffektivt bemötande" KBT')
    assert isinstance(node, Every)
    assert node.nodes[1] == Term("kbt")
    assert node.nodes[2] == Phrase((term("lågaffektivt") or "", term("bemötande") or ""))
    assert plan_text('"trasig fras', TEXT_FIELDS) is not None


def test_nothing_typed_is_no_text_and_stop_words_only_match_nothing() -> None:
    assert plan_text("  ", TEXT_FIELDS) is None
    assert root("och för") == NOTHING


def test_the_embedded_compiler_names_a_node_it_does_not_know() -> None:
    schema = build_schema()
    assert isinstance(compile_node(schema, root("missbrk flickor"), tuple(TEXT_FIELDS.items())), tantivy.Query)
    with pytest.raises(TypeError, match="does not support the text node str"):
        compile_node(schema, "missbruk", tuple(TEXT_FIELDS.items()))  # type: ignore[arg-type]


def marked(query: str, text: str) -> str | None:
    return Highlighter(root(query)).fragment(text)


def test_a_typo_match_is_highlighted_like_any_other() -> None:
    assert marked("missbrk", "Vi behandlar missbruket.") == "Vi behandlar <mark>missbruket</mark>."


def test_heder_marks_honour_compounds_never_hem() -> None:
    text = "Ett hem för unga med hedersrelaterat våld och hedersproblematik."
    assert marked("heder", text) == (
        "Ett hem för unga med <mark>hedersrelaterat</mark> våld och <mark>hedersproblematik</mark>."
    )


def test_parts_mark_only_a_compound_holding_them_all() -> None:
    text = "Familjen bor i ett hem; familjehemmet har hund."
    assert marked("familjehem", text) == "Familjen bor i ett hem; <mark>familjehemmet</mark> har hund."


def test_fragments_are_escaped_and_start_near_the_first_match() -> None:
    text = "<b>" + "Lång inledning utan träff. " * 10 + "Här finns KBT & MI."
    fragment = marked("kbt", text)
    assert fragment is not None and "<mark>KBT</mark> &amp; MI." in fragment
    assert "<b>" not in fragment and len(fragment) < 200
    assert marked("kbt", "Inget här.") is None
