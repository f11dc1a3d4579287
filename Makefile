# Two commands set everything up on a fresh machine: `make preview` and `make test`.
PYTHON ?= python3
VENV   := venv
BIN    := $(VENV)/bin
STACK  ?= staging
STAMP  := $(VENV)/.installed

.PHONY: preview test lint typecheck check bench clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

preview: $(STAMP) ## offline preview of STACK (default staging)
	$(BIN)/python -m infra preview --stack $(STACK) $(ARGS)

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
