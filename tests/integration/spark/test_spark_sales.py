"""The seed's PySpark job (examples/spark_sales): one Python model, run with the Spark
DataFrame API on Spark and with DuckDB relations on DuckDB, gives the same Delta table,
on the first build and after the second day's data is merged in."""

from __future__ import annotations

import datetime
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from weir import Workspace

pytestmark = pytest.mark.integration
EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "spark_sales"


def _build(root: Path, target: str) -> Any:
    with Workspace.load(root, target=target) as ws:
        result = ws.build()
        assert result.success, [(r.name, r.message) for r in result.results if r.status != "success"]
        return ws.read_table("main", "daily_sales_summary")


def test_seed_job_gives_equal_tables_on_duckdb_and_spark(tmp_path: Path, spark: Any, harness: Any) -> None:
    root = tmp_path / "spark_sales"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("lakehouse", "target", ".weir"))
    settings = yaml.safe_load((root / "weir.yml").read_text())
    settings["targets"]["duck"]["warehouse"] = "lake_duck"
    settings["targets"]["spark"]["warehouse"] = "lake_spark"
    (root / "weir.yml").write_text(yaml.safe_dump(settings))
    for day in (1, 2):
        subprocess.run([sys.executable, str(root / "generate.py"), "--day", str(day), "--out", str(root / "seeds")],
                       check=True)
        duck, sp = _build(root, "duck"), _build(root, "spark")
        dates = sorted(set(sp.column("sale_date").to_pylist()))
        assert dates == [datetime.date(2024, 1, 15) + datetime.timedelta(days=d) for d in range(day)]
        assert sp.num_rows == 3 * day  # one row per day and category: merged, not appended
        problems = harness.compare_table(("main", "daily_sales_summary"), duck, sp, [], [], set(),
                                         labels=("duckdb", "spark"), check_types=True)
        assert not problems, "\n".join(problems)
    assert spark.range(3).count() == 3  # the workspaces shared this process's Spark and left it running
    # day 2's extract completed day 1's pending orders: the merge updated day 1's rows
    day1 = [r for r in sp.to_pylist() if r["sale_date"] == datetime.date(2024, 1, 15)]
    assert sum(r["order_count"] for r in day1) > 19  # 19 completed orders on day 1's first extract
