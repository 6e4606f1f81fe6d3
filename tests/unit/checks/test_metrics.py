"""Table metrics: one aggregate query, exact values a user would see, safe quoting."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from weir.checks.metrics import TableMetrics, collect_metrics, column_kind, metrics_query
from weir.engines.duckdb import DuckDBEngine
from weir.errors import EngineError
from weir.sql.relation import ColumnInfo


class CountingEngine(DuckDBEngine):
    """DuckDB that records every query it fetches."""

    def __init__(self) -> None:
        super().__init__(None, threads=1)
        self.fetched: list[str] = []

    def fetch(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        self.fetched.append(sql)
        return super().fetch(sql)


@pytest.fixture
def engine() -> Iterator[CountingEngine]:
    eng = CountingEngine()
    eng.execute("""
        create table orders as select * from (values
            (1, 10.5, 'placed', date '2024-01-01', timestamp '2024-01-01 10:00:00', 1.25::decimal(10,2), [1, 2]),
            (2, null, 'shipped', date '2024-01-03', timestamp '2024-01-02 11:30:00', 2.75::decimal(10,2), [3]),
            (3, 29.5, null, null, null, null, null),
            (4, 20.0, 'placed', date '2024-01-02', timestamp '2024-01-01 09:00:00', 2.00::decimal(10,2), []))
        as t(order_id, amount, status, ordered_on, ordered_at, fee, tags)""")
    yield eng
    eng.close()


def values(m: TableMetrics) -> dict[tuple[str | None, str], Any]:
    return {(r.column, r.metric): (r.text if r.text is not None else r.value) for r in m.rows}


def test_metrics_of_every_kind_of_column_in_one_query(engine: CountingEngine) -> None:
    m = collect_metrics(engine, "orders")
    assert len(engine.fetched) == 1
    got = values(m)
    assert got[(None, "row_count")] == 4
    assert m.row_count == 4
    # numeric: nulls, distinct, min/max/mean (mean ignores nulls, like SQL's avg)
    assert got[("amount", "null_count")] == 1
    assert got[("amount", "distinct_count")] == 3
    assert got[("amount", "min")] == 10.5 and got[("amount", "max")] == 29.5
    assert got[("amount", "mean")] == pytest.approx(20.0)
    assert got[("fee", "mean")] == pytest.approx(2.0)
    assert got[("order_id", "max")] == 4 and got[("order_id", "null_count")] == 0
    # text: nulls and distinct only
    assert got[("status", "null_count")] == 1 and got[("status", "distinct_count")] == 2
    assert ("status", "min") not in got
    # dates and timestamps: ISO text, and POSIX seconds as the value
    assert got[("ordered_on", "min")] == "2024-01-01" and got[("ordered_on", "max")] == "2024-01-03"
    assert got[("ordered_at", "min")] == "2024-01-01 09:00:00"
    assert m.value("min", "ordered_on") == 1704067200.0
    assert ("ordered_at", "mean") not in got
    # nested: null count only
    assert got[("tags", "null_count")] == 1
    assert ("tags", "distinct_count") not in got


def test_empty_table_gives_zero_counts_and_no_ranges(engine: CountingEngine) -> None:
    m = collect_metrics(engine, "select * from orders where order_id > 100")
    got = values(m)
    assert got[(None, "row_count")] == 0
    assert got[("amount", "null_count")] == 0
    assert got[("amount", "distinct_count")] == 0
    assert got[("amount", "min")] is None and got[("amount", "mean")] is None
    assert got[("ordered_on", "max")] is None


def test_given_columns_limit_the_metrics_and_skip_describe(engine: CountingEngine) -> None:
    m = collect_metrics(engine, "orders", [ColumnInfo("amount", "DOUBLE")])
    assert {r.column for r in m.rows} == {None, "amount"}
    assert len(engine.fetched) == 1


def test_odd_column_names_are_quoted_identifiers(engine: CountingEngine) -> None:
    engine.execute("""create table odd as select 1 as "we""ird col", 2 as "select", null::int as "x'); drop table orders; --" """)
    got = values(collect_metrics(engine, "odd"))
    assert got[('we"ird col', "max")] == 1
    assert got[("select", "min")] == 2
    assert got[("x'); drop table orders; --", "null_count")] == 1
    assert engine.count("orders") == 4


def test_table_function_relation(engine: CountingEngine, tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("a,b\n1,x\n2,\n3,y\n")
    got = values(collect_metrics(engine, f"read_csv('{path}')"))
    assert got[(None, "row_count")] == 3
    assert got[("a", "mean")] == 2.0
    assert got[("b", "null_count")] == 1


def test_non_finite_mean_keeps_text_not_value(engine: CountingEngine) -> None:
    m = collect_metrics(engine, "select 'nan'::double as x union all select 1.0")
    mean = m.get("mean", "x")
    assert mean is not None and mean.value is None and mean.text == "nan"


def test_unparseable_relation_is_reported() -> None:
    eng = DuckDBEngine(None)
    with pytest.raises(EngineError, match="cannot measure"):
        collect_metrics(eng, "orders where", [ColumnInfo("a", "INTEGER")])


def test_distinct_counts_are_approximate_unless_asked_or_unsupported() -> None:
    cols = [ColumnInfo("a", "INTEGER")]
    approx, _ = metrics_query("t", cols, "duckdb")
    assert "APPROX_COUNT_DISTINCT" in approx.sql("duckdb")
    exact, _ = metrics_query("t", cols, "duckdb", exact_distinct=True)
    assert "COUNT(DISTINCT" in exact.sql("duckdb")
    pg, _ = metrics_query("t", cols, "postgres")
    assert "COUNT(DISTINCT" in pg.sql("postgres")
    spark, _ = metrics_query("t", cols, "spark")
    assert "APPROX_COUNT_DISTINCT(`a`)" in spark.sql("spark")


def test_query_layout_matches_output_columns() -> None:
    query, layout = metrics_query("t", [ColumnInfo("n", "BIGINT"), ColumnInfo("s", "VARCHAR")])
    assert layout == [(None, "row_count", "count"), ("n", "null_count", "count"), ("n", "distinct_count", "count"),
                      ("n", "min", "number"), ("n", "max", "number"), ("n", "mean", "number"),
                      ("s", "null_count", "count"), ("s", "distinct_count", "count")]
    assert len(query.expressions) == len(layout)


@pytest.mark.parametrize(("data_type", "kind"), [
    ("INTEGER", "numeric"), ("DECIMAL(18,3)", "numeric"), ("UBIGINT", "numeric"), ("DOUBLE", "numeric"),
    ("DATE", "temporal"), ("TIMESTAMP WITH TIME ZONE", "temporal"), ("TIMESTAMP_NS", "temporal"),
    ("VARCHAR", "other"), ("BOOLEAN", "other"), ("TIME", "other"), ("INTEGER[]", "nested"),
    ("STRUCT(a INTEGER)", "nested"), ("MAP(VARCHAR, INTEGER)", "nested"),
])
def test_column_kind(data_type: str, kind: str) -> None:
    assert column_kind(data_type) == kind
