"""DuckDB's series in FROM (``range``, ``generate_series``) over numbers, dates and
timestamps give the same rows on Spark as on DuckDB once transpiled."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from weir.engines.spark_sql import to_spark

pytestmark = pytest.mark.integration

QUERIES = [
    "select r from range(0, 10, 3) t(r)",
    "select generate_series from generate_series(1, 4)",
    "select d from range(date '2024-01-30', date '2024-02-02', interval 1 day) t(d)",
    "select d from generate_series(date '2024-01-30', date '2024-02-02', interval 1 day) t(d)",
    "select ts from range(timestamp '2024-01-01 00:00', timestamp '2024-01-01 12:00', interval 5 hour) s(ts)",
    "select m from range(date '2024-03-01', date '2023-12-01', - interval 1 month) t(m)",
    "select count(*) as n from range(date '2024-01-01', date '2024-01-01', interval 1 day)",
]


@pytest.mark.parametrize("sql", QUERIES)
def test_series_match_duckdb(spark: Any, sql: str) -> None:
    expected = [tuple(r) for r in duckdb.sql(sql).fetchall()]
    got = [tuple(r) for r in spark.sql(to_spark(sql)).collect()]
    assert got == expected, to_spark(sql)
