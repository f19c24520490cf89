# One command runs it (`make run`), another tests it (`make test`).
# The embedded default: SQLite under var/, Celery tasks run eagerly, no other service.
# Set DATABASE_URL and REDIS_URL (see .env.example) for PostgreSQL, Redis and real workers.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_TICKETS ?= 2000
# Development defaults; production sets DEBUG=0 and a real SECRET_KEY in the environment.
export DEBUG ?= 1

.PHONY: install assets migrate demo run test lint format worker beat bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is required (see README)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

static/vendor/.built: package.json package-lock.json scripts/copy-vendor.mjs
	@command -v npm >/dev/null || { echo "Node.js and npm are required (see README)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	npm run --silent build
	touch $@

install: $(VENV)/.installed assets

assets: static/vendor/.built

migrate: install
	@mkdir -p var
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo --tickets $(DEMO_TICKETS)

run: demo
	@echo ""
	@echo "  Helpdesk on http://$(HOST):$(PORT)/"
	@echo "  Demo logins (password: demo): agent, manager, admin, qa, customer"
	@echo ""
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install
	@mkdir -p var
	$(PY) -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: install
	@mkdir -p var
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/bandit -c pyproject.toml -r . -q
	$(PY) scripts/pip_audit.py

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

worker: install
	$(VENV)/bin/celery -A helpdesk worker --loglevel=INFO --concurrency=2

beat: install
	$(VENV)/bin/celery -A helpdesk beat --loglevel=INFO --schedule=var/celerybeat-schedule

# PostgreSQL and Redis from DATABASE_URL/REDIS_URL; BENCH_TICKETS (default 1000000) sizes the data.
bench: install
	@mkdir -p var/bench
	DEBUG=0 $(PY) -m bench

clean:
	rm -rf $(VENV) node_modules static/vendor var
