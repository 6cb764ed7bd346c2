# 社区通 — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTHON := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
RESIDENTS ?= 3000
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
GRID_PORT ?= 8311
# The demo's grid: the Open311 adapter talking to the simulator that `serve`
# starts. Seeding uses it too, so the demo's escalations wait in the outbox
# until the simulator is up and then really travel (scripts/run_demo.sh).
DEMO_GRID = GRID_GATEWAY=shequtong.integrations.open311_client.Open311GridGateway GRID_OPEN311_URL=http://127.0.0.1:$(GRID_PORT)/open311/v2

.PHONY: run test test-pg test-e2e fuzz lint install assets migrate seed serve clean bench bench-full nginx redis faults backup restore standby-drill

$(BIN)/.installed: pyproject.toml
	test -x $(PYTHON) || $(PY) -m venv $(VENV)
	$(PYTHON) -m pip install -q --upgrade pip
	$(PYTHON) -m pip install -q -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(BIN)/.installed node_modules/.installed

assets: install
	$(PYTHON) scripts/build_assets.py

.env:
	$(PY) scripts/make_env.py

migrate: install assets .env
	mkdir -p var
	$(PYTHON) manage.py migrate --no-input -v0

seed: migrate
	$(PYTHON) manage.py seed_demo --if-empty --residents $(RESIDENTS)
	$(PYTHON) manage.py seed_demo_boards
	$(PYTHON) manage.py seed_demo_chats --if-empty
	$(DEMO_GRID) $(PYTHON) manage.py seed_demo_cases
	$(PYTHON) manage.py seed_demo_epidemic
	$(PYTHON) manage.py seed_demo_rural
	$(PYTHON) manage.py seed_demo_charity
	$(PYTHON) manage.py seed_demo_campaigns
	$(PYTHON) manage.py seed_demo_policy

serve:
	HOST=$(HOST) PORT=$(PORT) GRID_PORT=$(GRID_PORT) bash scripts/run_demo.sh

## Set up everything, load the demo district if the database is empty, serve it.
run: seed serve

## The suites run on one pytest-xdist worker per core (at most 4), each with its own test database.
## Tests go out in pytest-django's order (plain database tests, then transactional ones), so a
## worker runs its transactional tests, which empty the tables, after its other database tests.
## XDIST= runs them in one process.
XDIST ?= -n auto --maxprocesses 4 --dist load

## The whole suite on SQLite (browser tests run by test-e2e).
test: assets
	$(BIN)/pytest -q -p no:cacheprovider $(XDIST)

## The whole suite against PostgreSQL.
test-pg: assets
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -p no:cacheprovider $(XDIST)

## Browser tests: Playwright driving Debian's Chromium.
test-e2e: assets
	$(BIN)/pytest -q -p no:cacheprovider -m e2e tests/e2e

## schemathesis over the whole API (scripts/fuzz_api.py): a live server on loopback with the demo
## district, as a resident, a secretary and a district observer; 0 server errors, 0 schema violations.
FUZZ_DB ?= postgres://postgres@127.0.0.1:5432/fuzz
fuzz: assets
	$(PYTHON) scripts/fuzz_api.py --database-url $(FUZZ_DB)

lint: install
	$(BIN)/ruff check shequtong tests bench scripts
	DJANGO_DEBUG=1 $(BIN)/mypy shequtong
	$(BIN)/lint-imports --no-logo

## Benchmark (docs/performance.md): a short run on a small district in a few minutes;
## bench-full loads the specification's district (800,000 residents) and runs up to 2,000 users.
# nginx fronts the app in benchmarks as in production (deploy/nginx): Debian's nginx-light.
nginx:
	@test -x /usr/sbin/nginx || command -v nginx >/dev/null || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light)

bench: assets nginx
	$(PYTHON) -m pip install -q -e ".[dev,bench]"
	$(PYTHON) bench/run.py --quick

bench-full: assets nginx
	$(PYTHON) -m pip install -q -e ".[dev,bench]"
	$(PYTHON) bench/run.py --full

## Fault tests (docs/operations.md "Fault tests"): worker killed, PostgreSQL connections cut, Redis gone,
## the grid down during 1,000 escalations; loopback only, a few minutes, prints the counts.
redis:
	@command -v redis-server >/dev/null || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server)

FAULTS_ARGS ?=
faults: assets redis
	$(PYTHON) bench/faults.py $(FAULTS_ARGS)

## Back up and restore (docs/operations.md "Back up and restore"): the configured database (pg_dump
## custom format, or SQLite's online backup), MEDIA_ROOT and a manifest with checksums.
## make backup [BACKUP_DIR=var/backups/<name>] [OFFSITE=/mnt/offsite]
## make restore FROM=var/backups/<name> [YES=1] (stop the app and the worker first)
BACKUP_DIR ?=
OFFSITE ?=
backup:
	$(PYTHON) manage.py backup $(if $(BACKUP_DIR),--dest $(BACKUP_DIR)) $(if $(OFFSITE),--offsite $(OFFSITE))

restore:
	@test -n "$(FROM)" || { echo "usage: make restore FROM=var/backups/<name> [YES=1]"; exit 2; }
	$(PYTHON) manage.py restore $(FROM) $(if $(YES),--yes)

## The restore drill and the hot-standby drill on PostgreSQL (tests/ops): a private primary and a
## streaming replica on loopback ports, started, promoted and removed by the test.
standby-drill: assets
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -p no:cacheprovider tests/ops/test_backup.py tests/ops/test_standby.py

clean:
	rm -rf $(VENV) node_modules var staticfiles shequtong/static/vendor
