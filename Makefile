# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint clean e2e

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Runtime only for the demo; the test tools on top for the suite.
$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.runtime

demo: $(VENV)/.runtime
	$(BIN)/jsms demo

test: $(VENV)/.dev
	$(BIN)/ruff check jsms tests benchmarks
	$(BIN)/mypy jsms
	$(BIN)/python -m pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check jsms tests benchmarks
	$(BIN)/ruff format --check jsms tests benchmarks
	$(BIN)/mypy jsms

clean:
	rm -rf $(VENV) var

# The control room in Debian's Chromium (installed here if missing; never a downloaded browser).
e2e: $(VENV)/.dev
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)
	$(BIN)/python -m pytest tests/e2e -m e2e -p no:cacheprovider
