# The two set-up commands (see README.md): `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Every install takes its versions from constraints.txt (refresh it with `make lock`).
PIP := $(BIN)/python -m pip install --quiet -c constraints.txt
# Optional extras for `make run`: EXTRAS=postgres or EXTRAS=postgres,redis.
EXTRAS ?=
comma := ,
RUNTIME := $(VENV)/.runtime$(if $(EXTRAS),-$(subst $(comma),-,$(EXTRAS)))
DEV := $(VENV)/.dev

.PHONY: run test lint typecheck pytest bench lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# `make run` installs only what the bot needs at run time; tests and linters come with `make test`.
$(RUNTIME): $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e '.$(if $(EXTRAS),[$(EXTRAS)])'
	touch $@

$(DEV): $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e '.[dev]'
	touch $@

run: $(RUNTIME)
	@$(BIN)/kenes db upgrade
	@$(BIN)/kenes run

test: lint typecheck pytest

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(DEV)
	$(BIN)/mypy

pytest: $(DEV)
	scripts/with-postgres scripts/with-redis scripts/with-chromium $(BIN)/pytest --cov --cov-report=term

# bench/scale.py needs PostgreSQL and Redis; the others ignore them.
bench: $(DEV)
	scripts/with-postgres scripts/with-redis sh -c \
	  'for b in bench/*.py; do PYTHONPATH=. $(BIN)/python $$b || exit 1; done'

# Re-resolve every dependency to its newest allowed version and pin it; commit constraints.txt.
lock:
	PYTHON=$(PYTHON) scripts/lock

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
