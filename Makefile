# RecordHub developer commands. `make help` lists them.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin

.DEFAULT_GOAL := help
.PHONY: help install run tools test check fmt fuzz bench k8s clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z0-9-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python ## create .venv and install the package with its dev extras
	$(BIN)/pip install --quiet -e '.[dev]'

run: ## serve on http://127.0.0.1:8080 (embedded database in ./data unless MONGODB_URI is set)
	$(BIN)/python -m service

tools: ## the test suite's tools beyond pip: kubectl and Debian's chromium (idempotent)
	bash .ci/install-kubectl
	bash .ci/install-browser

test: tools ## run the whole test suite
	$(BIN)/python -m pytest

check: ## lint and type-check (never edits files)
	$(BIN)/ruff check service tests bench
	$(BIN)/ruff format --check service tests bench
	$(BIN)/mypy

fmt: ## format and auto-fix lint findings
	$(BIN)/ruff format service tests bench
	$(BIN)/ruff check --fix service tests bench

fuzz: ## a longer fuzz pass (schemathesis + hostile input) on every route; prints cases and 5xx per dialect
	@summary=$$(mktemp); \
	RECORDHUB_FUZZ_EXAMPLES=$${RECORDHUB_FUZZ_EXAMPLES:-200} RECORDHUB_FUZZ_SUMMARY=$$summary \
		$(BIN)/python -m pytest tests/web/test_schemathesis.py tests/web/test_hostile_fuzz.py -q; \
	status=$$?; cat $$summary; rm -f $$summary; exit $$status

bench: ## run the benchmarks and write bench/results/latest.md
	$(BIN)/python -m bench

k8s: ## render and validate the Kubernetes overlays
	$(BIN)/python -m pytest tests/deploy -q

clean: ## remove the venv, caches and build files (keeps ./data)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
