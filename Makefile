# PostCash — everyday commands. `make run` and `make test` work from a fresh clone.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 5000
# `make run` listens on this machine only (the dev outbox shows live codes); HOST=0.0.0.0 to share it.
HOST ?= 127.0.0.1
export FLASK_APP := wsgi.py

.PHONY: run test lint format worker serve bench migrate seed clean ci lighthouse

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "PostCash needs Python 3.11+"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

migrate: $(STAMP)
	@mkdir -p instance
	$(BIN)/alembic upgrade head

seed: migrate
	$(BIN)/flask seed

run: seed
	REDIS_URL= $(BIN)/flask run --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(BIN)/pytest -q -p no:cacheprovider $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

worker: $(STAMP)
	$(BIN)/python -m workers

serve: migrate
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

# Lighthouse's mobile scores of the portal (tests/browser/test_portal_lighthouse.py), with
# Debian's Chromium; the npm package goes to a cache directory, never into the repo.
LIGHTHOUSE_VERSION := 12.2.3
LIGHTHOUSE_DIR ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/postcash-lighthouse
LIGHTHOUSE_STAMP := $(LIGHTHOUSE_DIR)/.installed-$(LIGHTHOUSE_VERSION)

$(LIGHTHOUSE_STAMP):
	npm i -E --prefix $(LIGHTHOUSE_DIR) --no-audit --no-fund lighthouse@$(LIGHTHOUSE_VERSION)
	touch $@

lighthouse: $(STAMP) $(LIGHTHOUSE_STAMP)
	LIGHTHOUSE_DIR=$(LIGHTHOUSE_DIR) $(BIN)/pytest -q -s -p no:cacheprovider -m lighthouse tests/browser

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance/*.db instance/*.db-* .pytest_cache .ruff_cache .mypy_cache
