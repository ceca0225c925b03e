"""The one Swedish analysis: lemmas, the stemmer behind them, compounds, synonyms, edit distance."""

from __future__ import annotations

import json

import simplemma

from core.synonyms import synonyms
from core.text_analysis import (
    LEMMA_OVERRIDES,
    STOP_WORDS,
    WORD,
    compound_parts,
    compound_parts_terms,
    index_terms,
    is_known_word,
    term,
    term_spans,
    terms,
    within_one_edit,
)
from core.text_analysis import (
    lemma as lexicon_lemma,
)
from tests.conftest import PROVIDERS


def test_definite_plural_and_irregular_forms_meet_their_base_form() -> None:
    assert term("kvinnan") == term("kvinnor") == term("kvinna")
    assert term("stugan") == term("stugor") == term("stuga")
    assert term("döttrar") == term("dottern") == term("dotter")
    assert term("bröder") == term("bror")
    assert term("pojkarna") == term("pojke")
    assert term("familjehemmet") == term("familjehem")


def test_the_stemmer_unites_what_the_lexicon_does_not_know() -> None:
    assert not simplemma.is_known("hedersrelaterade", lang="sv")
    assert term("hedersrelaterade") == term("hedersrelaterat")


def test_accents_are_never_folded_and_homographs_stay_apart() -> None:
    assert term("mätt") != term("matt")
    assert term("drog") == term("droger") != term("dra")
    assert term("boende") != term("bo")


def test_every_lemma_override_changes_what_the_lexicon_says() -> None:
    for form, lemma in LEMMA_OVERRIDES.items():
        assert simplemma.lemmatize(form, lang="sv").lower() != lemma, form


def test_stop_words_give_no_term_and_punctuation_splits_words() -> None:
    assert len(STOP_WORDS) == 114
    assert terms("och för hem") == [term("hem")]
    assert index_terms("TF-KBT, §12-hem") == "tf kbt 12 hem"


def test_domain_compounds_split_into_their_parts() -> None:
    assert compound_parts("självskadebeteende") == ("självskada", "beteende")
    assert compound_parts("Missbruksbehandling") == ("missbruk", "behandling")
    assert compound_parts("gängkriminalitet") == ("gäng", "kriminalitet")
    assert compound_parts("hedersrelaterat") == ("heder", "relaterat")
    # Words that are not compounds of domain parts stay whole.
    assert compound_parts("flickor") == ()
    assert compound_parts("hemlig") == ()
    assert compound_parts("hemmet") == ()


def test_parts_of_a_text_are_terms_and_ignore_punctuation_and_case() -> None:
    text = "Vi erbjuder (Missbruksbehandling) och hjälp vid självskadebeteende."
    assert compound_parts_terms(text) == " ".join(terms("missbruk behandling självskada beteende"))


def test_spans_map_terms_back_to_the_words_as_written() -> None:
    text = "Flickorna, och Missbruket."
    spans = [(text[start:end], found) for start, end, found, _ in term_spans(text)]
    assert spans == [("Flickorna", term("flicka")), ("Missbruket", term("missbruk"))]


def test_one_edit_counts_a_swap_of_neighbours_as_one() -> None:
    assert within_one_edit("missbrk", "missbruk")
    assert within_one_edit("behandlnig", "behandling")
    assert within_one_edit("hem", "hem")
    assert within_one_edit("hed", "hem")
    assert not within_one_edit("heder", "hem")
    assert not within_one_edit("abcd", "badc")


def _t(word: str) -> tuple[str, ...]:
    return tuple(terms(word))


def test_synonyms_are_read_as_terms_in_both_directions_or_one() -> None:
    rules = synonyms()
    assert _t("pojke") in rules[_t("kille")]
    assert _t("kille") in rules[_t("pojke")]
    assert _t("familjehem") in rules[_t("fosterhem")]
    assert _t("fosterhem") not in rules.get(_t("familjehem"), ())
    assert _t("npf") in rules[_t("autism")]
    assert ("kontaktfamilj",) not in rules, "a kontaktfamilj is not a placement form"


def test_the_lexicon_read_in_place_lemmatises_as_the_whole_dict_does() -> None:
    """The analysis reads simplemma's lexicon as a stream (low memory): every word of the fixtures'
    texts, and forms the lexicon maps elsewhere, get the lemma and the known-ness the dict gives."""
    words = {"kvinnorna", "döttrar", "dottern", "bröder", "pojkarna", "familjehemmet", "hedersrelaterade", "tf"}
    for line in PROVIDERS.read_text(encoding="utf-8").splitlines()[:300]:
        record = json.loads(line)
        words.update(WORD.findall(f"{record['name']} {record.get('description') or ''}".lower()))
    assert len(words) > 500
    for word in sorted(words):
        if word not in LEMMA_OVERRIDES and len(word) >= 3:
            assert lexicon_lemma(word) == simplemma.lemmatize(word, lang="sv").lower(), word
        assert is_known_word(word) == simplemma.is_known(word, lang="sv"), word
