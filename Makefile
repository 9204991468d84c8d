# Stride: `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py

.PHONY: run test install install-dev db demo lint format schema clean assets

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

## Set up everything, then serve the app on http://127.0.0.1:5000 with demo data.
run: install assets
	mkdir -p instance
	$(BIN)/flask db upgrade
	$(BIN)/flask library sync
	$(BIN)/flask seed-demo
	@echo "Stride is starting on http://127.0.0.1:5000 (Ctrl+C to stop)."
	$(BIN)/flask run --host 127.0.0.1 --port 5000

## Install the test requirements and run the whole suite.
test: install-dev assets
	mkdir -p instance
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Regenerate the initial migration from the models (only while nothing is deployed).
schema: install
	rm -f instance/schema.db migrations/versions/0001_initial_schema.py
	mkdir -p instance
	DATABASE_URL=sqlite:///$(CURDIR)/instance/schema.db $(BIN)/flask db migrate --rev-id 0001 -m "initial schema"
	mv migrations/versions/0001_initial_schema.py migrations/versions/0001_initial_schema.py 2>/dev/null || true
	rm -f instance/schema.db
	$(BIN)/ruff format migrations/versions

## Build the partial plotly.js bundle with npm (or fall back to the full one, and say so).
assets: $(VENV)/.installed
	$(BIN)/python scripts/build_assets.py

clean:
	rm -rf $(VENV) instance/*.db .pytest_cache
