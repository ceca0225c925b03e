"""nDCG@10 and recall@20 of the free-text search on the judged relevance set, per backend, and for
the text analysis before issue 14 (lexicon lemmas, synonyms, typo rules), run from git.

    .venv/bin/python scripts/bench_relevance.py [--baseline REV] [--no-baseline] [--per-query]

Each run indexes the fixtures afresh (a temporary data dir) and searches through the HTTP API as the
caseworker role, so it measures the product as a caseworker meets it. The old analysis is the
product at ``--baseline`` (default: the last commit before the new analysis), unpacked with
``git archive`` into a temporary directory and run against today's fixtures and judgements.
Elasticsearch is measured when ELASTICSEARCH_URL is set.

Gains are 2^grade - 1 over the judged grades (tests/relevance/judged_queries.py); recall@20 is the
share of homes graded 1+ found in the first 20, out of at most 20 (a query with 300 relevant homes
can reach 1.0).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.relevance.judged_queries import QUERIES, judgements  # noqa: E402
from tests.relevance.metrics import ndcg, recall  # noqa: E402

# The product before the Swedish analysis of issue 14 (its parent commit on main).
BASELINE = "7e92479"
FIXTURES = ROOT / "fixtures" / "providers.jsonl"
TOP = 20

# Runs inside the checkout it measures (today's or the baseline's): index the fixtures, search every
# query through the API as the caseworker, print {query: {"total": n, "ids": [first 20]}}.
RUNNER = r"""
import json, sys, tempfile, contextlib, io, logging
from pathlib import Path
logging.disable(logging.CRITICAL)
from fastapi.testclient import TestClient
from search_api.app import create_app
from tests.conftest import CASEWORKER_KEY, build_embedded, test_settings

backend, fixtures, TOP = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
queries = json.loads(sys.stdin.read())
with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(io.StringIO()):
    data_dir = Path(tmp)
    if backend == "elasticsearch":
        import os
        from tests.support.elastic_index import build_elasticsearch
        settings = build_elasticsearch(os.environ["ELASTICSEARCH_URL"], data_dir)
    else:
        build_embedded(data_dir, [fixtures])
        settings = test_settings(data_dir)
    answers = {}
    with TestClient(create_app(settings)) as client:
        for q in queries:
            body = client.post(
                "/v1/providers/search",
                json={"q": q, "permit_valid": False, "size": TOP},
                headers={"X-API-Key": CASEWORKER_KEY},
            ).json()
            answers[q] = {"total": body["total"], "ids": [h["id"] for h in body["hits"]]}
print(json.dumps(answers))
"""


def run(root: Path, backend: str) -> dict[str, dict[str, object]]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, backend, str(FIXTURES), str(TOP)],
        cwd=root,
        env=env,
        input=json.dumps([j.q for j in QUERIES]),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"the {backend} run in {root} failed:\n{done.stderr[-3000:]}")
    answers: dict[str, dict[str, object]] = json.loads(done.stdout.strip().splitlines()[-1])
    return answers


def scores(answers: dict[str, dict[str, object]], judged: dict[str, dict[str, int]]) -> dict[str, tuple[float, float]]:
    result = {}
    for q, grades in judged.items():
        ranked = [str(i) for i in answers[q]["ids"]]  # type: ignore[attr-defined]
        result[q] = (ndcg(ranked, grades), recall(ranked, grades))
    return result


def baseline_checkout(rev: str, into: Path) -> Path:
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default=BASELINE, help="git revision of the old analysis")
    parser.add_argument("--no-baseline", action="store_true", help="measure today's analysis only")
    parser.add_argument("--per-query", action="store_true", help="print every query's figures")
    args = parser.parse_args()
    records = [json.loads(line) for line in FIXTURES.read_text(encoding="utf-8").splitlines() if line.strip()]
    judged = judgements(records)
    runs: dict[str, dict[str, tuple[float, float]]] = {}
    totals: dict[str, dict[str, int]] = {}
    backends = ["embedded"] + (["elasticsearch"] if os.environ.get("ELASTICSEARCH_URL") else [])
    for backend in backends:
        answers = run(ROOT, backend)
        runs[f"{backend} (new analysis)"] = scores(answers, judged)
        totals[backend] = {q: int(a["total"]) for q, a in answers.items()}  # type: ignore[call-overload]
    if not os.environ.get("ELASTICSEARCH_URL"):
        print("elasticsearch: not measured (ELASTICSEARCH_URL is not set)")
    if not args.no_baseline:
        with tempfile.TemporaryDirectory() as tmp:
            runs[f"embedded (old analysis, {args.baseline})"] = scores(
                run(baseline_checkout(args.baseline, Path(tmp)), "embedded"), judged
            )
    print(f"{len(judged)} judged queries over {len(records)} fixture homes")
    print(f"{'run':<44} {'nDCG@10':>8} {'recall@20':>10}")
    for name, per_query in runs.items():
        n = sum(s[0] for s in per_query.values()) / len(per_query)
        r = sum(s[1] for s in per_query.values()) / len(per_query)
        print(f"{name:<44} {n:>8.3f} {r:>10.3f}")
    if len(totals) == 2:
        differ = [q for q in judged if totals["embedded"][q] != totals["elasticsearch"][q]]
        print(f"queries whose totals differ between the backends: {len(differ)} {differ}")
    if args.per_query:
        names = list(runs)
        print("query".ljust(30) + "".join(f"{n[:22]:>24}" for n in names))
        for q in judged:
            cells = "".join(f"{runs[n][q][0]:>12.3f}{runs[n][q][1]:>12.3f}" for n in names)
            print(f"{q[:30]:<30}{cells}")


if __name__ == "__main__":
    main()
