"""The fixture generator: deterministic, and written in the vocabularies' own machine values."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.vocabularies import Gender, Method, ProviderType, TargetGroup
from scripts.fixtures.cli import main
from scripts.fixtures.phrases import GENDER_SENTENCES, GROUP_SENTENCES, INTROS, METHOD_PHRASES, WHO
from scripts.fixtures.tables import REPO, TYPE_WEIGHTS

FILES = ("providers.jsonl", "providers_broken.jsonl", "schools.jsonl", "geocoding-cache.json")


def test_the_committed_fixtures_are_what_the_generator_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Edit the generator, then regenerate (python scripts/generate_fixtures.py): never edit fixtures/ by hand."""
    assert main(["--out", str(tmp_path)]) == 0
    capsys.readouterr()
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (REPO / "fixtures" / name).read_bytes(), name


def test_phrase_tables_cover_exactly_the_vocabularies() -> None:
    assert set(GROUP_SENTENCES) == set(TargetGroup)
    assert set(METHOD_PHRASES) == set(Method)
    assert set(INTROS) == set(ProviderType)
    assert set(WHO) == set(GENDER_SENTENCES) == set(Gender)
    assert set(TYPE_WEIGHTS) == set(ProviderType) - {ProviderType.sis_ungdomshem}  # SiS homes are a fixed list
