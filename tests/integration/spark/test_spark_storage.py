"""Spark builds Delta and Iceberg tables in an ``s3://`` warehouse without the Hadoop S3A
jars (weir stages, uploads and caches the data files; pyiceberg or delta-rs commits them),
on top of tables DuckDB wrote there; DuckDB (and pyiceberg) read what Spark committed, with
the rows a local DuckDB build gives."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from weir import Workspace
from weir.sql.relation import Relation

pytestmark = pytest.mark.integration

MODELS = {
    "stg_orders.sql": """{{ config(materialized='view') }}
select id, lower(trim(status)) as status, cast(amount as decimal(10,2)) as amount, cast(day as date) as day,
       cast(day as timestamp) as ts
from {{ ref('orders') }}""",
    "daily.sql": """{{ config(materialized='table', partition_by='day') }}
select day, count(*) as orders, cast(sum(amount) as decimal(18,2)) as revenue from {{ ref('stg_orders') }} group by day""",
    "orders_merged.sql": """{{ config(materialized='incremental', unique_key='id', incremental_strategy='merge') }}
select id, status, amount, day, ts from {{ ref('stg_orders') }}
{% if is_incremental() %} where day >= (select max(day) from {{ this }}) {% endif %}""",
    "orders_di.sql": """{{ config(materialized='incremental', unique_key='day', incremental_strategy='delete+insert',
                             partition_by='day') }}
