# Two entry points (see README.md): `make run` and `make test`.
# Both install what is missing: Python deps from requirements.lock into .venv,
# the pinned dev CouchDB (pouchdb-server) from package-lock.json into node_modules.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test lint typecheck imports pytest install lock clean bench browser faults real-couchdb

install: $(VENV)/.installed node_modules/.installed var/basemap/.drawn

$(VENV)/.installed: requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	touch $@

node_modules/.installed: package-lock.json sync/devpatch.py $(VENV)/.installed
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	$(PY) -m sync.devpatch
	touch $@

# The demo street's base map, drawn from its own geometry (no internet needed).
var/basemap/.drawn: backend/demo/demo_street.geojson geo/basemap.py $(VENV)/.installed
	$(PY) -m backend demo-basemap
	touch $@

run: install
	$(PY) -m backend serve --demo

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	node_modules/.bin/eslint .

typecheck: install
	$(VENV)/bin/mypy

imports: install
	$(VENV)/bin/lint-imports

pytest: install browser
	$(PY) -m pytest

# Browser tests drive Debian's Chromium (never a downloaded browser), with a CJK font
# so that Chinese labels render in screenshots; the security suite runs the shipped
# nginx config with Debian's nginx.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEBIAN_PACKAGES := chromium fonts-wqy-microhei nginx-light
browser: /usr/bin/chromium /usr/share/fonts/truetype/wqy/wqy-microhei.ttc /usr/sbin/nginx
/usr/bin/chromium /usr/share/fonts/truetype/wqy/wqy-microhei.ttc /usr/sbin/nginx:
	$(SUDO) apt-get install -y -q $(DEBIAN_PACKAGES) || ($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q $(DEBIAN_PACKAGES))

test: lint typecheck imports pytest

# The fault suite again, three times in a row (CI runs it after `make test`): a fault
# test that passes only sometimes is a finding, not noise.
faults: install
	for run in 1 2 3; do $(PY) -m pytest -q -p no:cacheprovider tests/faults || exit 1; done

# The CouchDB-touching suites against a real Apache CouchDB 3.5 (CI runs this after
# `make test` and `make faults`): a single node, then a 3-node cluster, each started for
# the step from COUCHDB_HOME's start/stop scripts. Skipped, saying so, where they are absent.
COUCHDB_HOME ?= ../shared/couchdb
real-couchdb: install browser
	$(PY) -m tests.real_couchdb --home $(COUCHDB_HOME) --nodes 1 -- -q -p no:cacheprovider \
		tests/integration tests/e2e tests/access tests/corpus tests/faults tests/cluster tests/security
	$(PY) -m tests.real_couchdb --home $(COUCHDB_HOME) --nodes 3 -- -q -p no:cacheprovider \
		tests/access tests/e2e tests/faults tests/cluster

# Benchmarks (not part of `make test`); each prints its ratio to a raw baseline.
bench: install
	$(PY) -m tests.bench.bench_validation
	$(PY) -m tests.bench.bench_geofence
	$(PY) -m tests.bench.bench_sync
	$(PY) -m tests.bench.bench_photos
	$(PY) -m tests.bench.bench_bbox
	$(PY) -m tests.bench.bench_map
	$(PY) -m tests.bench.bench_load
	$(PY) -m tests.bench.bench_db_updates
	$(PY) -m tests.bench.bench_blind_spots

# Regenerate requirements.lock after editing pyproject.toml (needs `uv`).
lock:
	uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock

clean:
	rm -rf $(VENV) node_modules
