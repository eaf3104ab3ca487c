# juzhu — the two commands a newcomer needs are `make run` and `make test`.
# Each does all its own set-up on a fresh Debian machine (creates or refreshes .venv).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench

# PostgreSQL for the integration suite (the local server by default; started if it is down).
TEST_DATABASE_URL ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/juzhu)

.DEFAULT_GOAL := help
.PHONY: help run test unit lint typecheck gate bench failover soak soak-smoke clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	@touch $@

# Development mode (make run, the tests, the type checker, the benchmarks): missing keys are
# generated under the project's var/. Production is the default and refuses to start without
# its keys (README, "Running in production").
run typecheck bench failover soak soak-smoke: export JUZHU_ENV = development

run: $(STAMP) ## migrate the embedded database, load the demo city, serve on http://127.0.0.1:8000 (demo mode: prints how to sign in)
	$(BIN)/juzhu policy check
	$(BIN)/juzhu migrate
	$(BIN)/juzhu demo --if-empty
	JUZHU_CACHE_URL=$${JUZHU_CACHE_URL:-locmem://} JUZHU_DEMO=1 $(BIN)/juzhu serve

test: $(STAMP) ## every check and test: lint, types, the security gate, unit, scenarios; integration, security and browser suites on SQLite and PostgreSQL
	$(MAKE) --no-print-directory lint typecheck gate
	$(BIN)/juzhu policy check
	scripts/ensure-postgres.sh
	scripts/ensure-redis.sh
	scripts/ensure-e2e-deps.sh
	scripts/ensure-clamav.sh
	scripts/ensure-pgbackrest.sh
	scripts/ensure-pgbouncer.sh
	$(BIN)/pytest tests/unit tests/scenarios
	$(BIN)/pytest tests/integration tests/e2e tests/security
	JUZHU_REQUIRE_CLUSTERS=1 DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest tests/integration tests/e2e tests/security

lint: $(STAMP) ## ruff + import-linter (the pure core imports no Django)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP) ## mypy --strict on all of src/juzhu (django-stubs)
	$(BIN)/mypy

gate: $(STAMP) ## security gate: ruff's S rules, check --deploy with production settings, a secrets scan
	scripts/security-gate.sh

bench: $(BENCH_STAMP) ## run the benchmarks (figures go to docs/benchmarks.md)
	$(BIN)/python bench/planner.py
	$(BIN)/python bench/bulk_eligibility.py
	scripts/ensure-postgres.sh
	$(BIN)/python bench/sweep.py
	$(BIN)/python bench/import.py
	$(BIN)/python bench/policy_impact.py
	command -v wrk >/dev/null || apt-get install -y -q wrk
	$(BIN)/python bench/verify.py
	$(BIN)/python bench/portal.py
	$(MAKE) --no-print-directory failover

failover: $(BENCH_STAMP) ## the failover drill: etcd + 3 Patroni nodes, the leader killed under load (docs/howto/high-availability.md)
	scripts/ensure-patroni.sh
	$(BIN)/python bench/failover.py

soak: $(BENCH_STAMP) ## the 10-minute soak: 200 simulated users on 100,000 permits (figures: docs/benchmarks.md §12)
	scripts/ensure-postgres.sh
	scripts/ensure-redis.sh
	command -v wrk >/dev/null || apt-get install -y -q wrk
	$(BIN)/python bench/soak.py

soak-smoke: $(BENCH_STAMP) ## the soak for 30 s with 20 users: fails on any error or a p95 over 1 s
	scripts/ensure-postgres.sh
	scripts/ensure-redis.sh
	command -v wrk >/dev/null || apt-get install -y -q wrk
	$(BIN)/python bench/soak.py --smoke

clean: ## remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
