"""Table metrics for anomaly detection: row count, nulls, distinct counts and ranges,
computed in one aggregate query built as a sqlglot AST.

Distinct counts use the engine's HyperLogLog ``approx_count_distinct`` (a few percent
of error, bounded memory, one pass) where the dialect has it, and an exact
``count(distinct)`` elsewhere (PostgreSQL) or when asked with ``exact_distinct=True``.
Nested columns (lists, structs, maps) get a null count only.

Dates and timestamps get ``min``/``max`` as ISO text, with ``value`` set to POSIX
seconds (naive timestamps and dates read as UTC) so they can be charted and compared.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from weir.engines.base import Engine
from weir.errors import EngineError
from weir.sql.relation import ColumnInfo

TABLE_METRICS = ("row_count",)
COLUMN_METRICS = ("null_count", "distinct_count", "min", "max", "mean")

# Dialects without a HyperLogLog distinct count: exact counting is used there.
_NO_APPROX_DISTINCT = frozenset({"postgres", "sqlite"})
_DATE_TYPES = frozenset({
    exp.DataType.Type.DATE, exp.DataType.Type.DATE32, exp.DataType.Type.DATETIME,
    exp.DataType.Type.DATETIME2, exp.DataType.Type.DATETIME64, exp.DataType.Type.SMALLDATETIME,
    exp.DataType.Type.TIMESTAMP, exp.DataType.Type.TIMESTAMPTZ, exp.DataType.Type.TIMESTAMPLTZ,
    exp.DataType.Type.TIMESTAMPNTZ, exp.DataType.Type.TIMESTAMP_S, exp.DataType.Type.TIMESTAMP_MS,
    exp.DataType.Type.TIMESTAMP_NS,
})
_NUMERIC_TYPES = frozenset(exp.DataType.NUMERIC_TYPES)
_NESTED_TYPES = frozenset(exp.DataType.NESTED_TYPES) | {exp.DataType.Type.UNION}


@dataclass(frozen=True)
class MetricValue:
    """One metric: ``column`` is None for table-level metrics (``row_count``)."""

    column: str | None
    metric: str
    value: float | None
    text: str | None = None


@dataclass
class TableMetrics:
    """The metrics of one table at one point in time."""

    rows: list[MetricValue] = field(default_factory=list)

    def get(self, metric: str, column: str | None = None) -> MetricValue | None:
        """The metric named ``metric`` for ``column`` (None: table level), if computed."""
        for row in self.rows:
            if row.metric == metric and row.column == column:
                return row
        return None

    def value(self, metric: str, column: str | None = None) -> float | None:
        """Shortcut for ``get(...).value``; None when absent."""
        row = self.get(metric, column)
        return row.value if row else None

    @property
    def row_count(self) -> int | None:
        """The table's row count, when collected."""
        v = self.value("row_count")
        return None if v is None else int(v)

    def to_dicts(self) -> list[dict[str, Any]]:
        """Plain dicts, for JSON output."""
        return [{"column": r.column, "metric": r.metric, "value": r.value, "text": r.text} for r in self.rows]


def column_kind(data_type: str, dialect: str = "duckdb") -> str:
    """``numeric``, ``temporal``, ``nested`` or ``other`` for a type string of ``dialect``."""
    try:
        dtype = exp.DataType.build(data_type, dialect=dialect)
    except (ParseError, ValueError):
        upper = data_type.upper()
        if "[" in upper or upper.startswith(("STRUCT", "MAP", "LIST", "UNION", "ARRAY")):
            return "nested"
        return "other"
    kind = dtype.this
    if kind in _NUMERIC_TYPES and kind != exp.DataType.Type.BIGNUM:
        return "numeric"
    if kind in _DATE_TYPES:
        return "temporal"
    if kind in _NESTED_TYPES:
        return "nested"
    return "other"


