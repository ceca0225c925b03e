#!/usr/bin/env bash
# Static checks, the way the FastAPI template's backend/scripts/lint.sh runs them: types, lint
# (including ruff's C901: no function over complexity 15), formatting. `make test` runs this first.
set -e
set -x

cd "$(dirname "$0")/.."
BIN="${VENV_BIN:-.venv/bin}"
PATHS=(core engines indexer search_api tests scripts)

"$BIN/mypy" "${PATHS[@]}"
"$BIN/ruff" check "${PATHS[@]}"
"$BIN/ruff" format --check "${PATHS[@]}"
# uv.lock must match pyproject.toml: `make setup` installs from it without resolving (`make lock`).
"$BIN/uv" lock --check --quiet
