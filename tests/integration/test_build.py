"""End to end: small dbt projects seeded and built through ``weir.Workspace`` and the ``weir``
CLI, checked by what a user sees: table contents, statuses, exit codes, printed output and
the Delta tables in the lakehouse folder."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import deltalake
import pytest

from weir.workspace import Workspace

pytestmark = pytest.mark.integration

# -- a small shop project -------------------------------------------------------------------

PROJECT = {
    "dbt_project.yml": """\
        name: shop
        version: "1.0.0"
        profile: shop
        models:
          shop:
            staging:
              +materialized: view
            marts:
              +materialized: table
        """,
    "seeds/raw_orders.csv": """\
        id,customer_id,status,amount,updated_at
        1,10,completed,10,2024-01-01 10:00:00
        2,10,pending,20,2024-01-01 11:00:00
        3,11,completed,30,2024-01-01 12:00:00
        """,
    "models/staging/stg_orders.sql": """\
        select id as order_id, customer_id, status, amount, updated_at
        from {{ ref('raw_orders') }}
        """,
    "models/staging/eph_completed.sql": """\
        {{ config(materialized='ephemeral') }}
        select * from {{ ref('stg_orders') }} where status = 'completed'
        """,
    "models/marts/customer_revenue.sql": """\
        select customer_id, count(*) as orders, sum(amount) as revenue
        from {{ ref('eph_completed') }}
        group by customer_id
        """,
    "models/marts/inc_append.sql": """\
        {{ config(materialized='incremental') }}
        select order_id, status, amount, updated_at from {{ ref('stg_orders') }}
        {% if is_incremental() %}
        where updated_at > (select max(updated_at) from {{ this }})
        {% endif %}
        """,
    "models/marts/inc_merge.sql": """\
        {{ config(materialized='incremental', unique_key='order_id', incremental_strategy='merge') }}
        select order_id, status, amount, updated_at from {{ ref('stg_orders') }}
        {% if is_incremental() %}
        where updated_at > (select max(updated_at) from {{ this }})
        {% endif %}
        """,
    "models/marts/inc_delete_insert.sql": """\
        {{ config(materialized='incremental', unique_key='customer_id',
                  incremental_strategy='delete+insert') }}
        select order_id, customer_id, status, amount, updated_at from {{ ref('stg_orders') }}
        {% if is_incremental() %}
        where updated_at > (select max(updated_at) from {{ this }})
        {% endif %}
        """,
    "snapshots/orders_snapshot.sql": """\
        {% snapshot orders_snapshot %}
        {{ config(target_schema='snapshots', unique_key='id', strategy='timestamp',
                  updated_at='updated_at') }}
        select id, status, amount, updated_at from {{ ref('raw_orders') }}
        {% endsnapshot %}
        """,
    "models/schema.yml": """\
        version: 2
        models:
          - name: stg_orders
            columns:
              - name: order_id
                data_tests: [not_null, unique]
          - name: customer_revenue
            columns:
              - name: customer_id
                data_tests: [not_null, unique]
        """,
}

# order 2 changed (pending 20 -> completed 25), order 4 is new
ORDERS_V2 = """\
    id,customer_id,status,amount,updated_at
    1,10,completed,10,2024-01-01 10:00:00
    2,10,completed,25,2024-01-02 09:00:00
    3,11,completed,30,2024-01-01 12:00:00
    4,12,pending,40,2024-01-02 10:00:00
    """


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


T1, T2, T3 = ts("2024-01-01 10:00:00"), ts("2024-01-01 11:00:00"), ts("2024-01-01 12:00:00")
T2_NEW, T4 = ts("2024-01-02 09:00:00"), ts("2024-01-02 10:00:00")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No ~/.dbt/profiles.yml or target variables of the developer's: the embedded target."""
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
    for var in ("DBT_PROFILES_DIR", "WEIR_TARGET"):
        monkeypatch.delenv(var, raising=False)


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        f = root / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    return write(tmp_path / "shop", PROJECT)


def build(root: Path, **kw: Any) -> Any:
    with Workspace.load(root) as ws:
        return ws.build(**kw)


def _sorted_rows(table: Any) -> list[tuple[Any, ...]]:
    return sorted((tuple(r.values()) for r in table.to_pylist()), key=repr)


def rows(root: Path, name: str) -> list[tuple[Any, ...]]:
    with Workspace.load(root) as ws:
        return _sorted_rows(ws.read_table(name))


