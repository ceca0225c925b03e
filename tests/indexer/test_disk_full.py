"""A full disk is reported as a full disk, on a real small file system: a tmpfs of 2 MB.

The tmpfs is mounted in a user and mount namespace of its own (``unshare``), so the test needs no
root and leaves nothing mounted; it skips, saying why, where the kernel allows no such namespace.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.exit_codes import ExitCode
from tests.conftest import GEOCODING_CACHE, PROVIDERS

ROOT = Path(__file__).resolve().parents[2]


def _namespace_works() -> str | None:
    if shutil.which("unshare") is None:
        return "no unshare(1) on this machine"
    probe = subprocess.run(
        ["unshare", "--map-root-user", "--mount", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /mnt"],
        capture_output=True,
        text=True,
    )
    return None if probe.returncode == 0 else f"cannot mount a tmpfs in a user namespace: {probe.stderr.strip()}"


def _run_on_small_disk(data_dir: Path, steps: list[list[str]]) -> list[tuple[int, str, str]]:
    """Each step's (exit status, stdout, stderr), all run while a 2 MB tmpfs is mounted at ``data_dir``."""
    results = data_dir.parent / "results"
    results.mkdir()
    script = [f"mount -t tmpfs -o size=2m tmpfs {shlex.quote(str(data_dir))} || exit 99"]
    for i, step in enumerate(steps):
        out, err = results / f"{i}.out", results / f"{i}.err"
        script.append(f"{shlex.join(step)} >{out} 2>{err}; echo $? >{results / f'{i}.rc'}")
    env = os.environ | {"PLACERINGSSOK_DATA_DIR": str(data_dir), "PLACERINGSSOK_GEOCODER": "none"}
    done = subprocess.run(
        ["unshare", "--map-root-user", "--mount", "sh", "-c", "\n".join(script)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return [
        (
            int((results / f"{i}.rc").read_text()),
            (results / f"{i}.out").read_text(encoding="utf-8"),
            (results / f"{i}.err").read_text(encoding="utf-8"),
        )
        for i in range(len(steps))
    ]


def test_a_full_disk_says_so_and_leaves_nothing_behind(tmp_path: Path) -> None:
    reason = _namespace_works()
    if reason:
        pytest.skip(reason)
    records = [json.loads(line) for line in PROVIDERS.read_text(encoding="utf-8").splitlines()]
    small = tmp_path / "small.jsonl"
    small.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records[:50]), encoding="utf-8")
    big = tmp_path / "big.jsonl"
    with big.open("w", encoding="utf-8") as f:
        for copy in range(4):
            for r in records:
                f.write(json.dumps(r | {"id": f"{r['id']}-{copy}"}, ensure_ascii=False) + "\n")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    cli = [sys.executable, "-m", "indexer"]
    cache = ["--geocoding-cache", str(GEOCODING_CACHE)]
    listing = [
        sys.executable,
        "-c",
        f"import json, os; print(json.dumps(sorted(os.listdir({str(data_dir / 'embedded')!r}))))",
    ]
    filler = ["sh", "-c", f"dd if=/dev/zero of={data_dir / 'filler'} bs=64k 2>/dev/null; true"]
    steps = [
        [*cli, "reindex", "--source", str(small), *cache],
        [*cli, "reindex", "--source", str(big), *cache],
        listing,
        [*cli, "sync", "--source", str(big), *cache],
        listing,
        filler,
        [*cli, "reindex", "--source", str(small), *cache],
        listing,
        [*cli, "status"],
    ]
    results = _run_on_small_disk(data_dir, steps)
    (first, _, _), reindexed, after_reindex, synced, after_sync, _, full, after_full, status = results
    assert first == 0
    live = [name for name in json.loads(after_reindex[1]) if name.startswith("providers-")]
    assert len(live) == 1, "the failed build left a version folder behind"
    for code, _, stderr in (reindexed, synced, full):
        assert code == ExitCode.DISK_FULL, stderr
        assert "Traceback" not in stderr
        assert f"the disk holding the data dir {data_dir / 'embedded'} is full" in stderr
        assert "MB free" in stderr and "needs about" in stderr and "the live index is unchanged" in stderr
    assert "needs about 5." in reindexed[2]  # 1.5 times the 3.9 MB export
    for listed in (after_sync, after_full):
        assert [name for name in json.loads(listed[1]) if name.startswith("providers-")] == live
    assert status[0] == 0 and f"live version: {live[0]}" in status[1] and "documents: 50" in status[1]
