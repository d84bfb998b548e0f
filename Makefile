# Homeward: `make run` to try it, `make test` before every commit.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
DB_NAME ?= homeward
DB_HOST ?= 127.0.0.1
HOST ?= 127.0.0.1
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium

export DATABASE_URL ?= postgres://$(DB_HOST):5432/$(DB_NAME)
export REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: help run test test-fast coverage lint bench install install-dev db browser messages clean backup restore

help:
	@echo "make run    install, create and migrate the database, load demo data, serve on http://$(HOST):$(PORT)"
	@echo "make test   lint and run the whole test suite against Postgres, Redis and Chromium"
	@echo "make test-fast  the same without the browser tests and with a light API fuzz"
	@echo "make coverage  the whole suite with line and branch coverage of our apps"
	@echo "make lint   ruff, and lint-imports: apps depend one way (docs/architecture.md)"
	@echo "make messages  compile the Russian and Kyrgyz catalogues"
	@echo "make bench  seed 100,000 returnees into their own database and print timings"
	@echo "make backup BACKUP=file.dump           pg_dump the database of DATABASE_URL (docs/backups.md)"
	@echo "make restore BACKUP=file.dump TARGET=db restore a dump into a new database TARGET"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python node_modules/.installed
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python node_modules/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

# Browser libraries we serve ourselves (Chart.js), exactly as package-lock.json pins them.
node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Creates the database named by DB_NAME when it is missing (trust auth, as on our machines).
db:
	@psql -h $(DB_HOST) -d postgres -Atqc "SELECT 1 FROM pg_database WHERE datname = '$(DB_NAME)'" | grep -q 1 \
		|| { echo "Creating database $(DB_NAME)"; createdb -h $(DB_HOST) $(DB_NAME); }

# Browser tests drive Debian's Chromium; Playwright never downloads a browser.
browser:
	@test -x $(CHROMIUM) || { \
		if [ "$$(id -u)" = 0 ]; then \
			echo "Installing Debian's chromium for the browser tests"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "Browser tests need Debian's chromium: sudo apt-get install chromium" >&2; exit 1; \
		fi; }

# Compiles the ru/ky catalogues (config/locale) into the .mo files Django reads;
# msgfmt is GNU gettext's (Debian package `gettext`).
messages: $(VENV)/.installed
	@command -v msgfmt >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then \
			echo "Installing Debian's gettext for compilemessages"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; \
		else \
			echo "Compiling translations needs GNU gettext's msgfmt: sudo apt-get install gettext" >&2; exit 1; \
		fi; }
	$(MANAGE) compilemessages --locale ru --locale ky --ignore '$(VENV)' --ignore node_modules >/dev/null

run: install db messages
	DJANGO_DEBUG=true $(MANAGE) migrate --noinput
	DJANGO_DEBUG=true $(MANAGE) seed_demo
	@echo
	@echo "Homeward is at http://$(HOST):$(PORT)  (Ctrl-C stops the web server, worker and beat)"
	@echo
	@trap 'kill 0' EXIT; \
	DJANGO_DEBUG=true $(BIN)/celery -A config worker --loglevel=INFO --concurrency=2 & \
	DJANGO_DEBUG=true $(BIN)/celery -A config beat --loglevel=INFO --schedule=$(VENV)/celerybeat-schedule & \
	DJANGO_DEBUG=true $(MANAGE) runserver $(HOST):$(PORT)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

# The suite runs in TEST_WORKERS processes (pytest-xdist), each with its own test database,
# Redis database and export directory (tests/conftest.py). worksteal hands each worker a
# contiguous run of the suite, so a module's tests stay together and its shared `world`
# is built once, and moves tests from the end of one worker's run to an idle one.
TEST_WORKERS ?= 2
PYTEST_PARALLEL := -n $(TEST_WORKERS) --dist worksteal

test: install-dev browser lint messages
	$(BIN)/pytest $(PYTEST_PARALLEL)

# The inner loop: everything but the browser journeys, the API fuzzed lightly.
test-fast: install-dev lint messages
	HOMEWARD_FUZZ_EXAMPLES=$${HOMEWARD_FUZZ_EXAMPLES:-3} $(BIN)/pytest $(PYTEST_PARALLEL) -m "not browser"

# The whole suite under coverage.py (branch coverage; pyproject [tool.coverage]).
coverage: install-dev browser messages
	$(BIN)/pytest $(PYTEST_PARALLEL) --cov --cov-report=term:skip-covered

bench: install-dev
	$(BIN)/python -m tests.bench

# Backups (docs/backups.md): pg_dump -Fc of DATABASE_URL, restored into a new database.
BACKUP ?= homeward-$(shell date -u +%Y%m%dT%H%M%SZ).dump
backup: install
	$(MANAGE) backup --output $(BACKUP)

restore: install
	@test -n "$(TARGET)" || { echo "make restore BACKUP=file.dump TARGET=new_database_name" >&2; exit 1; }
	$(MANAGE) restore $(BACKUP) --database $(TARGET)

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache test-artifacts
