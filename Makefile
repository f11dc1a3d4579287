# Two commands set everything up on a fresh machine: `make preview` and `make test`.
PYTHON ?= python3
VENV   := venv
BIN    := $(VENV)/bin
STACK  ?= staging
PROJECT ?= platform
STAMP  := $(VENV)/.installed

.PHONY: preview test lint typecheck check bench clean

$(STAMP): requirements.txt requirements-dev.txt infra/requirements.txt services/requirements.txt bootstrap/requirements.txt policy/requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	cd infra && ../$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

preview: $(STAMP) ## offline preview of STACK (default staging) of PROJECT (platform or services)
	$(BIN)/python -m infra preview --stack $(STACK) --project $(PROJECT) $(ARGS)

test: $(STAMP) ## the test suite (pytest, Pulumi mocks)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test

bench: $(STAMP) ## timings of the offline preview against the SDK floor
	$(BIN)/python bench/preview.py

clean:
	rm -rf $(VENV)
