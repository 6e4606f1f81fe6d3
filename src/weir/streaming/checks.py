"""Row checks on a stream batch: weir's expectations (GE names) as per-row predicates.

A row failing an error-severity expectation becomes a dead letter naming the failed
expectations; warn-severity ones are only counted. Table-level expectations (row counts,
means) have no meaning per micro-batch and are refused when the stream loads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from weir.checks.expectations import Expectation
from weir.checks.rows import row_condition, window_columns
from weir.checks.suite import load_suite
from weir.streaming.errors import StreamError

ERRORS = "__weir_errors"
WARNINGS = "__weir_warnings"


def load_checks(entries: list[Any], stream: str, path: str) -> list[Expectation]:
    """The stream's ``expectations:``, validated; only row-level ones are allowed."""
    if not entries:
        return []
    suite = load_suite(entries, name=f"{stream}_checks")
    for e in suite.expectations:
        if not e.is_map:
            raise StreamError(f"stream {stream}: {e.type} checks a whole table, not rows of a batch",
                              path=path, hint="use row-level expectations (not_null, between, in_set, "
                                              "match_regex, unique within a batch, ...) on streams")
    return list(suite.expectations)


@dataclass
class CheckedBatch:
    good: pa.Table
    bad: pa.Table  # with the column ERRORS
    warned: int


def _flags(exps: list[Expectation], columns: dict[str, str]) -> exp.Expr:
    parts = [exp.If(this=exp.not_(exp.paren(row_condition(e, columns))),  # type: ignore[arg-type]
                    true=exp.Literal.string(e.name)) for e in exps]
    cases = [exp.Case(ifs=[p]) for p in parts]
    if not cases:
        return exp.Literal.string("")
    # DuckDB's concat_ws skips NULLs (sqlglot's generic CONCAT_WS would null the whole result)
    return exp.Anonymous(this="concat_ws", expressions=[exp.Literal.string("; "), *cases])


def check_batch(con: duckdb.DuckDBPyConnection, table: pa.Table, exps: list[Expectation]) -> CheckedBatch:
    """Split ``table`` into rows passing every error-severity expectation and failing rows."""
    if not exps or table.num_rows == 0:
        return CheckedBatch(table, table.slice(0, 0).append_column(ERRORS, pa.array([], pa.string())), 0)
    con.register("__weir_batch", table)
    try:
        types = {c: str(t) for c, t in zip(table.column_names, con.table("__weir_batch").types, strict=True)}
        windows: dict[str, exp.Expr] = {}
        for e in exps:
            windows.update(window_columns(e))
        errors = _flags([e for e in exps if e.severity == "error"], types)
        warnings = _flags([e for e in exps if e.severity != "error"], types)
        inner = exp.select("*", *[w.as_(n) for n, w in windows.items()]).from_("__weir_batch")
        star = exp.Star(**({"except_": [exp.column(n) for n in windows]} if windows else {}))
        sql = exp.select(star, errors.as_(ERRORS), warnings.as_(WARNINGS)).from_(inner.subquery("b"))
        out = con.sql(sql.sql("duckdb")).to_arrow_table()
    except duckdb.Error as exc:
        raise StreamError(f"checking a batch failed: {exc}") from None
    finally:
        con.unregister("__weir_batch")
    ok = pc.equal(out.column(ERRORS), "")
    warned = pc.sum(pc.not_equal(out.column(WARNINGS), "")).as_py() or 0
    out = out.drop_columns([WARNINGS])
    good = out.filter(ok).drop_columns([ERRORS])
    return CheckedBatch(good.cast(table.schema) if good.schema != table.schema else good,
                        out.filter(pc.invert(ok)), int(warned))
