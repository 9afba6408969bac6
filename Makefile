# The two commands of the README: `make demo` sets everything up and runs the main job,
# `make test` sets everything up and runs every check. `make bench` prints the benchmarks.
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint bench harden clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml package-lock.json scripts/setup.sh
	bash scripts/setup.sh

demo: setup
	$(BIN)/hoso demo

lint: setup
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

bench: setup
	$(BIN)/python bench/run.py

# The hardening tests (attack files, fuzzing, crashes, converter faults, load) and their
# figures as one table; `make test` runs the same tests.
harden: setup
	rm -rf test-output/harden
	$(BIN)/pytest tests/hardening
	$(BIN)/python bench/harden.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache .hypothesis
