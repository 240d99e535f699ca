# PolicyHub: `make run` serves the site on SQLite with the seed data; `make test` runs the tests.
PORT ?= 8000
# uv must use the Python 3.13 that pyenv (or the system) provides; it cannot download one here.
export UV_PYTHON_DOWNLOADS := never
export UV_NO_PROGRESS := 1
UV := uv
MANAGE := $(UV) run --locked python manage.py

.PHONY: install run serve seed test test-sqlite lint format migrations-check ci clean backup restore

install:  ## Install uv if missing, then build .venv from uv.lock
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --locked

seed: install  ## Migrate the database and load the seed data (idempotent)
	$(MANAGE) migrate --no-input
	$(MANAGE) createcachetable
	$(MANAGE) load_seed
	$(MANAGE) import_287g fixtures/ice-287g/snapshots

run: export DEBUG ?= 1
run: seed  ## Serve the site on http://127.0.0.1:$(PORT) with the seed data loaded
	$(MANAGE) runserver 127.0.0.1:$(PORT)

# Tests run with DEBUG off, as production does, so they need a (throwaway) secret key.
test: export SECRET_KEY ?= test-only-secret-key
test: export SECURE_COOKIES ?= 0
test: install  ## Run the test suite (DATABASE_URL selects the database; SQLite by default)
	$(UV) run --locked pytest $(PYTEST_ARGS)

lint: install
	$(UV) run --locked ruff check .
	$(UV) run --locked ruff format --check .

format: install
	$(UV) run --locked ruff check --fix .
	$(UV) run --locked ruff format .

migrations-check: export DEBUG ?= 1
migrations-check: install
	$(MANAGE) makemigrations --check --dry-run

# Backups of the database DATABASE_URL names: pg_dump's custom format on PostgreSQL, the
# online backup API on SQLite. Both run while the site serves. README, "Backups".
BACKUP ?= backups/policyhub-$(shell date -u +%Y%m%dT%H%M%SZ).backup
backup: install  ## Write a backup of the database to $(BACKUP)
	$(MANAGE) backup $(BACKUP)

restore: install  ## Replace the database's contents with the backup in $(BACKUP), then check it
	@test -n "$(BACKUP)" -a -f "$(BACKUP)" || { echo "make restore BACKUP=path/to/file"; exit 2; }
	$(MANAGE) restore $(BACKUP)
	$(MANAGE) createcachetable
	$(MANAGE) check_positions

ci:  ## What CI runs (needs PostgreSQL on 127.0.0.1:5432)
	bash .ci/run

clean:
	rm -rf .venv staticfiles policyhub.sqlite3

# The national-scale benchmark (docs/benchmarks.md): PostgreSQL on 127.0.0.1:5432 required.
# BENCH_SCALE=0.1 for a smaller run; BENCH_FRESH=1 regenerates the database.
.PHONY: bench
bench: install  ## Benchmark PolicyHub against the floor and Datasette at national scale
	$(UV) run --locked python bench/national.py

# The production load mix against a gunicorn started on loopback (README, "Production"):
# LOAD_MIX_ARGS="--toggles 60 --kill-connections" adds publishing and killed connections.
.PHONY: load-mix schemathesis
load-mix: install  ## Run the load mix at concurrency 50 and print errors, latency, CPU
	$(UV) run --locked python bench/load_mix.py $(LOAD_MIX_ARGS)

MAX_EXAMPLES ?= 250
schemathesis: install  ## schemathesis against a live server's schema; fails on any 5xx
	$(UV) run --locked python bench/schemathesis_live.py --max-examples $(MAX_EXAMPLES)