select day, count(*) as n from {{ ref('stg_orders') }}
{% if is_incremental() %} where day >= (select max(day) from {{ this }}) {% endif %}
group by day""",
}
TABLES = ["orders", "daily", "orders_merged", "orders_di"]
DAY1 = "id,status,amount,day\n1, Completed ,10.50,2024-01-01\n2,pending,3.25,2024-01-01\n3,completed,7.00,2024-01-02\n"
DAY2 = DAY1.replace("2,pending,3.25", "2,completed,3.25") + "4,completed,1.00,2024-01-02\n5,refunded,2.00,2024-01-03\n"
DAY3 = DAY2 + "6,pending,4.00,2024-01-03\n7,completed,8.00,2024-01-04\n"


def _project(root: Path, warehouse: str, fmt: str) -> Path:
    (root / "models").mkdir(parents=True)
    (root / "seeds").mkdir()
    (root / "dbt_project.yml").write_text("name: lakes\nprofile: lakes\nconfig-version: 2\n")
    for name, sql in MODELS.items():
        (root / "models" / name).write_text(sql)
    _engine(root, "spark", warehouse, fmt)
    return root


def _engine(root: Path, engine: str, warehouse: str, fmt: str) -> None:
    """Target ``lake`` computes on ``engine`` (one target name: one Iceberg catalog); ``ref``
    is the embedded engine on its own local warehouse (the expected rows)."""
    lake = {"type": "spark", "master": "local[2]", "threads": 2} if engine == "spark" else {"type": "duckdb"}
    (root / "weir.yml").write_text(yaml.safe_dump({"table_format": fmt, "targets": {
        "lake": {**lake, "warehouse": warehouse},
        "ref": {"type": "duckdb", "warehouse": "lake_ref"},
    }}))


def _build(root: Path, target: str) -> dict[str, Any]:
    with Workspace.load(root, target=target) as ws:
        result = ws.build()
        assert result.success, [(r.name, r.message) for r in result.results if r.status != "success"]
        return _tables(ws)


def _tables(ws: Workspace) -> dict[str, Any]:
    return {n: ws.read_table("main", n) for n in TABLES}


def _read(root: Path, target: str) -> dict[str, Any]:
    """The tables as the target's engine reads them from the table format (the embedded
    engine through the format's scan of the live files: it has no pointers to tables
    another engine wrote)."""
    with Workspace.load(root, target=target) as ws:
        if ws.project.target.type == "spark":
            return _tables(ws)  # the session registers the live files
        fmt = ws.formats[str(ws.project.target.table_format)]
        return {n: ws.query(fmt.scan_sql(Relation(schema="main", identifier=n))) for n in TABLES}


def _same(harness: Any, left: dict[str, Any], right: dict[str, Any], labels: tuple[str, str]) -> None:
    problems = []
    for name in TABLES:
        # values equal; aggregate types follow each engine's rules (docs/spark.md)
        problems += harness.compare_table(("main", name), left[name], right[name], [], [], set(), labels=labels,
                                          check_types=False)
    assert not problems, "\n".join(problems)


def _day(root: Path, data: str) -> None:
    (root / "seeds" / "orders.csv").write_text(data)


@pytest.mark.parametrize("fmt", ["delta", "iceberg"])
def test_s3_warehouse_built_by_spark_and_duckdb(tmp_path: Path, s3_bucket: dict[str, Any], spark: Any,
                                                harness: Any, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    for var in ("AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(var, raising=False)
    for key, value in s3_bucket["storage_options"].items():
        monkeypatch.setenv(key, value)
    warehouse = f"s3://{s3_bucket['bucket']}/lake"
    root = _project(tmp_path / "p", warehouse, fmt)
    # day 1 by DuckDB on S3; Spark (no S3A: weir downloads, stages and uploads the files)
    # reads DuckDB's tables and merges days 2 and 3 into them; DuckDB reads Spark's commits
    _engine(root, "duckdb", warehouse, fmt)
    _day(root, DAY1)
    _same(harness, _build(root, "ref"), _build(root, "lake"), ("duckdb", "duckdb on s3"))
    _engine(root, "spark", warehouse, fmt)
    for data in (DAY2, DAY3):
        _day(root, data)
        expected = _build(root, "ref")
        _same(harness, expected, _build(root, "lake"), ("duckdb", "spark on s3"))
    with Workspace.load(root, target="lake") as ws:
        assert ws.engine.s3a is False  # no hadoop-aws jars here: weir moved the files
    _engine(root, "duckdb", warehouse, fmt)
    _same(harness, expected, _read(root, "lake"), ("duckdb", "duckdb reading spark's s3 tables"))
    if fmt == "iceberg":
        _iceberg_as_committed(root)


def _iceberg_as_committed(root: Path) -> None:
    """What other Iceberg readers see of Spark's commits: pyiceberg's own scan."""
    with Workspace.load(root, target="lake") as ws:
        iceberg: Any = ws.formats["iceberg"]
        table = iceberg.table(Relation(schema="main", identifier="orders_merged"))
        # Spark's day-3 merge is ONE snapshot: rewritten file out, rewrite in, weir's metadata on it
        summary = table.current_snapshot().summary
        assert summary.operation.value == "overwrite"
        assert int(summary["deleted-data-files"]) >= 1 and int(summary["added-data-files"]) >= 1
        assert summary["weir.node"] == "model.lakes.orders_merged"
        # files with field IDs (DuckDB's, via pyiceberg) and without (Spark's, via the name mapping)
        rows = sorted(table.scan().to_arrow().to_pylist(), key=lambda r: r["id"])
        assert [(r["id"], r["status"]) for r in rows] == [
            (1, "completed"), (2, "pending"), (3, "completed"), (4, "completed"), (5, "refunded"), (6, "pending"),
            (7, "completed")]
        assert rows[-1]["ts"] == datetime.datetime(2024, 1, 4)
        daily = iceberg.table(Relation(schema="main", identifier="daily"))
        assert [f.name for f in daily.spec().fields] == ["day"]
        # each Spark file holds one day: its partition value comes from the file's statistics
        days = {datetime.date(1970, 1, 1) + datetime.timedelta(days=t.file.partition[0])
                for t in daily.scan().plan_files()}
        assert days == {datetime.date(2024, 1, d) for d in (1, 2, 3, 4)}
