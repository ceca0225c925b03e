"""The Swedish lexicon read in place holds simplemma's entries, exactly, and answers misses."""

from __future__ import annotations

from pathlib import Path

from simplemma.strategies.dictionaries.dictionary_factory import DEFAULT_DICTIONARY_FACTORY

from core.lexicon import LANG, MappedLexicon, SwedishLexicon, write_lexicon


def test_the_mapped_lexicon_holds_every_entry_simplemma_ships() -> None:
    shipped = DEFAULT_DICTIONARY_FACTORY.get_dictionary(LANG)
    mapped = SwedishLexicon().get_dictionary(LANG)
    assert len(mapped) == len(shipped) > 500_000
    for i, key in enumerate(shipped):
        if i % 37 == 0:
            assert mapped.get(key) == shipped[key], key
    for missing in ("", "aaaaaaaaaaaaa", "zzzzzzzzzzzz", "öööööö", "hedersrelaterade", "kvinnorx"):
        assert mapped.get(missing) == shipped.get(missing), missing


def test_a_written_lexicon_answers_every_key_and_nothing_else(tmp_path: Path) -> None:
    entries = {f"ord{i:05d}": f"grund{i % 7}" for i in range(1000)} | {"ö": "å", "a": "b"}
    write_lexicon(tmp_path / "lexicon", entries)
    mapped = MappedLexicon(tmp_path / "lexicon")
    assert len(mapped) == len(entries) and sorted(mapped) == sorted(entries)
    assert all(mapped[key] == value for key, value in entries.items())
    assert [mapped.get(k) for k in ("", "0", "ord", "ord00000x", "ord99999", "öö", "zz")] == [None] * 7
