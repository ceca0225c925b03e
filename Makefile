# The two commands of the README: `make run` and `make test`. Everything else is what they need.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export PLACERINGSSOK_DATA_DIR ?= ./var

.PHONY: run test setup index lint bench clean

$(BIN)/placeringssok: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[test]'
	touch $@

setup: $(BIN)/placeringssok

index: setup
	$(BIN)/placeringssok load-schools --source fixtures/schools.jsonl
	PLACERINGSSOK_GEOCODER=none $(BIN)/placeringssok reindex --source fixtures/providers.jsonl \
		--geocoding-cache fixtures/geocoding-cache.json
	$(BIN)/placeringssok load-articles --source fixtures/articles.jsonl

run: index
	@echo "Placeringssök: API http://$(HOST):$(PORT)/docs  demo http://$(HOST):$(PORT)/demo"
	$(BIN)/placeringssok serve --host $(HOST) --port $(PORT)

lint: setup
	VENV_BIN=$(BIN) scripts/lint.sh

test: setup
	VENV_BIN=$(BIN) scripts/lint.sh
	scripts/install-test-browser.sh
	$(BIN)/pytest -q

bench: setup
	$(BIN)/python scripts/bench_reindex.py
	$(BIN)/python scripts/bench_search.py

clean:
	rm -rf $(VENV) var bench-data
