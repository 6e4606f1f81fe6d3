# The two set-up commands of the README: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test deps checks lint typecheck importlint unit differential clean install-services services-stop

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python examples/sales/demo.py

lint: $(STAMP)
	$(BIN)/ruff check src tests bench examples

typecheck: $(STAMP)
	$(BIN)/mypy

importlint: $(STAMP)
	$(BIN)/lint-imports

# The differential suite compares with dbt-core + dbt-duckdb, installed in their own venv.
.venvs/dbt/.installed:
	bash scripts/dbt_venv.sh .venvs/dbt

# Sail (pysail, a Spark Connect server with Delta) for tests/integration/spark/test_sail.py, in its own
# venv: its client pin (pyspark-client 4.2) clashes with weir's pyspark.
.venvs/sail/.installed:
	$(PY) scripts/services.py install sail

# Debian PostgreSQL and MariaDB for the integration tests (SeaweedFS and tansu come from PyPI).
install-services:
	bash scripts/install_services.sh

services-stop:
	-$(BIN)/python scripts/services.py stop

# Everything the tests need, installed side by side: the three venvs and the Debian packages
# do not depend on each other, and each mostly waits on downloads and the disk.
deps:
	$(MAKE) -j4 --output-sync=target $(STAMP) .venvs/dbt/.installed .venvs/sail/.installed install-services

# The static checks, side by side (mypy takes the longest).
checks: $(STAMP)
	$(MAKE) -j3 --output-sync=target lint typecheck importlint

# Tests start the services they need through scripts/services.py; they are stopped afterwards.
test: deps
	$(MAKE) checks
	WEIR_DBT_VENV=$(CURDIR)/.venvs/dbt $(BIN)/pytest -q -n 2 tests; status=$$?; \
	$(BIN)/python scripts/services.py stop >/dev/null; exit $$status

clean:
	rm -rf $(VENV) .venvs .pytest_cache .mypy_cache .ruff_cache
