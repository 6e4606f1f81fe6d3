"""The differential dbt projects (tests/differential/projects) give equal tables with weir
on DuckDB and with weir on Spark local[2], phase by phase, with the same exit codes.

The DuckDB side is the dbt-vs-weir suite's weir side (``weir seed``/``weir build`` per
phase); the Spark side runs in this process through ``weir.Workspace`` on the worker's
running SparkContext (no JVM start per phase). Every relation is compared with the
harness's comparison; where the engines legitimately differ (aggregate types, adapter
dispatch) the project's ``differential.yml`` says so under ``spark:`` (see its README).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

PROJECTS = ["incremental", "jinja_macros", "materializations", "schema_change_fail", "seeds", "snapshots"]


@pytest.mark.parametrize("project", PROJECTS)
def test_project_is_equal_on_duckdb_and_spark(project: str, tmp_path: Path, spark: Any, harness: Any,
                                              shared_tmp: Path) -> None:
    assert project in harness.project_names()
    # the DuckDB side is the dbt-vs-weir test's weir run (once per session, whichever test runs first)
    problems = harness.run_engines(project, tmp_path, cache=shared_tmp / "weir-duckdb-runs")
    assert not problems, f"{project}: weir on Spark differs from weir on DuckDB:\n\n" + "\n\n".join(problems)
