# Two commands for a newcomer: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_WORKERS ?= 2

.PHONY: run serve test test-unit test-browser lint format css bench migrate check-deploy clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

migrate: $(VENV)/.installed
	$(BIN)/python manage.py migrate --no-input

## Development server on http://$(HOST):$(PORT): HTTP and websockets, reloads on change.
run: migrate
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## Production-style server (see README "Deploying"): collectstatic, then the chosen server.
serve: migrate
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0
	$(BIN)/python -m instaclone.serve --host $(HOST) --port $(PORT)

## The whole suite: unit, API, websocket tests in parallel, then the browser journeys
## (Playwright's sync API needs its own process, away from pytest-asyncio's loop).
test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -m "not browser" -n $(PYTEST_WORKERS) -q
	$(BIN)/python -m pytest -m browser -q

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Rebuild the committed Tailwind CSS (needs Node and npm; running the site does not).
css:
	cd theme/static_src && npm ci --no-audit --no-fund && npm run build

bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench all

check-deploy: $(VENV)/.installed
	DEBUG=0 SECRET_KEY=check-deploy-$$(date +%s)-a-long-random-looking-secret-value-xyz \
	ALLOWED_HOSTS=example.com $(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
