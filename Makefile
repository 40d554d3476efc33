# leadkeeper: the two commands are `make run` and `make test`.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WEB_CONCURRENCY ?= 4

.PHONY: run test serve demo install install-dev lint fmt env migrate bench clean messages

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Both targets install from the same pins (constraints.txt); a stamp skips reinstalling.
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install -q -c constraints.txt -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Secrets for this machine only (SECRET_KEY, FIELD_ENCRYPTION_KEYS), generated once into var/.env.
env: install
	@$(BIN)/python -m leadkeeper.bootstrap_env
	@$(BIN)/python -m leadkeeper.catalogues compile

# Translations (docs/i18n.md): collect new strings into every app's .po, then compile the
# .mo files with Babel (Python only, no system gettext). Commit both.
messages: install
	$(BIN)/python -m leadkeeper.catalogues update
	$(BIN)/python -m leadkeeper.catalogues compile

migrate: env
	$(BIN)/python manage.py migrate --noinput -v 0
	SITE_URL=http://$(HOST):$(PORT) $(BIN)/python manage.py ensure_staff

run: migrate
	@echo "leadkeeper: site, worker and scheduler on http://$(HOST):$(PORT)/ (Ctrl-C stops them all)"
	@PORT=$(PORT) HOST=$(HOST) $(BIN)/honcho -f Procfile start

# Fill the local database with realistic synthetic visits, leads and bookings (for the reports).
# --force: DEBUG is off by default, and typing `make demo` is the developer's explicit intent.
demo: migrate
	$(BIN)/python manage.py generate_demo_data --visits 30000 --leads 450 --force

# Production server: gunicorn, WEB_CONCURRENCY workers (bench/leads.py compares it with granian).
serve: migrate
	$(BIN)/python manage.py collectstatic --noinput -v 0
	PORT=$(PORT) HOST=$(HOST) WEB_CONCURRENCY=$(WEB_CONCURRENCY) $(BIN)/honcho -f Procfile.serve start

# `register check` lints the register and proves every promise of the policy by a test.
test: install-dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	DJANGO_SETTINGS_MODULE=leadkeeper.settings_test $(BIN)/python manage.py register check
	$(BIN)/pytest -q $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/ruff format --check .

fmt: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Benchmarks print ratios against a baseline measured in the same run (not part of make test).
# Each runs on SQLite, then on PostgreSQL when DATABASE_URL names a server. The sizes here are
# small, so the whole target takes minutes; each script's defaults (or flags) are the full runs
# whose figures the README and docs/ quote.
BENCH_DB_LIST = sqlite $(if $(findstring postgres,$(DATABASE_URL)),postgres)
BENCH_DBS = $(foreach db,$(BENCH_DB_LIST),--db $(db))
bench: install-dev
	$(BIN)/python bench/leads.py $(BENCH_DBS) --seconds 4
	$(BIN)/python bench/collector.py $(BENCH_DBS) --seconds 4
	$(BIN)/python bench/webhooks.py $(BENCH_DBS)
	$(BIN)/python bench/submit_to_kommo.py $(BENCH_DBS)
	for db in $(BENCH_DB_LIST); do $(BIN)/python bench/crm_delivery.py --db $$db --leads 350 || exit 1; done
	env -u DATABASE_URL $(BIN)/python bench/consent.py
	$(if $(findstring postgres,$(DATABASE_URL)),$(BIN)/python bench/consent.py)
	$(BIN)/python bench/reports.py $(BENCH_DBS) --events 200000 --leads 2000 --days 60
	$(BIN)/python bench/retention_sweep.py $(BENCH_DBS) --events 20000 --leads 500
	$(BIN)/python bench/rights_subject.py $(BENCH_DBS) --events 20000 --leads 2000

clean:
	rm -rf $(VENV) staticfiles
