# MARA — build, run and test. `make run` and `make test` are the two README commands.
SHELL := /bin/bash

# Python 3.10 for both environments: a python3.10 on PATH that works, else pyenv's.
PYTHON ?= $(shell for p in python3.10 $$HOME/.pyenv/versions/3.10.*/bin/python3.10 /usr/bin/python3.10; do \
             if $$p -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then echo $$p; break; fi; done)

VENV := .venv
RASA_VENV := .venv-rasa
PIP_FLAGS := --quiet --disable-pip-version-check

.PHONY: run test test-fast install system-deps browser train lint format validate clean

run: install train
	$(VENV)/bin/mara serve --chat

test: install train
	$(VENV)/bin/python -m pytest

# pdftoppm (Debian's poppler-utils) turns the quarterly report's PDF into PNG in the tests.
system-deps:
	@command -v pdftoppm >/dev/null || { command -v apt-get >/dev/null && \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils; } \
	  || echo "warning: install poppler-utils (pdftoppm) for the report PDF test"; }

# Everything that needs no trained model: unit and integration tests (under a minute).
test-fast: $(VENV)/.installed
	$(VENV)/bin/python -m pytest -q -m "unit or integration"

install: $(VENV)/.installed $(RASA_VENV)/.installed system-deps browser

# The staff web's browser tests drive Debian's Chromium (Playwright's own download is not
# reachable everywhere); installed once when missing and apt is there to do it.
browser:
	@test -x /usr/bin/chromium || ! command -v apt-get >/dev/null || \
		{ apt-get update -qq && apt-get install -y -qq chromium; } || \
		echo "chromium could not be installed: browser tests will be skipped"

# The app's runtime pins plus the development tools (pytest, ruff, mypy, import-linter).
$(VENV)/.installed: requirements/app.lock.txt requirements/dev.lock.txt pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.10 is required (python3.10 or pyenv 3.10.x)"; exit 1; }
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install $(PIP_FLAGS) -r requirements/app.lock.txt -r requirements/dev.lock.txt
	$(VENV)/bin/pip install $(PIP_FLAGS) --no-deps -e .
	touch $@

$(RASA_VENV)/.installed: requirements/rasa.lock.txt
	@test -n "$(PYTHON)" || { echo "Python 3.10 is required (python3.10 or pyenv 3.10.x)"; exit 1; }
	test -x $(RASA_VENV)/bin/python || $(PYTHON) -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/pip install $(PIP_FLAGS) -r requirements/rasa.lock.txt
	touch $@

# Trains only when domain, config or training data changed (fingerprint in models/).
train: install
	$(VENV)/bin/mara train

validate: install
	$(VENV)/bin/mara nlu check

# Style, the import contracts (pyproject's [tool.importlinter]: layers, no cycles) and types.
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) $(RASA_VENV) models var .pytest_cache
