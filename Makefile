# AlphaKraken on Dagster. Quick start: `make run` (the platform on embedded defaults), `make test` (every test
# against real local services). Everything installs into .venv at the repository root.
SHELL := /bin/bash
VENV := .venv
PYTHON ?= python3
STAMP := $(VENV)/.installed

.PHONY: install run demo test test-fast test-unit services-start services-stop bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: install
	scripts/run-platform.sh

demo: install
	scripts/run-platform.sh --demo

test: install
	tests/run-tests.sh

# the fast tier: tests that need no service and start no process of their own (see tests/conftest.py)
test-fast: install
	$(VENV)/bin/pytest -q -m "not services and not slow" tests

test-unit: install
	$(VENV)/bin/pytest -m "not e2e" tests

services-start: install
	tests/services/services.sh start

services-stop:
	tests/services/services.sh stop

bench: install
	benchmarks/run-all.sh

clean:
	rm -rf .run
