# l2portal: `make run` serves the portal, `make test` runs the whole suite.
VENV ?= .venv
PY := $(VENV)/bin/python
CELERY := $(VENV)/bin/celery
HOST ?= 127.0.0.1
PORT ?= 8000
METADATA_PORT ?= 8765
# The queues the apps declare (PortalApp.queues), read when a worker starts.
QUEUES = $$($(PY) manage.py queues)

.PHONY: run test worker beat lint format bench venv demo

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

# The portal with a Celery worker (and beat) beside it; without DATABASE_URL / CELERY_BROKER_URL on
# SQLite and a broker folder under var/ (no server needed); without METADATA_STORE_URL with the
# local demo metadata store (DKIST's GraphQL store stand-in) too. Ctrl-C stops them all.
run: venv var/secret_key
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	@export DJANGO_SECRET_KEY="$${DJANGO_SECRET_KEY:-$$(cat var/secret_key)}" \
	  DJANGO_ALLOWED_HOSTS="$${DJANGO_ALLOWED_HOSTS:-localhost,127.0.0.1}"; \
	if [ -z "$$METADATA_STORE_URL" ]; then \
	  $(PY) -m l2portal.programs.standins.metadata_server --port $(METADATA_PORT) --demo & store=$$!; \
	  export METADATA_STORE_URL=http://127.0.0.1:$(METADATA_PORT)/graphql; \
	fi; \
	$(CELERY) -A l2portal worker -B -s var/celerybeat-schedule -Q $(QUEUES) -l info --concurrency 2 & \
	worker=$$!; trap 'kill $$worker $$store 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

# A secret key of this installation for `make run` (production sets DJANGO_SECRET_KEY).
var/secret_key:
	@mkdir -p var && umask 077 && $(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@

# One worker on every queue; run more on other hosts against the same PostgreSQL and Redis.
worker: venv
	$(CELERY) -A l2portal worker -Q $(QUEUES) -l info --concurrency $${CONCURRENCY:-2}

beat: venv
	$(CELERY) -A l2portal beat -l info --schedule $${CELERY_BEAT_SCHEDULE_FILE:-var/celerybeat-schedule}

demo: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Without DATABASE_URL / CELERY_BROKER_URL: PostgreSQL and Redis where they answer on their default
# local ports, else SQLite and no broker (tests/local_services.py says which); the run ends with
# what it skipped and why. PYTEST_ARGS narrows it (CI's pass without services).
test: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	@services="$$($(PY) -m tests.local_services)" && eval "$$services" && $(VENV)/bin/pytest $(PYTEST_ARGS)

# Every benchmark; those on PostgreSQL and Redis only when DATABASE_URL / CELERY_BROKER_URL point at them.
bench: venv
	$(PY) benchmarks/bench_ft2.py
	$(PY) benchmarks/bench_halfpipe_merge.py
	$(PY) benchmarks/bench_ppr.py
	$(PY) benchmarks/bench_restore_ngas.py
	@case "$$DATABASE_URL" in postgres*) \
	  $(PY) benchmarks/bench_transitions.py && $(PY) benchmarks/bench_programs.py && \
	  $(PY) benchmarks/bench_registry.py && $(PY) benchmarks/bench_load.py ;; \
	  *) echo "bench_transitions, bench_programs, bench_registry, bench_load: set DATABASE_URL to PostgreSQL" ;; esac
	@case "$$DATABASE_URL,$$CELERY_BROKER_URL" in postgres*,redis*) \
	  $(PY) benchmarks/bench_campaign.py && $(PY) benchmarks/bench_halfpipe_orchestration.py ;; \
	  *) echo "bench_campaign, bench_halfpipe_orchestration: set DATABASE_URL and CELERY_BROKER_URL" ;; esac
