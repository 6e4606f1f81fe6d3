"""End to end: projects mixing ``@asset`` functions and SQL models, built through the
workspace and the CLI; checked by table contents, statuses, error text and the ledger."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from weir.workspace import Workspace

pytestmark = pytest.mark.integration

PROJECT = {
    "dbt_project.yml": """\
        name: shop
        version: "1.0.0"
        profile: shop
        models:
          shop:
            +materialized: view
            marts:
              +materialized: table
        """,
    "seeds/customers.csv": """\
        id,name
        1,ann
        2,bob
        3,cy
        """,
    "seeds/orders.csv": """\
        id,customer_id,amount
        10,1,5
        11,1,7
        12,2,3
        """,
    "models/stg_orders.sql": "select id as order_id, customer_id, amount from {{ ref('orders') }}\n",
    "models/marts/top_customers.sql": """\
        select id, name, orders from {{ ref('customer_orders') }} where orders >= 2
        """,
    "assets/customer_orders.py": """\
        import pandas as pd
        import polars as pl

        from weir import asset


        @asset(description="Customers with their order counts", tags=["daily"])
        def customer_orders(customers: pl.DataFrame, stg_orders: pd.DataFrame):
            counts = stg_orders.groupby("customer_id").size().rename("orders").reset_index()
            joined = customers.join(pl.from_pandas(counts), left_on="id", right_on="customer_id", how="left")
            return joined.with_columns(pl.col("orders").fill_null(0)).sort("id")
        """,
    "assets/spend.py": """\
        import pyarrow as pa
        import pyarrow.compute as pc

        from weir import asset


        @asset(schema="finance")
        def customer_spend(stg_orders):
            grouped = stg_orders.group_by("customer_id").aggregate([("amount", "sum")])
            return grouped.rename_columns(["customer_id", "spend"]).sort_by("customer_id")
        """,
    "assets/schema.yml": """\
        version: 2
        models:
          - name: customer_orders
            columns:
              - name: id
                data_tests: [unique, not_null]
              - name: orders
                data_tests:
                  - expect_column_values_to_be_between: {min_value: 0, max_value: 100}
        """,
}


@pytest.fixture(autouse=True)
def _no_user_profiles(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
    for var in ("DBT_PROFILES_DIR", "WEIR_TARGET"):
        monkeypatch.delenv(var, raising=False)


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        f = root / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def rows(ws: Workspace, name: str, order: str = "1") -> list[dict[str, object]]:
    rel = ws.relation_of(name)
    return ws.query(f"select * from {rel} order by {order}").to_pylist()


def statuses(result: object) -> dict[str, str]:
    return {r.name: r.status for r in result.results}  # type: ignore[attr-defined]


def test_assets_and_sql_models_build_as_one_graph(tmp_path: Path) -> None:
    root = write(tmp_path, PROJECT)
    with Workspace.load(root) as ws:
        result = ws.build()
        assert result.success, [r.message for r in result.results if r.status != "success"]
        assert statuses(result)["customer_orders"] == "success"
        assert statuses(result)["unique_customer_orders_id"] == "pass"
        assert rows(ws, "customer_orders", "id") == [
            {"id": 1, "name": "ann", "orders": 2}, {"id": 2, "name": "bob", "orders": 1},
            {"id": 3, "name": "cy", "orders": 0}]
        assert rows(ws, "top_customers") == [{"id": 1, "name": "ann", "orders": 2}]
        assert rows(ws, "customer_spend") == [{"customer_id": 1, "spend": 12}, {"customer_id": 2, "spend": 3}]
        assert str(ws.relation_of("customer_spend")) == '"main_finance"."customer_spend"'
        by_name = {r.name: r for r in result.results}
        assert by_name["customer_orders"].rows == 3
        # the ledger: node result, table version with the code's version, metrics
        ledger_rows = {r["name"]: r for r in ws.ledger.node_results(result.run_id)}
        assert ledger_rows["customer_orders"]["resource_type"] == "asset"
        assert ledger_rows["customer_orders"]["rows_affected"] == 3
        versions = {v["unique_id"]: v for v in ws.ledger.table_versions(result.run_id)}
        assert versions["asset.shop.customer_orders"]["model_version"] == \
            ws.project.graph.version("asset.shop.customer_orders")
        history = ws.ledger.metric_history("asset.shop.customer_orders", "row_count")
        assert [v for _, _, v in history] == [3]
        # tests ran in the gate, on the staged rows, before the table was published
        order = [r.name for r in result.results]
        assert order.index("stg_orders") < order.index("customer_orders") < order.index("top_customers")


def test_code_change_changes_the_version(tmp_path: Path) -> None:
    root = write(tmp_path, PROJECT)
    with Workspace.load(root) as ws:
        first = ws.build(["+customer_spend"])
        before = {v["unique_id"]: v["model_version"] for v in ws.ledger.table_versions(first.run_id)}
    spend = root / "assets/spend.py"
    spend.write_text(spend.read_text().replace('"spend"]', '"total_spend"]'))
    with Workspace.load(root) as ws:
        second = ws.build(["+customer_spend"])
        assert second.success
        after = {v["unique_id"]: v["model_version"] for v in ws.ledger.table_versions(second.run_id)}
        assert rows(ws, "customer_spend")[0] == {"customer_id": 1, "total_spend": 12}
    assert before["asset.shop.customer_spend"] != after["asset.shop.customer_spend"]
    assert before["seed.shop.orders"] == after["seed.shop.orders"]


def test_selection_runs_only_the_chosen_nodes(tmp_path: Path) -> None:
    root = write(tmp_path, PROJECT)
    with Workspace.load(root) as ws:
        result = ws.build(["+customer_orders"])
        ran = {r.name for r in result.results}
        assert {"customers", "orders", "stg_orders", "customer_orders", "unique_customer_orders_id"} <= ran
        assert not ran & {"top_customers", "customer_spend"}
        result = ws.run(["resource_type:asset"])
        assert {r.name for r in result.results} == {"customer_orders", "customer_spend"}
        result = ws.run(["tag:daily"])
        assert {r.name for r in result.results} == {"customer_orders"}


def test_gate_failure_publishes_nothing(tmp_path: Path) -> None:
    root = write(tmp_path, PROJECT)
    with Workspace.load(root) as ws:
        assert ws.build().success
        good = rows(ws, "customer_orders", "id")
    (root / "seeds/customers.csv").write_text("id,name\n1,ann\n1,ann again\n2,bob\n")
    with Workspace.load(root) as ws:
        result = ws.build()
        by_name = {r.name: r for r in result.results}
        assert by_name["customer_orders"].status == "error"
        assert "quality gate failed, nothing published: unique_customer_orders_id" in by_name["customer_orders"].message
        assert by_name["top_customers"].status == "skipped"
        assert rows(ws, "customer_orders", "id") == good  # the previous version stays published


def test_incremental_asset_merges_new_rows(tmp_path: Path) -> None:
    files = {**PROJECT, "assets/ledger.py": """\
        import pyarrow as pa
        import pyarrow.compute as pc

        from weir import asset
        from weir.assets import AssetContext


        @asset(materialized="incremental", unique_key="order_id", incremental_strategy="merge")
        def order_ledger(stg_orders: pa.Table, context: AssetContext):
            if context.is_incremental:
                high = context.query(f"select max(order_id) as m from {context.this}").column("m")[0].as_py()
                stg_orders = stg_orders.filter(pc.greater_equal(stg_orders["order_id"], high))
            flag = pa.array([context.is_incremental] * stg_orders.num_rows)
            return stg_orders.append_column("incremental", flag)
        """}
    root = write(tmp_path, files)
    with Workspace.load(root) as ws:
        assert ws.build(["+order_ledger"]).success
        assert [(r["order_id"], r["incremental"]) for r in rows(ws, "order_ledger")] == [
            (10, False), (11, False), (12, False)]
    (root / "seeds/orders.csv").write_text("id,customer_id,amount\n10,1,5\n11,1,7\n12,2,30\n13,3,1\n")
    with Workspace.load(root) as ws:
        result = ws.build(["+order_ledger"])
        assert result.success
        assert {r.name: r.rows for r in result.results}["order_ledger"] == 2  # order 12 again, and 13
        assert [(r["order_id"], r["amount"], r["incremental"]) for r in rows(ws, "order_ledger")] == [
            (10, 5, False), (11, 7, False), (12, 30, True), (13, 1, True)]
        result = ws.build(["order_ledger"], full_refresh=True)
        assert [r["incremental"] for r in rows(ws, "order_ledger")] == [False] * 4


def test_failing_asset_names_itself_and_the_line(tmp_path: Path) -> None:
    files = {**PROJECT, "assets/spend.py": """\
        from weir import asset


        def _check(table):
            if table.num_rows < 100:
                raise ValueError(f"only {table.num_rows} orders")
            return table


        @asset
        def customer_spend(stg_orders):
            return _check(stg_orders)


        @asset
        def wrong_type(customers):
            return {"id": [1]}


        @asset
        def missing_column(customers):
            return customers.select(["id", "nickname"])
        """,
        "models/after_spend.sql": "select * from {{ ref('customer_spend') }}\n"}
    root = write(tmp_path, files)
    with Workspace.load(root) as ws:
        result = ws.build()
        by_name = {r.name: r for r in result.results}
        assert by_name["customer_spend"].status == "error"
        assert by_name["customer_spend"].message == (
            "assets/spend.py:6: asset 'customer_spend' raised ValueError: only 3 orders")
        assert by_name["after_spend"].status == "skipped"
        assert by_name["wrong_type"].status == "error"
        assert by_name["wrong_type"].message.startswith(
            "assets/spend.py:16: asset 'wrong_type' returned dict; return a pandas or polars DataFrame")
        # raised inside pyarrow: the line is the asset's own call
        assert by_name["missing_column"].message.startswith(
            "assets/spend.py:22: asset 'missing_column' raised KeyError:")
        assert by_name["customer_orders"].status == "success"  # independent branches still run


def test_cli_build_ls_show(tmp_path: Path) -> None:
    root = write(tmp_path, PROJECT)
    env = {**os.environ, "HOME": str(tmp_path)}

    def weir(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "weir", *args, "--project-dir", str(root)],
                              capture_output=True, text=True, env=env, timeout=300)

    out = weir("build", "-s", "+top_customers")
    assert out.returncode == 0, out.stderr
    assert "SUCCESS asset    customer_orders" in out.stdout
    out = weir("ls", "--resource-type", "asset", "-o", "name")
    assert out.stdout.split() == ["customer_orders", "customer_spend"]
    out = weir("show", "customer_orders", "--format", "csv")
    assert out.stdout.splitlines() == ["id,name,orders", "1,ann,2", "2,bob,1", "3,cy,0"]


def test_inputs_from_sources_and_ephemeral_models(tmp_path: Path) -> None:
    files = {**PROJECT,
             "data/payments.csv": "order_id,paid\n10,5\n12,3\n",
             "models/sources.yml": """\
                 version: 2
                 sources:
                   - name: raw
                     tables:
                       - name: payments
                         config: {external_location: "data/payments.csv"}
                 """,
             "models/big_orders.sql": "{{ config(materialized='ephemeral') }}\n"
                                      "select * from {{ ref('stg_orders') }} where amount >= 5\n",
             "assets/paid.py": """\
                 import polars as pl

                 from weir import asset


                 @asset(ins={"orders": "big_orders"})
                 def paid_big_orders(orders: pl.DataFrame, raw__payments: pl.DataFrame, context):
                     joined = orders.join(raw__payments, on="order_id", how="left")
                     return joined.with_columns(pl.lit(context.vars["currency"]).alias("currency"))
                 """}
    root = write(tmp_path, {**files, "dbt_project.yml": files["dbt_project.yml"] + "vars: {currency: EUR}\n"})
    with Workspace.load(root) as ws:
        result = ws.build(["+paid_big_orders"])
        assert result.success, [r.message for r in result.results]
        assert [(r["order_id"], r["paid"], r["currency"]) for r in rows(ws, "paid_big_orders")] == [
            (10, 5, "EUR"), (11, None, "EUR")]


def test_quarantine_publishes_passing_rows(tmp_path: Path) -> None:
    files = {**PROJECT, "assets/schema.yml": """\
        version: 2
        models:
          - name: customer_orders
            config: {on_fail: quarantine}
            columns:
              - name: orders
                data_tests:
                  - accepted_values: {values: [1, 2], quote: false}
        """}
    root = write(tmp_path, files)
    with Workspace.load(root) as ws:
        result = ws.build(["+customer_orders"])
        by_name = {r.name: r for r in result.results}
        assert by_name["customer_orders"].status == "success"
        assert by_name["customer_orders"].quarantined == 1
        assert [r["id"] for r in rows(ws, "customer_orders", "id")] == [1, 2]
        bad = ws.query('select id, _weir_check from "main"."customer_orders__quarantine"').to_pylist()
        assert bad == [{"id": 3, "_weir_check": "accepted_values_customer_orders_orders__False__1__2"}]
