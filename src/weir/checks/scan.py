"""Compile a suite into ONE aggregate query over the checked relation (a sqlglot AST that
renders for DuckDB, Spark and PostgreSQL), plus the follow-up queries run only for failures.

Every metric any expectation needs (row counts, null counts, unexpected counts of row-level
checks, min/max/avg/sum, distinct counts) is one select item; identical items are shared,
so two checks on one column cost one count.

Uniqueness (GE: *every row whose value appears more than once* is unexpected) has two
strategies:

* ``distinct`` (default): the scan computes ``count(col) - count(distinct col)``. Zero means
  no duplicates, exactly. Only when it is positive does the runner run one more query (a
  window count over the key) for GE's exact unexpected count, as it does for samples.
* ``window``: the scan reads the source through ``count(*) over (partition by key)`` and
  counts exact duplicates in the same query: exact in one statement, but the window sorts
  or hashes every row with all its columns, about twice the time of a distinct count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp

from weir.checks import rows
from weir.checks.expectations import Expectation, did_you_mean
from weir.checks.specs import parse_where
from weir.sql.relation import Relation

SRC = "_weir_src"


@dataclass(frozen=True)
class ScanPlan:
    """The single aggregate query of a suite, and where each expectation finds its metrics."""

    source: exp.Expr
    expectations: tuple[Expectation, ...]
    columns: dict[str, str]
    query: exp.Select
    metrics: tuple[dict[str, str], ...]
    dialect: str = "duckdb"
    unique_strategy: str = "distinct"

    def sql(self, dialect: str | None = None, *, pretty: bool = False) -> str:
        """The scan query in ``dialect`` (default: the plan's)."""
        return self.query.sql(dialect=dialect or self.dialect, pretty=pretty)

    def row_condition(self, index: int) -> exp.Expr | None:
        """``rows.row_condition`` of expectation ``index``, with the table's column types."""
        return rows.row_condition(self.expectations[index], self.columns, self.dialect)

    def exact_needed(self, row: Mapping[str, Any]) -> list[int]:
        """Uniqueness checks whose screening count found duplicates: GE's exact unexpected
        count (every row of a repeated value) needs ``exact_count_sql``."""
        out = []
        for i, e in enumerate(self.expectations):
            m = self.metrics[i]
            if "distinct" in m and e.is_map and (row.get(m["considered"]) or 0) - (row.get(m["distinct"]) or 0) > 0:
                out.append(i)
        return out

    def exact_count_sql(self, index: int, dialect: str | None = None) -> str:
        """Count of rows failing expectation ``index``."""
        query = exp.select(exp.Count(this=exp.Star())).from_(self._rows_with_windows(index))
        return query.where(exp.not_(self._condition(index))).sql(dialect=dialect or self.dialect)

    def samples_sql(self, index: int, limit: int = 20, dialect: str | None = None) -> str | None:
        """At most ``limit`` rows failing row-level expectation ``index``; None for others.
        Uniqueness samples carry the helper column ``rows.window_name(e)`` (the key's count)."""
        if not self.expectations[index].is_map:
            return None
        query = exp.select(exp.Star()).from_(self._rows_with_windows(index))
        query = query.where(exp.not_(self._condition(index))).limit(max(0, int(limit)))
        return query.sql(dialect=dialect or self.dialect)

    def _condition(self, index: int) -> exp.Expr:
        cond = self.row_condition(index)
        assert cond is not None
        return exp.paren(cond)

    def _rows_with_windows(self, index: int) -> exp.Expr:
        windows = rows.window_columns(self.expectations[index], self.dialect)
        return from_item(self.source, windows)


def as_source(source: Relation | exp.Expr | str, dialect: str = "duckdb") -> exp.Expr:
    """A relation name, a Relation, a query (text or AST) or a table AST as a FROM item."""
    if isinstance(source, Relation):
        if source.external is None:
            database = source.database if source.include_database else None
            schema = source.schema if source.include_schema and source.type != "cte" else None
            return exp.table_(source.identifier, db=schema, catalog=database, quoted=True)
        # a file-backed source renders as SQL text (a table function or a subquery)
        parsed = sqlglot.parse_one(f"select * from {source.external}", dialect=dialect)
        item = parsed.find(exp.From).this  # type: ignore[union-attr]
        if isinstance(item, exp.Subquery):
            return item.this
        return item.unalias() if isinstance(item, exp.Table) else item
    tree = sqlglot.parse_one(source, dialect=dialect) if isinstance(source, str) else source
    if isinstance(tree, exp.Query):
        return tree
    if isinstance(tree, exp.Table):
        return tree
    if isinstance(tree, exp.Column | exp.Dot | exp.Identifier):
        return exp.to_table(tree.sql(dialect=dialect), dialect=dialect)
    if isinstance(tree, exp.Subquery):
        return tree.this
    if isinstance(tree, exp.Func):  # a table function: read_parquet('x.parquet')
        return exp.Table(this=tree)
    raise ValueError(f"cannot check {source!r}: give a table name or a query")


def from_item(source: exp.Expr, windows: Mapping[str, exp.Expr] | None = None) -> exp.Expr:
    """``source AS _weir_src``, through ``SELECT *, <windows>`` when there are windows."""
    if windows:
        inner = exp.select(exp.Star(), *[w.copy().as_(name) for name, w in windows.items()])
        inner = inner.from_(from_item(source))
        return inner.subquery(SRC)
    if isinstance(source, exp.Query):
        return source.copy().subquery(SRC)
    return exp.alias_(source.copy(), SRC, table=True)


class _Metrics:
    """Select items, shared between expectations that need the same one."""

    def __init__(self) -> None:
        self.items: dict[str, tuple[str, exp.Expr]] = {}

    def add(self, expr: exp.Expr) -> str:
        key = expr.sql(dialect="duckdb")
        if key not in self.items:
            self.items[key] = (f"m{len(self.items)}", expr)
        return self.items[key][0]


def compile_scan(source: Relation | exp.Expr | str, expectations: Sequence[Expectation],
                 columns: Mapping[str, str], dialect: str = "duckdb", *,
                 unique_strategy: str = "distinct") -> ScanPlan:
    """One aggregate SELECT computing every metric of ``expectations`` on ``source``.

    ``columns`` (name -> type) is the source's schema: a check on a column that does not
    exist (or a ``where`` naming one) raises ExpectationError with the suite's file and line.
    """
    if unique_strategy not in ("distinct", "window"):
        raise ValueError("unique_strategy is 'distinct' or 'window'")
    src = as_source(source, dialect)
    cols = dict(columns)
    resolved = tuple(resolve_columns(e, cols, dialect) for e in expectations)
    metrics = _Metrics()
    element = metrics.add(exp.Count(this=exp.Star()))
    windows: dict[str, exp.Expr] = {}
    per: list[dict[str, str]] = []
    for e in resolved:
        use_window = e.kind in ("unique", "compound_unique") and (
            unique_strategy == "window" or (e.kind == "compound_unique" and len(e.columns) == 1))
        if use_window:
            windows.update(rows.window_columns(e, dialect))
        per.append(_metrics_of(e, metrics, cols, dialect, element, use_window))
    query = exp.select(*[expr.as_(alias) for alias, expr in metrics.items.values()]).from_(from_item(src, windows))
    return ScanPlan(src, resolved, cols, query, tuple(per), dialect, unique_strategy)


def _count_if(cond: exp.Expr | None, element: str, metrics: _Metrics) -> str:
    return element if cond is None else metrics.add(exp.CountIf(this=cond))


def _metrics_of(e: Expectation, metrics: _Metrics, cols: Mapping[str, str], dialect: str, element: str,
                use_window: bool) -> dict[str, str]:
    where = rows.where_of(e, dialect)
    out = {"element": _count_if(where, element, metrics)}
    kind = e.kind
    if kind == "schema":
        return out
    if kind in ("not_null", "column_map", "unique") or (e.column is not None and kind == "aggregate"):
        c = rows.col(e.column or "")
        nonnull = exp.Count(this=c) if where is None else exp.CountIf(this=exp.and_(where, exp.not_(c.is_(exp.null()))))
        out["considered"] = metrics.add(nonnull)
    if kind in ("compound_unique", "pair"):
        out["considered"] = _count_if(rows.checked(e, dialect), element, metrics)
    if kind in ("column_map", "pair") or (kind in ("unique", "compound_unique") and use_window):
        out["unexpected"] = metrics.add(exp.CountIf(this=rows.unexpected(e, cols, dialect)))
    elif kind in ("unique", "compound_unique"):
        out["distinct"] = metrics.add(_distinct(e, dialect))
    elif kind == "aggregate":
        _aggregate(e, where, metrics, out, dialect)
    return out


def _distinct(e: Expectation, dialect: str) -> exp.Expr:
    key: exp.Expr = rows.col(e.columns[0]) if len(e.columns) == 1 else \
        exp.Tuple(expressions=[rows.col(c) for c in e.columns])
    cond = rows.checked(e, dialect) if e.kind == "compound_unique" else rows.where_of(e, dialect)
    if cond is not None:
        key = exp.Case(ifs=[exp.If(this=cond, true=key)])
    return exp.Count(this=exp.Distinct(expressions=[key]))


_AGGREGATES = {"mean": exp.Avg, "min": exp.Min, "max": exp.Max, "sum": exp.Sum}


def _aggregate(e: Expectation, where: exp.Expr | None, metrics: _Metrics, out: dict[str, str],
               dialect: str) -> None:
    short = e.type.removeprefix("expect_")
    if short.startswith("table_"):
        return
    value: exp.Expr = rows.col(e.column or "")
    if where is not None:
        value = exp.Case(ifs=[exp.If(this=where, true=value)])
    if short == "column_proportion_of_unique_values_to_be_between":
        out["distinct"] = metrics.add(exp.Count(this=exp.Distinct(expressions=[value])))
        return
    func = "max" if short == "column_max_to_be_within_age" else short.split("_")[1]
    out["value"] = metrics.add(_AGGREGATES[func](this=value))


_COLUMN_ARGS = ("column", "column_A", "column_B")


def resolve_columns(e: Expectation, columns: Mapping[str, str], dialect: str = "duckdb") -> Expectation:
    """``e`` with its column names matched to ``columns`` (exactly, else ignoring case);
    a missing one is an error at the suite's file and line, with a did-you-mean."""
    lower: dict[str, list[str]] = {}
    for name in columns:
        lower.setdefault(name.lower(), []).append(name)

    def find(name: str, key: str) -> str:
        if name in columns:
            return name
        same = lower.get(name.lower(), [])
        if len(same) == 1:
            return same[0]
        hint = did_you_mean(name, list(columns)) or f"columns: {', '.join(columns)}"
        raise e.error(f"column {name!r} does not exist", key=key, hint=hint)

    changes: dict[str, Any] = {}
    for key in _COLUMN_ARGS:
        value = getattr(e.args, key, None)
        if isinstance(value, str):
            found = find(value, key)
            if found != value:
                changes[key] = found
    if isinstance(getattr(e.args, "column_list", None), list):
        found_list = [find(c, "column_list") for c in e.args.column_list]  # type: ignore[attr-defined]
        if found_list != e.args.column_list:  # type: ignore[attr-defined]
            changes["column_list"] = found_list
    if e.where:
        for ref in parse_where(e.where, dialect).find_all(exp.Column):
            if not ref.table:  # a qualified name may be a struct field: leave it to the engine
                find(ref.name, "where")
    return e.replace(**changes) if changes else e
