"""A broken export never goes live: the reindex guards, run as ops run them (the real command)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from indexer.exit_codes import ExitCode
from indexer.jobs import ErrorLimit
from tests.indexer.test_cli import cli, fixture_records, live, provider, reindex, write_lines
from tests.support.embedded_data import documents_live, version_folders

# Each makes a good record bad in a different way.
BREAKAGES = (
    {"age_min": 17, "age_max": 12},
    {"municipality_code": "0000"},
    {"languages": ["qqx"]},
    {"capacity": 1, "vacancies": 5},
)


def _broken(records: list[dict[str, Any]], bad_share: float) -> list[dict[str, Any]]:
    bad = round(len(records) * bad_share)
    return [r | BREAKAGES[i % len(BREAKAGES)] if i < bad else r for i, r in enumerate(records)]


def _bad_lines(stderr: str) -> set[int]:
    return {int(line.split(":")[2].split(" ")[0]) for line in stderr.splitlines() if line.startswith("bad record:")}


@pytest.fixture
def live_index(tmp_path: Path) -> str:
    reindex(tmp_path, write_lines(tmp_path / "good.jsonl", fixture_records()[:100]))
    return live(tmp_path)


def test_an_empty_export_leaves_the_live_index_untouched(tmp_path: Path, live_index: str) -> None:
    for name, text in (("empty.jsonl", ""), ("blank.jsonl", "\n  \n\n")):
        (tmp_path / name).write_text(text, encoding="utf-8")
        done = reindex(tmp_path, tmp_path / name, check=False)
        assert done.returncode == ExitCode.REFUSED, done.stderr
        assert "holds no records" in done.stderr and "live index is unchanged" in done.stderr
        assert live(tmp_path) == live_index and documents_live(tmp_path) == 100
    assert version_folders(tmp_path) == [live_index]


def test_an_empty_first_build_leaves_nothing_behind(tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_text("", encoding="utf-8")
    done = reindex(tmp_path, tmp_path / "empty.jsonl", check=False)
    assert done.returncode == ExitCode.REFUSED
    assert version_folders(tmp_path) == []
    assert cli(tmp_path, "status", check=False).returncode != 0


def test_an_80_percent_bad_export_leaves_the_live_index_untouched(tmp_path: Path, live_index: str) -> None:
    source = write_lines(tmp_path / "bad.jsonl", _broken(fixture_records()[:100], 0.8))
    done = reindex(tmp_path, source, check=False)
    assert done.returncode == ExitCode.TOO_MANY_BAD_RECORDS, done.stderr
    assert "80 of 100 records are bad" in done.stderr
    assert _bad_lines(done.stderr) == set(range(1, 81))
    assert live(tmp_path) == live_index and documents_live(tmp_path) == 100
    assert version_folders(tmp_path) == [live_index]
    # Told to accept the bad records, the shrink guard still stands between them and the live index.
    done = reindex(tmp_path, source, extra=("--max-errors", "100%"), check=False)
    assert done.returncode == ExitCode.REFUSED and "--allow-shrink" in done.stderr
    assert live(tmp_path) == live_index


def test_an_80_percent_bad_first_build_does_not_go_live(tmp_path: Path) -> None:
    done = reindex(tmp_path, write_lines(tmp_path / "bad.jsonl", _broken(fixture_records()[:50], 0.8)), check=False)
    assert done.returncode == ExitCode.TOO_MANY_BAD_RECORDS
    assert version_folders(tmp_path) == []


def test_every_bad_line_is_reported_past_max_errors(tmp_path: Path, live_index: str) -> None:
    records = fixture_records()[:100]
    records[90] = records[90] | BREAKAGES[0]
    records[99] = records[99] | BREAKAGES[1]
    source = write_lines(tmp_path / "bad.jsonl", _broken(records[:90], 0.1) + records[90:])
    done = reindex(tmp_path, source, extra=("--max-errors", "2"), check=False)
    assert done.returncode == ExitCode.TOO_MANY_BAD_RECORDS
    assert _bad_lines(done.stderr) == {*range(1, 10), 91, 100}
    assert live(tmp_path) == live_index


def test_a_few_bad_records_go_live_with_their_own_exit_status(tmp_path: Path, live_index: str) -> None:
    records = fixture_records()[:100]
    records[5] = records[5] | BREAKAGES[2]
    done = reindex(tmp_path, write_lines(tmp_path / "export.jsonl", records), check=False)
    assert done.returncode == ExitCode.RECORDS_REJECTED
    assert _bad_lines(done.stderr) == {6} and "1 records were rejected" in done.stderr
    assert live(tmp_path) != live_index and documents_live(tmp_path) == 99


def test_a_shrink_beyond_ten_percent_needs_allow_shrink(tmp_path: Path, live_index: str) -> None:
    records = fixture_records()[:100]
    done = reindex(tmp_path, write_lines(tmp_path / "smaller.jsonl", records[:89]), check=False)
    assert done.returncode == ExitCode.REFUSED
    assert "89 documents, 11% fewer than the 100 live" in done.stderr and "--allow-shrink" in done.stderr
    assert live(tmp_path) == live_index and version_folders(tmp_path) == [live_index]
    reindex(tmp_path, write_lines(tmp_path / "tenth.jsonl", records[:90]))  # exactly 10% fewer: allowed
    assert documents_live(tmp_path) == 90
    reindex(tmp_path, write_lines(tmp_path / "half.jsonl", records[:45]), extra=("--allow-shrink",))
    assert documents_live(tmp_path) == 45


def test_a_byte_order_mark_is_not_a_bad_first_line(tmp_path: Path) -> None:
    records = fixture_records()[:3]
    source = tmp_path / "windows.jsonl"
    source.write_bytes(b"\xef\xbb\xbf" + "".join(json.dumps(r, ensure_ascii=False) + "\r\n" for r in records).encode())
    done = reindex(tmp_path, source)
    assert "3 indexed" in done.stdout and "0 bad" in done.stdout
    assert provider(tmp_path, records[0]["id"]) is not None


def test_every_problem_of_a_record_is_reported(tmp_path: Path) -> None:
    record = fixture_records()[0] | {
        "age_min": 17,
        "age_max": 12,
        "capacity": 1,
        "vacancies": 4,
        "languages": ["sv", "qqx"],
        "county_code": "01",
        "municipality_code": "0780",
        "genders": [],
        "location": {"lat": 95.0, "lon": 14.8},
    }
    done = cli(tmp_path, "validate", "--source", str(write_lines(tmp_path / "one.jsonl", [record])), check=False)
    assert done.returncode == ExitCode.RECORDS_REJECTED
    fields = {line.split(": ")[1] for line in done.stdout.splitlines()}
    assert fields == {"age_min", "vacancies", "languages.1", "county_code", "genders", "location.lat"}


def test_keep_versions_is_a_setting(tmp_path: Path) -> None:
    source = write_lines(tmp_path / "good.jsonl", fixture_records()[:20])
    env = {"PLACERINGSSOK_KEEP_VERSIONS": "2"}
    for _ in range(3):
        cli(tmp_path, "reindex", "--source", str(source), env=env)
    assert len(version_folders(tmp_path)) == 2


def test_exit_statuses_are_documented_in_help(tmp_path: Path) -> None:
    for command in ("reindex", "sync"):
        text = " ".join(cli(tmp_path, command, "--help").stdout.split())
        assert "3 live, but records were rejected" in text and "6 disk full" in text


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("0", ErrorLimit(count=0)),
        ("25", ErrorLimit(count=25)),
        ("5%", ErrorLimit(percent=5)),
        ("0.5%", ErrorLimit(percent=0.5)),
    ],
)
def test_error_limits_parse(text: str, limit: ErrorLimit) -> None:
    assert ErrorLimit.parse(text) == limit


@pytest.mark.parametrize("text", ["", "-1", "five", "101%", "%"])
def test_bad_error_limits_say_what_is_expected(text: str) -> None:
    with pytest.raises(ValueError, match="a percentage"):
        ErrorLimit.parse(text)


def test_a_percentage_limit_counts_against_the_records_read() -> None:
    limit = ErrorLimit(percent=5)
    assert not limit.exceeded(5, 100) and limit.exceeded(6, 100)
    assert not limit.passed_while_reading(10_000)
    assert ErrorLimit(count=3).passed_while_reading(4)
