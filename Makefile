# Contract Bites — the two quick-start commands are `make run` and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
export CB_TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: run test lint layers typecheck pytest format tour clean help

help:
	@echo "make run    install (first time) and start the service on http://127.0.0.1:8080/chat"
	@echo "make test   install with dev extras (first time), then ruff, lint-imports, mypy and pytest"
	@echo "make format format the code with ruff"
	@echo "make tour   retake the screenshots of docs/tour.md (headless chromium)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/bites serve

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

layers: $(VENV)/.installed-dev
	$(BIN)/lint-imports

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

# Two workers: the suite waits on browsers, servers and simulated platforms as much as it
# computes, so two share a 2-core machine well (`make test PYTEST_WORKERS=0` runs serially).
PYTEST_WORKERS ?= 2
pytest: $(VENV)/.installed-dev
	$(BIN)/pytest -n $(PYTEST_WORKERS)

test: lint layers typecheck pytest

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

tour: $(VENV)/.installed-dev
	CB_TOUR_DIR=docs/tour $(BIN)/pytest tests/test_tour.py

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
