# Two entry points (see README.md): `make run` and `make test`.
# Both install what is missing: Python deps from requirements.lock into .venv,
# the pinned dev CouchDB (pouchdb-server) from package-lock.json into node_modules.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test lint typecheck imports pytest install lock clean bench

install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	touch $@

node_modules/.installed: package-lock.json $(VENV)/.installed
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	$(PY) -m sync.devpatch
	touch $@

run: install
	$(PY) -m backend serve --demo

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy

imports: install
	$(VENV)/bin/lint-imports

pytest: install
	$(PY) -m pytest

test: lint typecheck imports pytest

# Benchmarks (not part of `make test`); each prints its ratio to a raw baseline.
bench: install
	$(PY) -m tests.bench.bench_validation
	$(PY) -m tests.bench.bench_geofence
	$(PY) -m tests.bench.bench_sync
	$(PY) -m tests.bench.bench_photos
	$(PY) -m tests.bench.bench_bbox

# Regenerate requirements.lock after editing pyproject.toml (needs `uv`).
lock:
	uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock

clean:
	rm -rf $(VENV) node_modules
