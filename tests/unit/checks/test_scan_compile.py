"""The scan compiler: one aggregate query per suite, shared metrics, rendering for DuckDB,
Spark and PostgreSQL, row conditions that split passing from failing rows."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from weir.checks import compile_scan, evaluate, expect, row_condition, window_columns
from weir.checks.expectations import ExpectationError
from weir.checks.suite import load_suite
from weir.engines.duckdb import DuckDBEngine

COLUMNS = {"order_id": "BIGINT", "customer_id": "BIGINT", "amount": "DOUBLE", "status": "VARCHAR",
           "placed_at": "TIMESTAMP"}
SUITE = [
    expect.column_values_to_not_be_null("order_id"),
    expect.column_values_to_be_unique("order_id"),
    expect.column_values_to_be_between("amount", 0, 100000, mostly=0.99),
    expect.column_values_to_be_in_set("status", ["placed", "shipped"]),
    expect.column_values_to_not_be_null("customer_id", where="status <> 'placed'"),
    expect.column_values_to_match_regex("status", "^[a-z]+$"),
    expect.compound_columns_to_be_unique(["customer_id", "placed_at"]),
    expect.column_pair_values_a_to_be_greater_than_b("amount", "customer_id", or_equal=True),
    expect.table_row_count_to_be_between(1),
    expect.column_mean_to_be_between("amount", 0, 10),
    expect.column_proportion_of_unique_values_to_be_between("customer_id", 0.1),
    expect.column_max_to_be_within_age("placed_at", "2d"),
]


@pytest.mark.parametrize("strategy", ["distinct", "window"])
def test_one_select_renders_and_parses_for_each_dialect(strategy: str) -> None:
    plan = compile_scan("orders", SUITE, COLUMNS, unique_strategy=strategy)
    assert isinstance(plan.query, exp.Select) and not plan.query.find(exp.Group)
    for dialect in ("duckdb", "spark", "postgres"):
        text = plan.sql(dialect)
        parsed = sqlglot.parse(text, read=dialect)
        assert len(parsed) == 1 and isinstance(parsed[0], exp.Select)
        for i in range(len(SUITE)):
            sample = plan.samples_sql(i, 5, dialect=dialect)
            if sample is not None:
                sqlglot.parse_one(sample, read=dialect)


def test_metrics_are_shared() -> None:
    plan = compile_scan("t", [expect.column_values_to_not_be_null("order_id"),
                              expect.column_values_to_not_be_null("order_id", severity="warn"),
                              expect.column_values_to_be_unique("order_id")], COLUMNS)
    # count(*), count(order_id), count(distinct order_id)
    assert len(plan.query.expressions) == 3
    assert plan.metrics[0] == plan.metrics[1]


def test_the_scan_runs_as_one_query_on_duckdb() -> None:
    eng = DuckDBEngine(None, threads=1)
    eng.execute("create table orders as select range as order_id, range % 7 as customer_id, "
                "range * 1.5 as amount, case when range % 2 = 0 then 'placed' else 'shipped' end as status, "
                "timestamp '2024-01-01' + to_days(cast(range as integer)) as placed_at from range(20)")
    plan = compile_scan("orders", SUITE, {c.name: c.data_type for c in eng.columns("select * from orders")})
    _, rows = eng.fetch(plan.sql())
    results = evaluate(plan, rows[0])
    assert [r.success for r in results][:5] == [True, True, True, True, True]
    assert results[9].observed_value == pytest.approx(14.25)


def test_where_is_applied_per_expectation() -> None:
    plan = compile_scan("t", [expect.column_values_to_not_be_null("order_id", where="amount > 1"),
                              expect.column_values_to_not_be_null("order_id")], COLUMNS)
    text = plan.sql()
    assert "COUNT_IF((amount > 1) AND NOT \"order_id\" IS NULL)" in text and 'COUNT("order_id")' in text


def test_source_forms() -> None:
    for source, expected in [("main.orders", 'FROM main.orders AS _weir_src'),
                             ("select * from x where a > 1", "FROM (SELECT * FROM x WHERE a > 1) AS _weir_src"),
                             ("read_parquet('o.parquet')", "FROM READ_PARQUET('o.parquet') AS _weir_src")]:
        plan = compile_scan(source, [expect.table_row_count_to_be_between(1)], COLUMNS)
        assert plan.sql().endswith(expected)


def test_relation_sources() -> None:
    from weir.sql.relation import Relation

    rule = [expect.table_row_count_to_be_between(1)]
    for rel, expected in [
        (Relation(schema="main", identifier="Orders", database="cat", include_database=True),
         'FROM "cat"."main"."Orders" AS _weir_src'),
        (Relation(schema=None, identifier="", type="external", external="read_parquet('x.parquet')"),
         "FROM READ_PARQUET('x.parquet') AS _weir_src"),
        (Relation(schema=None, identifier="", type="external", external="(select 1 as a) q"),
         "FROM (SELECT 1 AS a) AS _weir_src"),
    ]:
        assert compile_scan(rel, rule, COLUMNS).sql().endswith(expected)


def test_column_names_resolve_case_insensitively() -> None:
    plan = compile_scan("t", [expect.column_values_to_not_be_null("Order_ID")], COLUMNS)
    assert plan.expectations[0].column == "order_id"


@pytest.mark.parametrize("source_arg,key_line", [
    ("column: order_idd", 4), ("where: \"custmer_id > 1\"", 4)])
def test_unknown_column_names_file_and_line(tmp_path, source_arg: str, key_line: int) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "suite.yml"
    path.write_text("name: s\nexpectations:\n  - expect_column_values_to_not_be_null:\n"
                    f"      {source_arg}\n" + ("      column: order_id\n" if "where" in source_arg else ""))
    suite = load_suite(path)
    with pytest.raises(ExpectationError) as err:
        compile_scan("t", suite.expectations, COLUMNS)
    text = str(err.value)
    assert text.startswith(f"{path}:{key_line}: expect_column_values_to_not_be_null: column ")
    assert "did you mean" in text


ROWS = """create table r as select * from (values
    (1, 10, 'a', 1.0), (2, 10, 'a', 2.0), (2, null, 'b', null), (null, 11, 'zz', 5.0), (4, 12, null, 0.5)
) v(order_id, customer_id, status, amount)"""


@pytest.mark.parametrize("e", [
    expect.column_values_to_not_be_null("order_id"),
    expect.column_values_to_be_unique("order_id"),
    expect.column_values_to_be_unique("customer_id", where="amount < 5"),
    expect.column_values_to_be_between("amount", 1, 2),
    expect.column_values_to_be_in_set("status", ["a", "b"]),
    expect.column_values_to_not_be_in_set("status", ["a"], where="order_id > 1"),
    expect.column_values_to_match_regex("status", "^.$"),
    expect.column_value_lengths_to_be_between("status", 1, 1),
    expect.compound_columns_to_be_unique(["customer_id", "status"]),
    expect.compound_columns_to_be_unique(["customer_id"], ignore_row_if="never"),
    expect.column_pair_values_a_to_be_greater_than_b("customer_id", "amount"),
])
def test_row_condition_splits_rows_like_the_scan_counts(e: object) -> None:
    eng = DuckDBEngine(None, threads=1)
    eng.execute(ROWS)
    cols = {c.name: c.data_type for c in eng.columns("select * from r")}
    plan = compile_scan("r", [e], cols)  # type: ignore[list-item]
    _, rows = eng.fetch(plan.sql())
    exact = {i: eng.fetch(plan.exact_count_sql(i))[1][0][0] for i in plan.exact_needed(
        dict(zip([s.alias_or_name for s in plan.query.expressions], rows[0], strict=True)))}
    result = evaluate(plan, rows[0], exact=exact)[0]
    resolved = plan.expectations[0]
    cond = row_condition(resolved, cols)
    assert cond is not None
    windows = [w.as_(name) for name, w in window_columns(resolved).items()]
    inner = exp.select(exp.Star(), *windows).from_("r").subquery("x")
    _, passing = eng.fetch(exp.select(exp.Count(this=exp.Star())).from_(inner).where(cond).sql("duckdb"))
    _, failing = eng.fetch(exp.select(exp.Count(this=exp.Star())).from_(inner.copy())
                           .where(exp.not_(cond)).sql("duckdb"))
    assert failing[0][0] == result.unexpected_count
    assert passing[0][0] + failing[0][0] == 5


def test_row_condition_is_none_for_table_level_checks() -> None:
    assert row_condition(expect.table_row_count_to_be_between(1)) is None
    assert row_condition(expect.column_mean_to_be_between("a", 1, 2)) is None
    assert row_condition(expect.column_values_to_be_of_type("a", "INT")) is None


def test_row_condition_text() -> None:
    cond = row_condition(expect.column_values_to_be_between("amount", 0, 10, where="status = 'x'"))
    assert cond is not None
    assert cond.sql("duckdb") == ("NOT COALESCE((status = 'x'), FALSE) OR (\"amount\" IS NULL) "
                                  "OR (\"amount\" >= 0 AND \"amount\" <= 10)")
    unique = expect.column_values_to_be_unique("order_id")
    (name, window), = window_columns(unique).items()
    assert window.sql("duckdb") == 'COUNT("order_id") OVER (PARTITION BY "order_id")'
    assert row_condition(unique).sql("duckdb") == f'("order_id" IS NULL) OR ({name} <= 1)'  # type: ignore[union-attr]
