# Stride: `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py
# Where `make run` serves: make run PORT=8000 HOST=0.0.0.0
PORT ?= 5000
HOST ?= 127.0.0.1

.PHONY: run test install install-dev db demo lint format migration clean assets bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## Set up everything, then serve the app on http://$(HOST):$(PORT) (127.0.0.1:5000) with demo data,
## and run `flask worker` (reminders) beside it until the server stops. instance/vapid.env holds
## this machine's own Web Push key pair, made on the first run.
run: install assets
	mkdir -p instance
	$(BIN)/flask db upgrade
	$(BIN)/flask library sync
	$(BIN)/flask seed-demo
	test -s instance/vapid.env || $(BIN)/flask push keys > instance/vapid.env
	@echo "Stride is starting on http://$(HOST):$(PORT) (Ctrl+C to stop), with its worker (reminders)."
	@set -a && . ./instance/vapid.env && set +a && \
	export EXTERNAL_URL=$${EXTERNAL_URL:-http://$(HOST):$(PORT)} && \
	{ $(BIN)/flask worker & worker=$$!; } && \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM && \
	$(BIN)/flask run --host $(HOST) --port $(PORT)

## Install the test requirements and run the whole suite.
test: install-dev assets
	mkdir -p instance
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Dead code: what nothing in the app, tests, bench or scripts uses (vulture_whitelist.py holds
# the names only Flask, SQLAlchemy, WTForms, Jinja or pytest read).
VULTURE_ARGS := app tests bench scripts vulture_whitelist.py --min-confidence 60 \
	--ignore-decorators "@bp.*,@app.*,@*.route,@*.get,@*.post,@login_manager.*,@event.listens_for,@*.command,@*.group,@pytest.fixture,@*.errorhandler" \
	--ignore-names "validate_*,process_bind_param,process_result_value,get_id,test_*,pytest_*"

## Style, types (mypy: strict for app/domain, pyproject.toml) and dead code.
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/vulture $(VULTURE_ARGS)

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Build the front-end assets (the partial plotly.js bundle through npm, or the fallback).
assets: $(VENV)/.installed
	$(BIN)/python scripts/build_assets.py

## Write a new migration from model changes: make migration m="what changed"
migration: install
	$(BIN)/flask db migrate -m "$(m)"

## Benchmark against hello-world on loopback: make bench (BENCH_DATABASE_URL=postgresql://... for
## PostgreSQL, BENCH_ARGS="--patients 500 --days 90 --reuse" for a quicker run). See README.
bench: install-dev
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk) \
		|| (sudo apt-get update -qq && sudo apt-get install -y -qq wrk)
	mkdir -p instance
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance/*.db instance/*.db-wal instance/*.db-shm .pytest_cache
