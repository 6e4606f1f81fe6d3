#!/usr/bin/env bash
# Creates the venv holding the reference implementation (dbt-core 1.11 + dbt-duckdb)
# used by the differential tests and the core benchmark. Kept apart from weir's venv
# so dbt's pins never leak into ours.
set -euo pipefail
dest=${1:-.venvs/dbt}
python3 -m venv "$dest"
"$dest/bin/pip" install -q --upgrade pip
# dbt-core 1.12 does not install offline here; 1.11 is the reference.
# pandas + pyarrow: dbt-duckdb's Python models need them.
"$dest/bin/pip" install -q 'dbt-core==1.11.*' dbt-duckdb pandas pyarrow
touch "$dest/.installed"
