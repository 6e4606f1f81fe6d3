# The two set-up commands of the README: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck importlint unit differential clean

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

test: $(STAMP) .venvs/dbt/.installed lint typecheck importlint
	WEIR_DBT_VENV=$(CURDIR)/.venvs/dbt $(BIN)/pytest -q -n 2 tests

clean:
	rm -rf $(VENV) .venvs .pytest_cache .mypy_cache .ruff_cache
