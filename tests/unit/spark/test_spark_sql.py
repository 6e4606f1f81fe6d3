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


def test_union_by_name_under_ctes_keeps_them_and_probes_sides_with_them() -> None:
    """The snapshot's next version is ``with ... select ... union all by name select * from
    inserts``: each side's columns are asked for with the CTEs it reads, and the WITH stays."""
    asked: list[str] = []

    def columns(sql: str) -> list[tuple[str, str]]:
        asked.append(sql)
        return [("id", "int"), ("v", "string")] if sql.rstrip().endswith("inserts") else [("id", "int")]

    out = to_spark("with closing as (select 1 as id), inserts as (select id, 'x' as v from closing) "
                   "select * from closing union all by name select * from inserts", columns)
    assert out.startswith("WITH closing AS")
    assert all(sql.startswith("WITH closing AS") and "inserts AS" in sql for sql in asked)
    assert "CAST(NULL AS STRING) AS `v`" in out


def test_star_rename_becomes_an_explicit_column_list() -> None:
    """Snapshots with custom meta column names use DuckDB's ``select * rename``; Spark gets
    the columns spelled out, renamed ones aliased, in the query's order."""
    out = to_spark('select * rename ("dbt_scd_id" as "scd_id") from (select * from "snapshots"."s") as snap',
                   lambda sql: [("id", "int"), ("dbt_scd_id", "string"), ("name", "string")])
    assert "RENAME" not in out.upper()
    assert out.startswith("SELECT `id`, `dbt_scd_id` AS `scd_id`, `name` FROM")
    assert "`snapshots__s`" in out


def test_snapshot_shape_rename_in_a_cte_read_by_a_by_name_union() -> None:
    """``select * rename`` around a ``with s as (select * rename ...) ... union all by name``:
    every query Spark is asked about is plain Spark SQL, and so is the result."""
    asked: list[str] = []
    table = [("id", "int"), ("scd", "string")]

    def columns(sql: str) -> list[tuple[str, str]]:
        asked.append(sql)
        return table if sql.endswith("FROM `snapshots__s`") else [("id", "int"), ("dbt_scd_id", "string")]

    sql = ('select * rename ("dbt_scd_id" as "scd") from (with s as (select * rename ("scd" as "dbt_scd_id") '
           'from "snapshots"."s"), inserts as (select id, dbt_scd_id from s) '
           'select * from s union all by name select * from inserts) as snap')
    out = to_spark(sql, columns)
    assert asked and not any("RENAME" in q.upper() or "BY NAME" in q.upper() for q in asked)
    assert "RENAME" not in out.upper() and "BY NAME" not in out.upper()
    assert "SELECT `id`, `scd` AS `dbt_scd_id` FROM `snapshots__s`" in out  # the CTE's rename
    assert "SELECT `id`, `dbt_scd_id` AS `scd` FROM (" in out  # the outer one


def test_interval_arithmetic_on_a_date_gives_a_timestamp_as_on_duckdb() -> None:
    """DuckDB's ``date + interval`` is a timestamp; Spark's would stay a date, so the
    left side is cast first. Timestamps, ``now()`` and interval sums are left alone."""
    out = to_spark("select signup_day + interval 1 day as a, d - interval '2 hours' as b, "
                   "cast(t as timestamp) + interval 1 hour as c, now() - interval 1 day as e from x")
    assert "CAST(signup_day AS TIMESTAMP) + INTERVAL '1' DAY AS a" in out
    assert "CAST(d AS TIMESTAMP) - INTERVAL '2' HOURS AS b" in out
    assert "CAST(t AS TIMESTAMP_NTZ) + INTERVAL '1' HOUR AS c" in out  # not cast twice
    assert "NOW() - INTERVAL '1' DAY AS e" in out


def test_numeric_range_and_generate_series_become_sparks_range_under_duckdbs_column_names() -> None:
    # sqlglot alone writes EXPLODE(SEQUENCE(...), _u(a)): Spark rejects it as a table
    assert to_spark("select sum(a.range) from range(0, 10) as a(range)") == (
        "SELECT SUM(a.range) FROM (SELECT id AS range FROM RANGE(0, 10)) AS a")
    assert to_spark("select x from generate_series(1, 3) t(x)") == (
        "SELECT x FROM (SELECT id AS x FROM RANGE(1, 3 + 1)) AS t")  # generate_series includes its end
    assert to_spark("select range from range(0, 10, 2)") == (
        "SELECT range FROM (SELECT id AS range FROM RANGE(0, 10, 2)) AS range")
