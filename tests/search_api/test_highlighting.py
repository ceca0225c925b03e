"""Highlights made from kept state (a plan's judged words, a text's words) are the highlights made
afresh: the same fragment for every query and text, after the memory is cleared, and never a stale
one for a changed text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.text_analysis import TEXT_FIELDS
from search_api import highlighting
from search_api.highlighting import Highlighter, highlighter_for
from search_api.text_plan import TextNode, plan_text

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
QUERIES = [
    "självskadebeteende",
    "missbruk ungdomar",
    "flickor trauma",
    "DBT",
    "ensamkommande pojkar",
    "hedersrelaterat våld",
    '"lågaffektivt bemötande"',
    "missbrk",
    "familjehem",
    "heder",
]


def root(text: str) -> TextNode:
    planned = plan_text(text, TEXT_FIELDS)
    assert planned is not None
    return planned.root


def descriptions() -> list[str]:
    lines = (FIXTURES / "providers.jsonl").read_text(encoding="utf-8").splitlines()
    texts = [json.loads(line)["description"] for line in lines if line.strip()]
    # A mark far into a long text, a letter whose lower case is longer (offsets would shift), markup.
    return [*texts, "Lång inledning utan träff. " * 12 + "Här finns DBT & MI.", "İnget här; DBT <b>"]


def fresh(query: str, text: str) -> str | None:
    """The fragment read afresh: no kept words, a new highlighter."""
    keep = highlighting.KEPT_TEXT_CHARS
    highlighting.KEPT_TEXT_CHARS = -1
    try:
        return Highlighter(root(query)).fragment(text)
    finally:
        highlighting.KEPT_TEXT_CHARS = keep


@pytest.mark.parametrize("query", QUERIES)
def test_kept_state_gives_the_fragments_read_afresh(query: str) -> None:
    texts = descriptions()
    expected = [fresh(query, text) for text in texts]
    assert any(expected), "the fixtures must hold a marked word for the comparison to mean anything"
    for _ in range(2):  # the second round from kept words and judgements only
        assert [highlighter_for(root(query)).fragment(text) for text in texts] == expected


def test_a_full_memory_starts_again_without_changing_a_fragment(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = descriptions()
    expected = [fresh("missbruk ungdomar", text) for text in texts]
    monkeypatch.setattr(highlighting, "JUDGED_WORDS", 3)
    kept = Highlighter(root("missbruk ungdomar"))
    assert [kept.fragment(text) for text in texts] == expected
    assert len(kept._judged) <= 3


def test_a_plan_keeps_its_highlighter_and_a_changed_text_is_read_again() -> None:
    assert highlighter_for(root("trauma")) is highlighter_for(root("trauma"))
    assert highlighter_for(root("trauma")) is not highlighter_for(root("missbruk"))
    before = "Vi arbetar med trauma och familjer."
    after = "Vi arbetar med familjer; trauma är vårt fält."
    assert highlighter_for(root("trauma")).fragment(before) == "Vi arbetar med <mark>trauma</mark> och familjer."
    assert (
        highlighter_for(root("trauma")).fragment(after) == "Vi arbetar med familjer; <mark>trauma</mark> är vårt fält."
    )
