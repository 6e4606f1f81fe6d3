"""weir's SQL on Spark: the DuckDB-dialect SQL weir renders and generates, rewritten for
Spark SQL with sqlglot.

Pure functions over sqlglot ASTs (no Spark import): relations ``schema.name`` become the
session's temporary views ``schema__name``, file sources become ``parquet.`path```,
and DuckDB-only syntax gets a Spark equivalent. ``UNION ALL BY NAME`` needs the column
lists of both sides, which only the engine knows: it is resolved through a callback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlglot
from sqlglot import exp

#: weir's SQL (models rendered for the project, materializations, checks) is DuckDB's
SOURCE_DIALECT = "duckdb"
_FILE_SUFFIXES = (".parquet", ".csv", ".json")

Columns = Callable[[str], list[tuple[str, str]]]  # spark SQL -> [(name, spark type)]


def view_name(schema: str | None, identifier: str) -> str:
    """The temporary view that stands for ``schema.identifier`` in a Spark session."""
    return f"{schema}__{identifier}" if schema else identifier


def _file_table(table: exp.Table) -> exp.Expression | None:
    """``'data/x/*.parquet'`` (DuckDB reads files named as tables) -> ``parquet.`data/x/*.parquet```."""
    name = table.name
    if table.args.get("db") or not ("/" in name or name.lower().endswith(_FILE_SUFFIXES)):
        return None
    fmt = "csv" if name.lower().endswith(".csv") else "json" if name.lower().endswith(".json") else "parquet"
    new = exp.Table(this=exp.to_identifier(name, quoted=True), db=exp.to_identifier(fmt))
    if table.alias:
        new.set("alias", table.args.get("alias"))
    return new


def _read_function(node: exp.Expression) -> exp.Expression | None:
    """``read_parquet('a')`` / ``read_parquet(['a', 'b'])`` in FROM -> ``parquet.`a```."""
    if not isinstance(node, exp.Table) or not isinstance(node.this, exp.Anonymous | exp.ReadParquet | exp.ReadCSV):
        return None
    fn = node.this
    fname = (fn.name if isinstance(fn, exp.Anonymous) else fn.key).lower()
    args = [a for a in ([fn.this, *fn.expressions] if not isinstance(fn, exp.Anonymous) else fn.expressions)
            if isinstance(a, exp.Expression)]
    if not args:
        return None
    first = args[0]
    paths = [e.name for e in first.expressions] if isinstance(first, exp.Array) else [first.name]
    if len(paths) != 1:
        return None
    fmt = "csv" if "csv" in fname else "parquet"
    new = exp.Table(this=exp.to_identifier(paths[0], quoted=True), db=exp.to_identifier(fmt))
    if node.alias:
        new.set("alias", node.args.get("alias"))
    return new


def _relation_to_view(node: exp.Expression, ctes: set[str]) -> exp.Expression:
    if not isinstance(node, exp.Table):
        return node
    swapped = _read_function(node) or _file_table(node)
    if swapped is not None:
        return swapped
    if node.args.get("catalog") or not node.args.get("db") or not isinstance(node.this, exp.Identifier):
        return node
    db = node.args["db"].name
    if db.lower() in ("parquet", "csv", "json", "orc", "text", "global_temp"):
        return node
    new = exp.Table(this=exp.to_identifier(view_name(db, node.name), quoted=True))
    if node.alias:
        new.set("alias", node.args.get("alias"))
    return new


def _union_by_name(node: exp.Expression, columns: Columns) -> exp.Expression:
    """DuckDB's ``UNION [ALL] BY NAME`` as a plain union over aligned column lists."""
    if not isinstance(node, exp.Union) or not node.args.get("by_name"):
        return node
    left, right = node.left, node.right
    lcols, rcols = columns(left.sql("spark")), columns(right.sql("spark"))
    ltypes = {n.lower(): t for n, t in lcols}
    rtypes = {n.lower(): t for n, t in rcols}
    names = [n for n, _ in lcols] + [n for n, _ in rcols if n.lower() not in ltypes]

    def side(query: Any, have: dict[str, str], other: dict[str, str]) -> exp.Select:
        items: list[Any] = []
        for name in names:
            if name.lower() in have:
                items.append(exp.column(name, quoted=True))
            else:
                items.append(exp.alias_(exp.cast(exp.null(), exp.DataType.build(other[name.lower()], dialect="spark")),
                                        name, quoted=True))
        return exp.select(*items).from_(exp.paren(query.copy()).as_("__weir_by_name"))

    return exp.Union(this=side(left, ltypes, rtypes), expression=side(right, rtypes, ltypes),
                     distinct=node.args.get("distinct"))


def to_spark(sql: str, columns: Columns | None = None) -> str:
    """One statement of weir's SQL as Spark SQL."""
    tree = sqlglot.parse_one(sql, read=SOURCE_DIALECT)
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    tree = tree.transform(lambda n: _relation_to_view(n, ctes), copy=False)
    if columns is not None and any(isinstance(u, exp.Union) and u.args.get("by_name") for u in tree.find_all(exp.Union)):
        # innermost first: a by-name union may contain another
        for union in reversed(list(tree.find_all(exp.Union))):
            if union.args.get("by_name"):
                replacement = _union_by_name(union, columns)
                if union is tree:
                    tree = replacement
                else:
                    union.replace(replacement)
    return tree.sql(dialect="spark")


__all__ = ["SOURCE_DIALECT", "to_spark", "view_name"]
