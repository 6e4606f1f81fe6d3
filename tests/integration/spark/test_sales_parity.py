"""The sales example (examples/sales: sources read in place, views, ephemerals, tables, an
incremental, a Python asset, a SCD2 snapshot, tests and the gate) gives equal tables on
DuckDB and on Spark local[2], over two days of data. The snapshot uses custom meta column
names here (``select * rename`` in weir's SQL, spelled out for Spark)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from weir import Workspace
from weir.sql.relation import Relation

pytestmark = pytest.mark.integration
EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "sales"
META_NAMES = "snapshot_meta_column_names={'dbt_valid_from': 'valid_from', 'dbt_valid_to': 'valid_to', 'dbt_scd_id': 'scd_id'},"


def _tables(root: Path, target: str) -> dict[tuple[str, str], Any]:
    with Workspace.load(root, target=target) as ws:
        result = ws.build()
        assert result.success, [(r.name, r.message) for r in result.results if r.status not in ("success", "pass")]
        delta = ws.formats["delta"]  # the lakehouse tables (views are not compared)
        return {(s, n): ws.read_table(s, n) for s, n in ws.relations()
                if delta.exists(Relation(schema=s, identifier=n))}


def test_sales_example_is_equal_on_duckdb_and_spark(tmp_path: Path, spark: Any, harness: Any) -> None:
    root = tmp_path / "sales"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("data", "lakehouse", "target", ".weir"))
    (root / "weir.yml").write_text(yaml.safe_dump({"targets": {
        "duck": {"type": "duckdb", "warehouse": "lake_duck"},
        "spark": {"type": "spark", "master": "local[2]", "warehouse": "lake_spark", "threads": 2}}}))
    snapshot = root / "snapshots" / "customers_snapshot.sql"
    snapshot.write_text(snapshot.read_text().replace("strategy='timestamp',", "strategy='timestamp', " + META_NAMES))
    tests = root / "snapshots" / "snapshots.yml"
    tests.write_text(tests.read_text().replace("name: dbt_scd_id", "name: scd_id"))
    for day in (1, 2):
        subprocess.run([sys.executable, str(root / "generate.py"), "--day", str(day)], check=True,
                       capture_output=True)
        duck, sp = _tables(root, "duck"), _tables(root, "spark")
        assert sorted(duck) == sorted(sp)
        assert ("snapshots", "customers_snapshot") in sp
        problems = []
        for key in sorted(duck):
            # values equal; aggregate types follow each engine's rules (docs/spark.md)
            problems += harness.compare_table(key, duck[key], sp[key], [], [], set(), labels=("duckdb", "spark"),
                                              check_types=False)
        assert not problems, "\n".join(problems)
    history = sp[("snapshots", "customers_snapshot")]
    assert {"valid_from", "valid_to", "scd_id"} <= set(history.column_names)
    assert history.num_rows > duck[("main", "dim_customers")].num_rows  # day 2 changed some customers