def all_rows(root: Path, names: list[str]) -> dict[str, list[tuple[Any, ...]]]:
    with Workspace.load(root) as ws:
        return {n: _sorted_rows(ws.read_table(n)) for n in names}


def columns(root: Path, name: str) -> list[str]:
    with Workspace.load(root) as ws:
        return ws.read_table(name).column_names


def statuses(result: Any) -> dict[str, str]:
    return {r.name: r.status for r in result.results}


def messages(result: Any) -> dict[str, str]:
    return {r.name: r.message for r in result.results}


def weir(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "weir", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=120)


def delta_path(root: Path, schema: str, table: str) -> Path:
    return root / "lakehouse" / schema / table


# -- builds ------------------------------------------------------------------------------------

def test_build_creates_tables_with_expected_rows(shop: Path) -> None:
    result = build(shop)
    assert result.success, messages(result)
    st = statuses(result)
    for name in ("raw_orders", "stg_orders", "customer_revenue", "inc_append", "orders_snapshot"):
        assert st[name] == "success", (name, st)
    assert st["not_null_stg_orders_order_id"] == "pass"
    assert rows(shop, "raw_orders") == [
        (1, 10, "completed", 10, T1), (2, 10, "pending", 20, T2), (3, 11, "completed", 30, T3)]
    assert rows(shop, "customer_revenue") == [(10, 1, 10), (11, 1, 30)]
    assert columns(shop, "customer_revenue") == ["customer_id", "orders", "revenue"]


def test_tables_are_delta_tables_in_the_lakehouse(shop: Path) -> None:
    build(shop)
    for schema, table in [("main", "raw_orders"), ("main", "customer_revenue"), ("main", "inc_merge"),
                          ("snapshots", "orders_snapshot")]:
        path = delta_path(shop, schema, table)
        assert (path / "_delta_log").is_dir(), path
        assert deltalake.DeltaTable(str(path)).version() == 0


def test_view_has_no_table_and_follows_its_input(shop: Path) -> None:
    build(shop)
    assert not delta_path(shop, "main", "stg_orders").exists()  # a view stores no data
    write(shop, {"seeds/raw_orders.csv": ORDERS_V2})
    with Workspace.load(shop) as ws:
        assert ws.seed().success
    # the view shows the new seed at once; the table keeps what the last build wrote
    assert [r[0] for r in rows(shop, "stg_orders")] == [1, 2, 3, 4]
    assert rows(shop, "customer_revenue") == [(10, 1, 10), (11, 1, 30)]


def test_ephemeral_model_is_inlined_and_leaves_no_relation(shop: Path) -> None:
    result = build(shop)
    assert statuses(result)["eph_completed"] == "success"
    assert not delta_path(shop, "main", "eph_completed").exists()
    with Workspace.load(shop) as ws:
        assert ("main", "eph_completed") not in ws.relations()
        assert ("main", "customer_revenue") in ws.relations()
        assert ("main", "stg_orders") in ws.relations()
    compiled = (shop / "target" / "compiled" / "shop" / "models" / "marts" / "customer_revenue.sql").read_text()
    assert "__dbt__cte__eph_completed" in compiled
    assert "status = 'completed'" in compiled  # the ephemeral's own SQL, inlined


def test_incremental_strategies_over_two_builds(shop: Path) -> None:
    assert build(shop).success
    first = [(1, "completed", 10, T1), (2, "pending", 20, T2), (3, "completed", 30, T3)]
    assert rows(shop, "inc_append") == first
    assert rows(shop, "inc_merge") == first

    write(shop, {"seeds/raw_orders.csv": ORDERS_V2})
    result = build(shop)
    assert result.success, messages(result)

    # append: the changed order is added again, its old row stays
    assert rows(shop, "inc_append") == [
        (1, "completed", 10, T1), (2, "completed", 25, T2_NEW), (2, "pending", 20, T2),
        (3, "completed", 30, T3), (4, "pending", 40, T4)]
    # merge on order_id: the changed order is updated in place
    assert rows(shop, "inc_merge") == [
        (1, "completed", 10, T1), (2, "completed", 25, T2_NEW), (3, "completed", 30, T3),
        (4, "pending", 40, T4)]
    # delete+insert on customer_id: every old row of customer 10 goes, the new batch comes in
    assert rows(shop, "inc_delete_insert") == [
        (2, 10, "completed", 25, T2_NEW), (3, 11, "completed", 30, T3), (4, 12, "pending", 40, T4)]
    # one commit per build
    assert deltalake.DeltaTable(str(delta_path(shop, "main", "inc_merge"))).version() == 1


