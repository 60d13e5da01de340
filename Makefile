# The two commands of the README:
#   make run   - make a virtual environment, install, serve http://127.0.0.1:5000
#   make test  - install the test tools, the Debian packages and the pinned npm packages the suite
#                needs, run ruff, mypy and pytest
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
# The real Node drivers of the live tests: tests/node/package-lock.json pins them; `npm ci` puts
# them in tests/node/node_modules (ignored), again only when the lock file changes (the stamp).
NODE_DIR   = tests/node
NODE_STAMP = $(NODE_DIR)/node_modules/.installed

.PHONY: run test lint format system-deps node-deps serve-shared screenshots bench codes clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $(VENV)/.installed $@

# FLASK_SKIP_DOTENV: flask would export every line of .env (PGPASSWORD too) before wsgi runs;
# wsgi.py takes only the app's own settings from it (inspector/startup.py).
run: $(VENV)/.installed
	FLASK_SKIP_DOTENV=1 $(BIN)/flask --app wsgi run --host $(HOST) --port $(PORT)

system-deps:
	@bash scripts/ensure-system-deps.sh

$(NODE_STAMP): $(NODE_DIR)/package-lock.json $(NODE_DIR)/package.json | system-deps
	cd $(NODE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

node-deps: $(NODE_STAMP)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy inspector

format: $(VENV)/.dev-installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: $(VENV)/.dev-installed system-deps node-deps lint
	$(BIN)/python scripts/codes_table.py --check
	$(BIN)/python -m pytest

codes: $(VENV)/.dev-installed
	$(BIN)/python scripts/codes_table.py --write

serve-shared: $(VENV)/.installed
	INSPECTOR_MODE=shared $(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

screenshots: $(VENV)/.dev-installed system-deps
	$(BIN)/python scripts/screenshots.py

bench: $(VENV)/.dev-installed system-deps
	$(BIN)/python bench/token_api.py
	$(BIN)/python bench/connection.py
	$(BIN)/python bench/load.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis $(NODE_DIR)/node_modules
