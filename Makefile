# Allervers — two set-up commands: `make demo` and `make test`. See README.md.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# The first Python 3.12+ found (pyenv honours .python-version).
PYTHON := $(shell for p in python3.12 python3.13 python3 python; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
	&& echo $$p && break; done)
DEV_SETTINGS := DJANGO_SETTINGS_MODULE=config.settings.dev
# `make demo PORT=8001` when 8000 is taken.
PORT ?= 8000

.PHONY: demo test install install-dev lint format bench clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python 3.12 ou plus récent est nécessaire." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-prod: requirements/prod.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --no-deps --require-hashes -r requirements/prod.lock
	touch $@

$(VENV)/.installed-dev: requirements/dev.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --no-deps --require-hashes -r requirements/dev.lock
	touch $@ $(VENV)/.installed-prod

install: $(VENV)/.installed-prod
install-dev: $(VENV)/.installed-dev

demo: install
	@mkdir -p var
	$(DEV_SETTINGS) $(BIN)/python manage.py demo_database_prepare
	$(DEV_SETTINGS) $(BIN)/python manage.py migrate --noinput -v 0
	$(DEV_SETTINGS) $(BIN)/python manage.py load_demo
	@echo
	@echo "Allervers tourne sur http://127.0.0.1:$(PORT)/ (Ctrl+C pour arrêter)"
	@echo "Les courriels de la démo ne partent pas : ils s'affichent ici, dans ce terminal."
	$(DEV_SETTINGS) ALLERVERS_SITE_URL=http://127.0.0.1:$(PORT) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install-dev
	./scripts/ensure-system-packages
	$(BIN)/pytest -n 2 --dist loadgroup

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install-dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var/allervers.sqlite3 var/static
