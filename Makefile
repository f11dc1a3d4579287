# Two commands set everything up on a fresh machine: `make preview` and `make test`.
PYTHON ?= python3
VENV   := venv
BIN    := $(VENV)/bin
STACK  ?= staging
PROJECT ?= platform
STAMP  := $(VENV)/.installed
SCAN_VENV := venv-scan
SCAN_STAMP := $(SCAN_VENV)/.installed
# Python writes its bytecode caches (git-ignored __pycache__/) even where the shell asks it not to: a
# second `make test` then skips recompiling and re-rewriting every test module (collection 6.3 s -> 3.3 s).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: preview test lint typecheck check bench clean scan scan-tools

$(STAMP): requirements.txt requirements-dev.txt infra/requirements.txt services/requirements.txt bootstrap/requirements.txt policy/requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	cd infra && ../$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

preview: $(STAMP) ## offline preview of STACK (default staging) of PROJECT (platform or services)
	$(BIN)/python -m tools preview --stack $(STACK) --project $(PROJECT) $(ARGS)

$(SCAN_STAMP): requirements-scan.txt
	@test -x $(SCAN_VENV)/bin/python || $(PYTHON) -m venv $(SCAN_VENV)
	$(SCAN_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-scan.txt
	@touch $(SCAN_STAMP)

scan-tools: $(SCAN_STAMP) ## checkov in its own venv (its pins conflict with pulumi's)

scan: $(STAMP) $(SCAN_STAMP) ## checkov over the offline run of STACK of PROJECT (docs/CHECKOV.md)
	$(BIN)/python -m tools scan --stack $(STACK) --project $(PROJECT)

# Test workers (pytest-xdist): one per core of this machine class. Each test file runs whole in one worker
# (--dist loadfile), so a module's fixtures run once; TEST_WORKERS=0 runs everything in this process.
# Files go out in the order tests/conftest.py sets (the toolchain venv build first), not xdist's own.
TEST_WORKERS ?= 2

test: $(STAMP) $(SCAN_STAMP) ## the test suite (pytest, Pulumi mocks; the prod checkov scan)
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test

bench: $(STAMP) ## timings of the offline preview against the SDK floor
	$(BIN)/python bench/preview.py

clean:
	rm -rf $(VENV) $(SCAN_VENV)