def test_full_refresh_rebuilds_incremental_models(shop: Path) -> None:
    build(shop)
    write(shop, {"seeds/raw_orders.csv": ORDERS_V2})
    build(shop)
    assert len(rows(shop, "inc_append")) == 5
    result = build(shop, full_refresh=True)
    assert result.success, messages(result)
    everything = [(1, "completed", 10, T1), (2, "completed", 25, T2_NEW), (3, "completed", 30, T3),
                  (4, "pending", 40, T4)]
    assert rows(shop, "inc_append") == everything
    assert rows(shop, "inc_merge") == everything
    assert rows(shop, "inc_delete_insert") == [
        (1, 10, "completed", 10, T1), (2, 10, "completed", 25, T2_NEW), (3, 11, "completed", 30, T3),
        (4, 12, "pending", 40, T4)]


def test_full_refresh_from_the_cli(shop: Path) -> None:
    build(shop)
    write(shop, {"seeds/raw_orders.csv": ORDERS_V2})
    # an incremental build would append orders 2 and 4 (5 rows); a full refresh rebuilds (4 rows)
    proc = weir("build", "--full-refresh", "--select", "+inc_append", cwd=shop)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [r[0] for r in rows(shop, "inc_append")] == [1, 2, 3, 4]


def snapshot_rows(root: Path) -> list[tuple[Any, ...]]:
    with Workspace.load(root) as ws:
        table = ws.query("select id, status, amount, dbt_valid_from, dbt_valid_to "
                         "from snapshots.orders_snapshot order by id, dbt_valid_from")
    return [tuple(r.values()) for r in table.to_pylist()]


def test_snapshot_timestamp_strategy_closes_changed_rows(shop: Path) -> None:
    assert build(shop).success
    assert snapshot_rows(shop) == [
        (1, "completed", 10, T1, None), (2, "pending", 20, T2, None), (3, "completed", 30, T3, None)]
    with Workspace.load(shop) as ws:
        snap_cols = ws.read_table("orders_snapshot").column_names
    assert {"dbt_scd_id", "dbt_updated_at", "dbt_valid_from", "dbt_valid_to"} <= set(snap_cols)

    write(shop, {"seeds/raw_orders.csv": ORDERS_V2})
    result = build(shop)
    assert result.success, messages(result)
    assert snapshot_rows(shop) == [
        (1, "completed", 10, T1, None),
        (2, "pending", 20, T2, T2_NEW),       # closed when the new version became valid
        (2, "completed", 25, T2_NEW, None),   # the open, current version
        (3, "completed", 30, T3, None),
        (4, "pending", 40, T4, None),
    ]


def test_snapshot_unchanged_input_adds_nothing(shop: Path) -> None:
    build(shop)
    before = snapshot_rows(shop)
    with Workspace.load(shop) as ws:
        assert ws.snapshot().success
    assert snapshot_rows(shop) == before


def test_building_twice_on_unchanged_input_is_idempotent(shop: Path) -> None:
    assert build(shop).success
    names = ["raw_orders", "stg_orders", "customer_revenue", "inc_append", "inc_merge", "inc_delete_insert",
             "orders_snapshot"]
    before = all_rows(shop, names)
    assert sum(len(v) for v in before.values()) == 3 * 6 + 2
    result = build(shop)
    assert result.success, messages(result)
    after = all_rows(shop, names)
    assert after == before


def test_delta_commit_metadata_names_the_run(shop: Path) -> None:
    first = build(shop)
    second = build(shop)
    history = deltalake.DeltaTable(str(delta_path(shop, "main", "customer_revenue"))).history()
    newest, oldest = history[0], history[-1]
    assert newest["weir.run_id"] == second.run_id
    assert oldest["weir.run_id"] == first.run_id
    assert newest["weir.node"] == "model.shop.customer_revenue"
    seed_history = deltalake.DeltaTable(str(delta_path(shop, "main", "raw_orders"))).history()
    assert seed_history[0]["weir.run_id"] == second.run_id


# -- failures ------------------------------------------------------------------------------------

GATED = {
    "dbt_project.yml": "name: gated\nversion: '1.0'\nprofile: gated\n",
    "seeds/people.csv": "id,name\n1,Ann\n2,\n3,Cy\n",
    "models/stg_people.sql": "{{ config(materialized='table') }}\nselect * from {{ ref('people') }}\n",
    "models/people_count.sql": "{{ config(materialized='table') }}\nselect count(*) as n from {{ ref('stg_people') }}\n",
    "models/independent.sql": "{{ config(materialized='table') }}\nselect 1 as one\n",
    "models/schema.yml": """\
        version: 2
        models:
          - name: stg_people
            columns:
              - name: name
                data_tests: [not_null]
        """,
}