def relation_expression(relation_sql: str, dialect: str) -> exp.Expression:
    """A FROM-clause item for ``relation_sql``: a query becomes a subquery, anything
    else (a name, a table function such as ``read_parquet(...)``) a table."""
    try:
        parsed = sqlglot.parse_one(relation_sql, read=dialect)
        if isinstance(parsed, exp.Query):
            return parsed.subquery("__weir_metrics")
        return sqlglot.parse_one(relation_sql, into=exp.Table, read=dialect)
    except ParseError as exc:
        raise EngineError(f"cannot measure {relation_sql[:200]!r}: it is neither a query nor a relation "
                          f"in the {dialect} dialect ({str(exc).splitlines()[0]})") from None


def metrics_query(relation_sql: str, columns: list[ColumnInfo], dialect: str = "duckdb", *,
                  exact_distinct: bool = False, distinct: bool = True
                  ) -> tuple[exp.Select, list[tuple[str | None, str, str]]]:
    """The one aggregate query, and per output column its (column, metric, kind)."""
    approx = not exact_distinct and dialect not in _NO_APPROX_DISTINCT
    selects: list[exp.Expr] = []
    layout: list[tuple[str | None, str, str]] = []

    def add(agg: exp.Expression, column: str | None, metric: str, kind: str) -> None:
        selects.append(exp.alias_(agg, f"m{len(selects)}"))
        layout.append((column, metric, kind))

    add(exp.Count(this=exp.Star()), None, "row_count", "count")
    for col in columns:
        ident = exp.column(col.name, quoted=True)
        kind = column_kind(col.data_type, dialect)
        add(exp.Sub(this=exp.Count(this=exp.Star()), expression=exp.Count(this=ident.copy())),
            col.name, "null_count", "count")
        if kind != "nested" and distinct:
            counted = (exp.ApproxDistinct(this=ident.copy()) if approx
                        else exp.Count(this=exp.Distinct(expressions=[ident.copy()])))
            add(counted, col.name, "distinct_count", "count")
        if kind == "numeric":
            add(exp.Min(this=ident.copy()), col.name, "min", "number")
            add(exp.Max(this=ident.copy()), col.name, "max", "number")
            # cast first: avg of a decimal or hugeint may not fit the column's own type
            add(exp.Avg(this=exp.cast(ident.copy(), exp.DataType.Type.DOUBLE)), col.name, "mean", "number")
        elif kind == "temporal":
            add(exp.Min(this=ident.copy()), col.name, "min", "temporal")
            add(exp.Max(this=ident.copy()), col.name, "max", "temporal")
    query = exp.select(*selects).from_(relation_expression(relation_sql, dialect))
    return query, layout


def collect_metrics(engine: Engine, relation_sql: str, columns: list[ColumnInfo] | None = None, *,
                    exact_distinct: bool = False, distinct: bool = True) -> TableMetrics:
    """Compute the table metrics of ``relation_sql`` (a relation name, table function or
    query) in one aggregate query on ``engine``; ``columns`` default to all of them."""
    if columns is None:
        star = exp.select("*").from_(relation_expression(relation_sql, engine.dialect))
        columns = engine.columns(star.sql(dialect=engine.dialect))
    query, layout = metrics_query(relation_sql, columns, engine.dialect, exact_distinct=exact_distinct,
                                  distinct=distinct)
    _, rows = engine.fetch(query.sql(dialect=engine.dialect))
    values = rows[0] if rows else (None,) * len(layout)
    return TableMetrics([_metric_value(column, metric, kind, raw)
                         for (column, metric, kind), raw in zip(layout, values, strict=True)])


def _metric_value(column: str | None, metric: str, kind: str, raw: Any) -> MetricValue:
    if raw is None:
        return MetricValue(column, metric, None, None)
    if kind == "temporal":
        return MetricValue(column, metric, _epoch(raw), _iso(raw))
    if isinstance(raw, bool):
        raw = int(raw)
    if isinstance(raw, int | float | Decimal):
        number = float(raw)
        if not math.isfinite(number):  # NaN/inf cannot be stored or compared; keep the text
            return MetricValue(column, metric, None, str(number))
        return MetricValue(column, metric, number, None)
    return MetricValue(column, metric, None, str(raw))


def _epoch(value: Any) -> float | None:
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
        return aware.timestamp()
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC).timestamp()
    return None


def _iso(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
