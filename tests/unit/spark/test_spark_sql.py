"""weir's (DuckDB-dialect) SQL rewritten for a Spark session: relations become the
session's temp views, file sources become parquet.`path`, BY NAME unions are aligned."""

from __future__ import annotations

from weir.engines.spark_sql import to_spark, view_name


def test_schema_qualified_relations_become_temp_views() -> None:
    out = to_spark('select o.id from "main"."orders" as o join "staging"."stg" s on o.id = s.id')
    assert "`main__orders` AS o" in out
    assert "`staging__stg` AS s" in out
    assert view_name("main", "orders") == "main__orders"


def test_ctes_and_unqualified_names_are_left_alone() -> None:
    out = to_spark('with __dbt__cte__x as (select 1 as a) select * from __dbt__cte__x, "weir_stage__m__1"')
    assert "FROM __dbt__cte__x" in out and "weir_stage__m__1" in out


def test_file_sources_read_as_parquet() -> None:
    assert "FROM parquet.`/data/raw/orders/*.parquet` AS s" in to_spark("select * from '/data/raw/orders/*.parquet' as s")
    assert "parquet.`/a.parquet`" in to_spark("select * from read_parquet(['/a.parquet'])")


def test_duckdb_functions_and_casts_are_translated() -> None:
    out = to_spark("select a::varchar as a, strftime(ts, '%Y') as y, ts::timestamp as t from \"main\".\"t\"")
    assert "CAST(a AS STRING)" in out
    assert "DATE_FORMAT(ts, 'yyyy')" in out


def test_union_by_name_is_aligned_with_the_engines_column_lists() -> None:
    columns = {"SELECT a, b FROM x": [("a", "int"), ("b", "string")], "SELECT b, c FROM y": [("b", "string"), ("c", "date")]}
    out = to_spark("select a, b from x union all by name select b, c from y", lambda sql: columns[sql])
    assert "BY NAME" not in out.upper()
    left, right = out.split("UNION ALL")
    assert "CAST(NULL AS DATE) AS `c`" in left and "`a`" in left
    assert "CAST(NULL AS INT) AS `a`" in right and "`c`" in right