def test_failing_test_skips_downstream_model_dbt_style(tmp_path: Path) -> None:
    # with the quality gate off, weir behaves as dbt: publish, then test
    root = write(tmp_path / "gated", {**GATED, "weir.yml": "gate: false\n"})
    result = build(root)
    st = statuses(result)
    assert st["stg_people"] == "success"
    assert st["not_null_stg_people_name"] == "fail"
    assert "1 failing row" in messages(result)["not_null_stg_people_name"]
    assert st["people_count"] == "skipped"
    assert st["independent"] == "success"
    assert not result.success
    assert not delta_path(root, "main", "people_count").exists()


def test_quality_gate_blocks_publish_and_skips_downstream(tmp_path: Path) -> None:
    root = write(tmp_path / "gated", GATED)
    result = build(root)
    st = statuses(result)
    assert st["stg_people"] == "error"
    msg = messages(result)["stg_people"]
    assert "quality gate failed, nothing published" in msg
    assert "not_null_stg_people_name (1 failing row)" in msg
    assert st["not_null_stg_people_name"] == "skipped"
    assert st["people_count"] == "skipped"
    assert st["independent"] == "success"
    assert not result.success
    assert not delta_path(root, "main", "stg_people").exists()  # nothing was committed


def test_quality_gate_keeps_previous_version(tmp_path: Path) -> None:
    clean = {**GATED, "seeds/people.csv": "id,name\n1,Ann\n3,Cy\n"}
    root = write(tmp_path / "gated", clean)
    assert build(root).success
    version = deltalake.DeltaTable(str(delta_path(root, "main", "stg_people"))).version()
    write(root, {"seeds/people.csv": "id,name\n1,Ann\n2,\n3,Cy\n4,Di\n"})
    result = build(root)
    assert statuses(result)["stg_people"] == "error"
    assert rows(root, "stg_people") == [(1, "Ann"), (3, "Cy")]
    assert deltalake.DeltaTable(str(delta_path(root, "main", "stg_people"))).version() == version


def test_quarantine_publishes_passing_rows(tmp_path: Path) -> None:
    files = {**GATED, "dbt_project.yml": "name: gated\nversion: '1.0'\nmodels:\n  gated:\n    +on_fail: quarantine\n"}
    root = write(tmp_path / "gated", files)
    result = build(root)
    assert result.success, [(r.name, r.status, r.message) for r in result.results]
    by_name = {r.name: r for r in result.results}
    assert by_name["stg_people"].rows == 2 and by_name["stg_people"].quarantined == 1
    assert rows(root, "stg_people") == [(1, "Ann"), (3, "Cy")]
    assert rows(root, "people_count") == [(2,)]
    with Workspace.load(root) as ws:
        q = ws.query("select id, _weir_check, _weir_run_id from main.stg_people__quarantine").to_pylist()
    assert q == [{"id": 2, "_weir_check": "not_null_stg_people_name", "_weir_run_id": result.run_id}]


def test_sql_error_keeps_the_previous_table(shop: Path) -> None:
    assert build(shop).success
    before = rows(shop, "customer_revenue")
    version = deltalake.DeltaTable(str(delta_path(shop, "main", "customer_revenue"))).version()
    write(shop, {"models/marts/customer_revenue.sql": """\
        select customer_id, count(*) as orders, sum(amount_typo) as revenue
        from {{ ref('eph_completed') }}
        group by customer_id
        """})
    result = build(shop)
    assert not result.success
    assert statuses(result)["customer_revenue"] == "error"
    msg = messages(result)["customer_revenue"]
    assert "customer_revenue" in msg
    assert "amount_typo" in msg
    compiled = shop / "target" / "compiled" / "shop" / "models" / "marts" / "customer_revenue.sql"
    assert str(compiled) in msg
    assert "amount_typo" in compiled.read_text()
    # the table is still there, readable and unchanged
    assert rows(shop, "customer_revenue") == before
    assert deltalake.DeltaTable(str(delta_path(shop, "main", "customer_revenue"))).version() == version
    # its tests are skipped, other models still ran
    st = statuses(result)
    assert st["not_null_customer_revenue_customer_id"] == "skipped"
    assert st["inc_merge"] == "success"


