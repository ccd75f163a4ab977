# Groupwork — the front door. `make run` to set up and serve on SQLite, `make test` for the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# pytest-xdist processes for `make test` (each PostgreSQL worker gets its own database).
TEST_WORKERS ?= auto

.PHONY: run test lint bench serve syslibs messages clean

$(VENV)/.python-ok:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || \
	  { echo "Groupwork needs Python 3.11 or newer as '$(PYTHON)' (set PYTHON=...)."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --upgrade pip
	@touch $@

$(VENV)/.app-installed: $(VENV)/.python-ok requirements.txt
	$(BIN)/pip install -q -r requirements.txt
	@touch $@

$(VENV)/.dev-installed: $(VENV)/.app-installed requirements-dev.txt
	$(BIN)/pip install -q -r requirements-dev.txt
	@touch $@

# WeasyPrint needs Pango, HarfBuzz and a font from the system; say which are missing.
syslibs: $(VENV)/.app-installed
	@$(BIN)/python -m curriculum.syslibs

run: $(VENV)/.app-installed
	@$(BIN)/python -m curriculum.syslibs --warn
	$(BIN)/flask --app app init-db
	@echo "Serving Groupwork on http://$(HOST):$(PORT) (Ctrl-C to stop)"
	GROUPWORK_ENV=development $(BIN)/flask --app app run --host $(HOST) --port $(PORT)

test: $(VENV)/.dev-installed syslibs
	$(BIN)/ruff check .
	$(BIN)/bandit -q -r curriculum app.py models.py wsgi.py -ll
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/bandit -q -r curriculum app.py models.py wsgi.py -ll

bench: $(VENV)/.dev-installed syslibs
	$(BIN)/python -m bench

serve: $(VENV)/.app-installed syslibs
	GROUPWORK_ENV=production $(BIN)/flask --app app init-db
	GROUPWORK_ENV=production $(BIN)/gunicorn --config gunicorn.conf.py wsgi:app

# After changing the handout template's words: add them to each translations/*/.po to translate
# (the .mo files are compiled from the .po files when the app starts).
messages: $(VENV)/.app-installed
	@mkdir -p build
	$(BIN)/pybabel extract -F babel.cfg -o build/messages.pot --no-location .
	$(BIN)/pybabel update -i build/messages.pot -d translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
