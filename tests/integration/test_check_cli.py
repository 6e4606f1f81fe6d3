"""``weir check`` end to end, through a subprocess: CSV and Parquet files, text and JSON
output, exit codes, a suite error with file:line, and a project model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

pytestmark = pytest.mark.integration

SUITE = """name: orders_suite
expectations:
  - expect_column_values_to_not_be_null: {column: order_id}
  - expect_column_values_to_be_unique: {column: order_id}
  - expect_column_values_to_be_between: {column: amount, min_value: 0, max_value: 100, mostly: 0.7}
  - expect_column_values_to_be_in_set:
      column: status
      value_set: [placed, shipped]
      severity: warn
"""


def weir(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "weir", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture()
def files(tmp_path: Path) -> Path:
    (tmp_path / "suite.yml").write_text(SUITE)
    (tmp_path / "orders.csv").write_text(
        "order_id,amount,status\n1,10,placed\n2,20,shipped\n3,500,placed\n4,30,lost\n")
    pq.write_table(pa.table({"order_id": [1, 2, 2, None], "amount": [1.0, 2.0, 3.0, 4.0],
                             "status": ["placed"] * 4}), tmp_path / "orders.parquet")
    return tmp_path


def test_csv_passes_with_a_warning(files: Path) -> None:
    proc = weir("check", "orders.csv", "--suite", "suite.yml", cwd=files)
    assert proc.returncode == 0, proc.stderr
    assert "PASSED 3 passed, 0 failed, 1 warned" in proc.stdout
    assert '"status": "lost"' in proc.stdout  # a sample of the warned check


def test_parquet_fails_with_json_output(files: Path) -> None:
    proc = weir("check", "orders.parquet", "--suite", "suite.yml", "--format", "json", cwd=files)
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert data["success"] is False and data["statistics"]["failed"] == 2
    unique = data["results"][1]
    assert (unique["unexpected_count"], unique["missing_count"]) == (2, 1)
    assert [s["order_id"] for s in unique["samples"]] == [2, 2]


def test_bad_suite_names_file_and_line(files: Path) -> None:
    (files / "bad.yml").write_text(SUITE.replace("{column: order_id}\n  - expect_column_values_to_be_unique",
                                                 "{column: order_idd}\n  - expect_column_values_to_be_unique"))
    proc = weir("check", "orders.csv", "--suite", "bad.yml", cwd=files)
    assert proc.returncode == 1
    assert "bad.yml:3: expect_column_values_to_not_be_null: column 'order_idd' does not exist" in proc.stderr
    assert "did you mean 'order_id'?" in proc.stderr


def test_project_model(tmp_path: Path) -> None:
    assert weir("init", "demo", cwd=tmp_path).returncode == 0
    project = tmp_path / "demo"
    assert weir("build", cwd=project).returncode == 0
    (project / "suite.yml").write_text("expectations:\n  - expect_column_values_to_be_unique: {column: order_id}\n"
                                       "  - expect_table_row_count_to_be_between: {min_value: 100}\n")
    proc = weir("check", "stg_orders", "--suite", "suite.yml", cwd=project)
    assert proc.returncode == 1
    assert "PASS" in proc.stdout and "row count 4 is not >= 100" in proc.stdout
    proc = weir("check", "nothing_here", "--suite", "demo/suite.yml", cwd=tmp_path)
    assert proc.returncode == 1 and "nothing_here is not a file" in proc.stderr