def test_sql_error_from_the_cli_names_model_and_compiled_sql(shop: Path) -> None:
    assert build(shop).success
    write(shop, {"models/marts/customer_revenue.sql": "select nope from {{ ref('eph_completed') }}\n"})
    proc = weir("build", "--select", "customer_revenue", cwd=shop)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "customer_revenue" in out
    assert "compiled/shop/models/marts/customer_revenue.sql" in out
    assert rows(shop, "customer_revenue") == [(10, 1, 10), (11, 1, 30)]


# -- CLI ---------------------------------------------------------------------------------------

def test_show_all_as_csv_prints_the_whole_table(tmp_path: Path) -> None:
    root = write(tmp_path / "numbers", {
        "dbt_project.yml": "name: numbers\nversion: '1.0'\nprofile: numbers\n",
        "models/numbers.sql": """\
            {{ config(materialized='table') }}
            select i as n, 'row ' || i as label, i % 2 = 0 as even from range(1, 26) t(i)
            """,
    })
    assert build(root).success
    proc = weir("show", "numbers", "--all", "--format", "csv", cwd=root)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[0] == "n,label,even"
    assert len(lines) == 1 + 25
    body = sorted(lines[1:], key=lambda ln: int(ln.split(",")[0]))
    assert body[0] == "1,row 1,False"
    assert body[-1] == "25,row 25,False"
    assert body[1] == "2,row 2,True"
    proc = weir("show", "numbers", "--format", "csv", "--limit", "5", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.strip().splitlines()) == 1 + 5


def test_ls_output_name(shop: Path) -> None:
    proc = weir("ls", "--output", "name", cwd=shop)
    assert proc.returncode == 0, proc.stderr
    assert set(proc.stdout.split()) == {
        "raw_orders", "stg_orders", "eph_completed", "customer_revenue", "inc_append", "inc_merge",
        "inc_delete_insert", "orders_snapshot", "not_null_stg_orders_order_id", "unique_stg_orders_order_id",
        "not_null_customer_revenue_customer_id", "unique_customer_revenue_customer_id"}


def test_ls_with_selector(shop: Path) -> None:
    proc = weir("ls", "--output", "name", "--select", "+customer_revenue", "--resource-type", "model",
                cwd=shop)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["stg_orders", "eph_completed", "customer_revenue"]


