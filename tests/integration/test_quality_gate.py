"""Great-Expectations-named checks in schema.yml: validated at load, run in one scan on
staged rows before publishing, quarantine, metrics and data docs."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from weir import Workspace
from weir.errors import ProjectError

pytestmark = pytest.mark.integration

SCHEMA = """\
version: 2
models:
  - name: orders
    config:
      materialized: table
      on_fail: {on_fail}
    data_tests:
      - expect_table_row_count_to_be_between: {{min_value: 1}}
    columns:
      - name: order_id
        data_tests:
          - expect_column_values_to_not_be_null
          - expect_column_values_to_be_unique
      - name: amount
        data_tests:
          - expect_column_values_to_be_between: {{min_value: 0, max_value: 100}}
      - name: status
        data_tests:
          - expect_column_values_to_be_in_set:
              value_set: [completed, pending]
"""


def project(tmp_path: Path, on_fail: str, csv: str) -> Path:
    root = tmp_path / "q"
    files = {
        "dbt_project.yml": "name: q\n",
        "seeds/raw.csv": csv,
        "models/orders.sql": "select * from {{ ref('raw') }}\n",
        "models/schema.yml": SCHEMA.format(on_fail=on_fail),
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text))
    return root


GOOD = "order_id,amount,status\n1,10,completed\n2,20,pending\n"
BAD = GOOD + "3,500,completed\n,5,pending\n4,6,lost\n2,7,completed\n"


def test_expectations_gate_the_commit(tmp_path: Path) -> None:
    root = project(tmp_path, "error", GOOD)
    with Workspace.load(root) as ws:
        assert ws.build().success
    (root / "seeds/raw.csv").write_text(BAD)
    with Workspace.load(root) as ws:
        result = ws.build()
        by = {r.name: r for r in result.results}
        assert by["orders"].status == "error"
        assert "quality gate failed, nothing published" in by["orders"].message
        assert "expect_column_values_to_be_between_orders_amount__100__0" in by["orders"].message
        # the previous version is still what readers see
        assert sorted(r["order_id"] for r in ws.read_table("orders").to_pylist()) == [1, 2]


def test_quarantine_rows_in_equal_published_plus_quarantined(tmp_path: Path) -> None:
    root = project(tmp_path, "quarantine", BAD)
    with Workspace.load(root) as ws:
        result = ws.build()
        assert result.success, [(r.name, r.status, r.message) for r in result.results]
        orders = next(r for r in result.results if r.name == "orders")
        published = ws.read_table("orders").to_pylist()
        quarantined = ws.query("select order_id, _weir_check from main.orders__quarantine").to_pylist()
    assert orders.rows == len(published) and orders.quarantined == len(quarantined)
    assert len(published) + len(quarantined) == 6  # rows in
    assert sorted(r["order_id"] for r in published) == [1]
    reasons = {r["order_id"]: r["_weir_check"] for r in quarantined}
    assert "amount" in reasons[3] and "status" in reasons[4] and "not_be_null" in reasons[None]
    # both rows with order_id 2 break uniqueness
    assert [k for k in reasons if k == 2] == [2] and len([r for r in quarantined if r["order_id"] == 2]) == 2


def test_bad_expectation_argument_is_reported_at_load(tmp_path: Path) -> None:
    root = project(tmp_path, "error", GOOD)
    text = (root / "models/schema.yml").read_text().replace("max_value: 100", "max_valu: 100")
    (root / "models/schema.yml").write_text(text)
    with pytest.raises(ProjectError) as err:
        Workspace.load(root)
    assert "models/schema.yml:" in str(err.value) and "did you mean 'max_value'" in str(err.value)


def test_metrics_history_and_data_docs(tmp_path: Path) -> None:
    root = project(tmp_path, "error", GOOD)
    for _ in range(2):
        with Workspace.load(root) as ws:
            assert ws.build().success
    proc = subprocess.run([sys.executable, "-m", "weir", "checks", "report", "--project-dir", str(root)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    html = (root / "target" / "checks" / "index.html").read_text()
    assert "main.orders" in html and "<svg" in html
    assert "expect_column_values_to_be_unique_orders_order_id" in html


def test_incremental_uniqueness_is_checked_on_the_merged_table(tmp_path: Path) -> None:
    root = tmp_path / "inc"
    files = {
        "dbt_project.yml": "name: inc\n",
        "seeds/raw.csv": "id,code\n1,a\n2,b\n",
        "models/events.sql": "{{ config(materialized='incremental', incremental_strategy='append') }}\n"
                             "select * from {{ ref('raw') }}\n"
                             "{% if is_incremental() %}where id > (select max(id) from {{ this }}){% endif %}\n",
        "models/schema.yml": "version: 2\nmodels:\n  - name: events\n    columns:\n      - name: code\n"
                             "        data_tests: [expect_column_values_to_be_unique]\n",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    with Workspace.load(root) as ws:
        assert ws.build().success
    (root / "seeds/raw.csv").write_text("id,code\n1,a\n2,b\n3,a\n")  # the batch alone is unique
    with Workspace.load(root) as ws:
        result = ws.build()
        events = next(r for r in result.results if r.name == "events")
        assert events.status == "error" and "expect_column_values_to_be_unique" in events.message
        assert sorted(r["id"] for r in ws.read_table("events").to_pylist()) == [1, 2]
