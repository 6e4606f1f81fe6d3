"""Row-level conditions of dbt tests: the predicate a single row must satisfy to pass,
used to split passing rows from failing ones (quarantine). Built as sqlglot expressions."""

from __future__ import annotations

from typing import Any

import sqlglot
from sqlglot import exp

from weir.graph import Node


def _col(name: str) -> exp.Expr:
    return exp.column(name, quoted=True)


def _value(v: Any) -> exp.Expr:
    if isinstance(v, bool):
        return exp.Boolean(this=v)
    if isinstance(v, int | float):
        return exp.Literal.number(v)
    return exp.Literal.string(str(v))


def _parse(sql: str) -> exp.Expr:
    return sqlglot.parse_one(sql, dialect="duckdb")


def row_condition(test: Node, kwargs: dict[str, Any]) -> exp.Expr | None:
    """The pass condition of a generic test for one row, or None when the test is not
    row-level (it then gates the whole batch)."""
    if test.test is None:
        return None
    name = test.test.test_name
    col = test.test.column_name or kwargs.get("column_name")
    if not col:
        if name in ("dbt_utils.expression_is_true", "expression_is_true") and kwargs.get("expression"):
            return exp.func("coalesce", exp.Paren(this=_parse(str(kwargs["expression"]))), exp.true())
        return None
    null_ok = _col(col).is_(exp.null())
    if name == "not_null":
        return exp.Not(this=_col(col).is_(exp.null()))
    if name == "unique":
        window = exp.Window(this=exp.Count(this=exp.Star()), partition_by=[_col(col)])
        return exp.or_(null_ok, exp.EQ(this=window, expression=exp.Literal.number(1)))
    if name == "accepted_values" and isinstance(kwargs.get("values"), list):
        quote = kwargs.get("quote", True)
        values = [_value(v) if quote else _parse(str(v)) for v in kwargs["values"]]
        return exp.or_(null_ok, exp.In(this=_col(col), expressions=values))
    if name == "relationships" and kwargs.get("to") is not None and kwargs.get("field"):
        parent = _parse(f"select {kwargs['field']} from {kwargs['to']}")
        return exp.or_(null_ok, exp.In(this=_col(col), query=exp.Subquery(this=parent)))
    if name in ("dbt_utils.expression_is_true", "expression_is_true") and kwargs.get("expression"):
        return exp.func("coalesce", exp.Paren(this=_parse(f"{col} {kwargs['expression']}")), exp.true())
    if name in ("dbt_utils.accepted_range", "accepted_range"):
        inclusive = kwargs.get("inclusive", True)
        parts: list[exp.Expr] = []
        if kwargs.get("min_value") is not None:
            lo = _parse(str(kwargs["min_value"]))
            parts.append(exp.GTE(this=_col(col), expression=lo) if inclusive else exp.GT(this=_col(col), expression=lo))
        if kwargs.get("max_value") is not None:
            hi = _parse(str(kwargs["max_value"]))
            parts.append(exp.LTE(this=_col(col), expression=hi) if inclusive else exp.LT(this=_col(col), expression=hi))
        if parts:
            return exp.or_(null_ok, exp.and_(*parts))
    return None


DEFAULT_THRESHOLDS = {"fail_calc": "count(*)", "warn_if": "!= 0", "error_if": "!= 0"}


def as_expectation(test: Node, kwargs: dict[str, Any]) -> Any | None:
    """The expectation that passes exactly when a dbt generic test does, so the test can
    join its table's one scan; None when there is none (or thresholds are customised).
    Failure *counts* differ (dbt counts failing values for unique/accepted_values, GE
    rows), so a failed test is re-counted the dbt way."""
    from weir.checks.expectations import ExpectationError, parse_expectation

    if test.test is None or any(str(test.config.get(k) or v).strip() != v for k, v in DEFAULT_THRESHOLDS.items()):
        return None
    if test.config.get("limit") is not None:
        return None
    name, col = test.test.test_name, test.test.column_name
    common: dict[str, Any] = {"severity": "error"}
    if test.config.get("where"):
        common["where"] = str(test.config["where"])
    args: dict[str, Any] | None = None
    if name == "not_null" and col:
        args = {"column": col}
        kind = "expect_column_values_to_not_be_null"
    elif name == "unique" and col:
        args = {"column": col}
        kind = "expect_column_values_to_be_unique"
    elif name == "accepted_values" and col and kwargs.get("quote", True) and isinstance(kwargs.get("values"), list):
        args = {"column": col, "value_set": list(kwargs["values"])}
        kind = "expect_column_values_to_be_in_set"
    elif name == "dbt_utils.unique_combination_of_columns" and isinstance(
            kwargs.get("combination_of_columns"), list) and not kwargs.get("quote_columns"):
        args = {"column_list": list(kwargs["combination_of_columns"]), "ignore_row_if": "never"}
        kind = "expect_compound_columns_to_be_unique"
    if args is None:
        return None
    try:
        return parse_expectation(kind, {**args, **common}, path=test.path, line=test.line)
    except ExpectationError:  # an argument shape the expectation does not take: keep dbt's own query
        return None


def to_sql(condition: exp.Expr, dialect: str = "duckdb") -> str:
    return condition.sql(dialect=dialect)