def test_init_then_build(tmp_path: Path) -> None:
    proc = weir("init", "newproj", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    root = tmp_path / "newproj"
    assert (root / "dbt_project.yml").exists()
    proc = weir("build", cwd=root)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "ERROR=0" in out
    revenue = rows(root, "customer_revenue")
    assert [(r[0], r[1], float(r[2])) for r in revenue] == [(10, 2, 62.4)]


def test_runs_lists_the_runs(shop: Path) -> None:
    first = build(shop)
    write(shop, {"models/marts/customer_revenue.sql": "select broken from nowhere\n"})
    second = build(shop)
    assert not second.success
    proc = weir("runs", cwd=shop)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    first_line = next(ln for ln in lines if first.run_id in ln)
    second_line = next(ln for ln in lines if second.run_id in ln)
    assert "build" in first_line and "success" in first_line
    assert "build" in second_line and "error" in second_line
    assert lines.index(second_line) < lines.index(first_line)  # newest first
    detail = weir("runs", "--run-id", second.run_id, cwd=shop)
    assert detail.returncode == 0, detail.stderr
    assert any("customer_revenue" in ln and "error" in ln for ln in detail.stdout.splitlines())


def test_warn_severity_does_not_skip_downstream(tmp_path: Path) -> None:
    files = {**GATED, "models/schema.yml": """\
        version: 2
        models:
          - name: stg_people
            columns:
              - name: name
                data_tests:
                  - not_null:
                      config:
                        severity: warn
        """}
    root = write(tmp_path / "gated", files)
    proc = weir("build", cwd=root)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "WARN=1" in out
    assert rows(root, "people_count") == [(3,)]


def test_test_command_alone_fails_on_bad_data(tmp_path: Path) -> None:
    root = write(tmp_path / "gated", {**GATED, "weir.yml": "gate: false\n"})
    with Workspace.load(root) as ws:
        ws.seed()
        ws.run()
    proc = weir("test", cwd=root)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "FAIL" in proc.stdout and "not_null_stg_people_name" in proc.stdout


def test_broken_view_keeps_the_previous_view(shop: Path) -> None:
    assert build(shop).success
    write(shop, {"models/staging/stg_orders.sql": "select id as order_id, missing_column from {{ ref('raw_orders') }}\n"})
    result = build(shop, select=["stg_orders"])
    assert statuses(result)["stg_orders"] == "error"
    assert "missing_column" in messages(result)["stg_orders"]
    assert [r[0] for r in rows(shop, "stg_orders")] == [1, 2, 3]


def test_broken_incremental_run_keeps_the_table(shop: Path) -> None:
    assert build(shop).success
    before = rows(shop, "inc_merge")
    write(shop, {
        "seeds/raw_orders.csv": ORDERS_V2,
        "models/marts/inc_merge.sql": """\
            {{ config(materialized='incremental', unique_key='order_id', incremental_strategy='merge') }}
            select order_id, status, amount, updated_at from {{ ref('stg_orders') }}
            {% if is_incremental() %}
            where updated_at > (select max(no_such_column) from {{ this }})
            {% endif %}
            """,
    })
    result = build(shop)
    assert statuses(result)["inc_merge"] == "error"
    assert "no_such_column" in messages(result)["inc_merge"]
    assert rows(shop, "inc_merge") == before
    assert deltalake.DeltaTable(str(delta_path(shop, "main", "inc_merge"))).version() == 0


def test_jinja_error_at_run_time_names_file_and_line(shop: Path) -> None:
    write(shop, {"models/marts/customer_revenue.sql": "select 1 as x,\n  {{ no_such_macro() }} as y\n"})
    proc = weir("build", "--select", "customer_revenue", cwd=shop)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "no_such_macro" in out
    assert "models/marts/customer_revenue.sql:2" in out
    assert "Traceback" not in out


def test_jinja_syntax_error_from_the_cli(shop: Path) -> None:
    write(shop, {"models/marts/customer_revenue.sql": "select 1 as x\n{% if %}\n"})
    proc = weir("build", cwd=shop)
    assert proc.returncode == 1
    assert "models/marts/customer_revenue.sql:2" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_show_unknown_node_suggests_a_name(shop: Path) -> None:
    proc = weir("show", "custmer_revenue", cwd=shop)
    assert proc.returncode == 1
    assert "did you mean 'customer_revenue'" in proc.stderr


def test_build_outside_a_project_explains(tmp_path: Path) -> None:
    proc = weir("build", cwd=tmp_path)
    assert proc.returncode == 1
    assert "dbt_project.yml" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_exclude_leaves_a_model_unbuilt(shop: Path) -> None:
    with Workspace.load(shop) as ws:
        result = ws.build(exclude=["inc_append", "orders_snapshot"])
    assert result.success, messages(result)
    assert "inc_append" not in statuses(result)
    assert not delta_path(shop, "main", "inc_append").exists()
    assert not delta_path(shop, "snapshots", "orders_snapshot").exists()
    assert delta_path(shop, "main", "inc_merge").exists()


def test_show_csv_of_a_seed_with_timestamps(shop: Path) -> None:
    build(shop, select=["raw_orders"])
    proc = weir("show", "raw_orders", "--all", "--format", "csv", cwd=shop)
    assert proc.returncode == 0, proc.stderr
    assert sorted(proc.stdout.strip().splitlines()) == sorted([
        "id,customer_id,status,amount,updated_at",
        "1,10,completed,10,2024-01-01 10:00:00",
        "2,10,pending,20,2024-01-01 11:00:00",
        "3,11,completed,30,2024-01-01 12:00:00",
    ])


@pytest.mark.parametrize("materialized", ["table", "view"])
def test_sql_error_line_matches_the_compiled_file(shop: Path, materialized: str) -> None:
    # DuckDB's "LINE n:" must point at the line of the compiled SQL file the message names
    write(shop, {"models/marts/broken.sql": f"""\
        {{{{ config(materialized='{materialized}') }}}}
        select
            order_id,
            no_such_column
        from {{{{ ref('stg_orders') }}}}
        """})
    result = build(shop, select=["+broken"])
    assert statuses(result)["broken"] == "error"
    msg = messages(result)["broken"]
    compiled = shop / "target" / "compiled" / "shop" / "models" / "marts" / "broken.sql"
    assert str(compiled) in msg
    lines = compiled.read_text().splitlines()
    line = next(i for i, text in enumerate(lines, start=1) if "no_such_column" in text)
    assert f"LINE {line}:" in msg, f"compiled file has no_such_column on line {line}:\n{msg}"
