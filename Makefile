# `make run` and `make test` set everything up on a machine that has only Python 3.11.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench clean translations

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/finder init-db
	$(BIN)/finder start --host 127.0.0.1 --port 5000

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

# Two workers, each test file on one of them (its servers and module fixtures stay together).
test: lint
	$(BIN)/pytest -n 2 --dist loadfile --durations=15

# One table (figure, ours, naive baseline, ratio, goal), also written to bench/results/*.json.
bench: install
	$(BIN)/python bench/all.py

clean:
	rm -rf $(VENV) instance test-output

# After changing a translatable string: refresh the catalogue, translate, then compile.
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _ -k gettext -k ngettext:1,2 -k gettext_format --no-location -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d translations
