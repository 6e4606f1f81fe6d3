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


def _with_of(node: exp.Expr) -> exp.Expression | None:
    return node.args.get("with_") or node.args.get("with")  # the key's name depends on sqlglot's version


def _in_scope(query: exp.Expr, around: exp.Expr | None, columns: Columns) -> str:
    """``query`` (a part of ``around``) as Spark SQL that runs alone: with the CTEs it can
    see (those of the queries around it, outermost first, and in a WITH only the ones
    before the CTE it sits in), themselves resolved (they may hold RENAME / BY NAME too)."""
    probe: Any = query.copy()
    scopes: list[list[exp.Expr]] = []
    node: exp.Expr | None = around
    child: exp.Expr | None = None
    while node is not None:
        if isinstance(node, exp.With) and isinstance(child, exp.CTE):
            scopes.append(list(node.expressions[: node.expressions.index(child)]))
        elif (with_ := _with_of(node)) is not None and with_ is not child:
            scopes.append(list(with_.expressions))
        node, child = node.parent, node
    for ctes in reversed(scopes):
        for cte in ctes:
            probe = probe.with_(cte.alias, as_=cte.this.copy(), copy=False)
    return _resolve(probe, columns).sql("spark")


def _union_by_name(node: exp.Expression, columns: Columns) -> exp.Expression:
    """DuckDB's ``UNION [ALL] BY NAME`` as a plain union over aligned column lists."""
    if not isinstance(node, exp.Union) or not node.args.get("by_name"):
        return node
    left, right = node.left, node.right
    lcols, rcols = columns(_in_scope(left, node, columns)), columns(_in_scope(right, node, columns))
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

    union = exp.Union(this=side(left, ltypes, rtypes), expression=side(right, rtypes, ltypes),
                      distinct=node.args.get("distinct"))
    with_ = _with_of(node)
    if with_ is not None:  # the union's own CTEs stay on it
        union.set("with_" if "with_" in node.args else "with", with_.copy())
    return union


def _star_rename(select: exp.Select, columns: Columns) -> None:
    """DuckDB's ``select * rename (a as b) from q`` as ``select `a` as `b`, `c`, ... from q``
    (Spark has no RENAME): the column list of ``q`` comes from the engine."""
    star = select.expressions[0]
    renames = {r.this.name.lower(): r.alias for r in star.args["rename"]}
    probe = select.copy()
    probe.set("expressions", [exp.Star()])
    items: list[exp.Expr] = []
    for name, _ in columns(_in_scope(probe, select.parent, columns)):  # the copy has the select's own WITH
        col = exp.column(name, quoted=True)
        new_name = renames.get(name.lower())
        items.append(exp.alias_(col, new_name, quoted=True) if new_name else col)
    select.set("expressions", items)


def _needs_columns(node: exp.Expr) -> bool:
    """A DuckDB-only construct that needs the engine's column lists: BY NAME, ``* RENAME``."""
    if isinstance(node, exp.Union):
        return bool(node.args.get("by_name"))
    return (isinstance(node, exp.Select) and len(node.expressions) == 1
            and isinstance(node.expressions[0], exp.Star) and bool(node.expressions[0].args.get("rename")))


def _resolve(tree: Any, columns: Columns) -> Any:
    """Rewrite every BY NAME union and ``* RENAME``, deepest first (a node's parts are
    plain Spark SQL by the time its own columns are asked for)."""
    for node in reversed([n for n in tree.find_all(exp.Union, exp.Select) if _needs_columns(n)]):
        if isinstance(node, exp.Union):
            replacement = _union_by_name(node, columns)
            if node is tree:
                tree = replacement
            else:
                node.replace(replacement)
        else:
            _star_rename(node, columns)
    return tree


_TIMESTAMPS = {exp.DataType.Type.TIMESTAMP, exp.DataType.Type.TIMESTAMPNTZ, exp.DataType.Type.TIMESTAMPTZ,
               exp.DataType.Type.TIMESTAMPLTZ}


def _series_to_range(node: exp.Expression) -> exp.Expression:
    """DuckDB's ``range(a, b[, step])`` / ``generate_series`` in FROM as a Spark subquery
    under the DuckDB column name (sqlglot would write an ``EXPLODE(SEQUENCE(...))`` Spark
    cannot use as a table): numbers through Spark's ``range`` (column ``id``, end
    excluded); dates or timestamps with an interval step through ``explode(sequence(..))``
    over timestamps (DuckDB's series of dates are timestamps), ``range`` without its end."""
    if not (isinstance(node, exp.Table) and isinstance(node.this, exp.GenerateSeries)):
        return node
    series = node.this
    start, end, step = series.args.get("start"), series.args.get("end"), series.args.get("step")
    if start is None or end is None:
        return node
    exclusive = bool(series.args.get("is_end_exclusive"))
    alias = node.args.get("alias")
    column = alias.columns[0].name if alias is not None and alias.columns else (
        "range" if exclusive else "generate_series")
    name = alias.name if alias is not None and alias.name else column
    if step is not None and step.find(exp.Interval):
        rows = _time_series(start, end, step, column, exclusive)
    else:
        if not exclusive:  # generate_series includes its end
            end = exp.Add(this=end.copy(), expression=exp.Literal.number(1))
        args = [start.copy(), end.copy()] + ([step.copy()] if step is not None else [])
        rows = exp.select(exp.alias_(exp.column("id"), column)).from_(
            exp.Table(this=exp.Anonymous(this="range", expressions=args)))
    return exp.Subquery(this=rows, alias=exp.TableAlias(this=exp.to_identifier(name)))


def _time_series(start: exp.Expr, end: exp.Expr, step: exp.Expr, column: str, exclusive: bool) -> exp.Select:
    """Timestamps from ``start`` to ``end`` by an interval, as rows of ``column``; Spark's
    ``sequence`` includes the end, which ``range`` (``exclusive``) drops."""
    ts = exp.DataType.build("timestamp")
    seq = exp.Anonymous(this="sequence", expressions=[exp.cast(start.copy(), ts), exp.cast(end.copy(), ts),
                                                      step.copy()])
    rows = exp.select(exp.alias_(exp.Explode(this=seq), column, quoted=True))
    if not exclusive:
        return rows
    return (exp.select(exp.column(column, quoted=True)).from_(rows.subquery("__weir_series"))
            .where(exp.NEQ(this=exp.column(column, quoted=True), expression=exp.cast(end.copy(), ts))))


def _interval_arithmetic(node: exp.Expression) -> exp.Expression:
    """DuckDB's ``x + INTERVAL ...`` is a timestamp even for a date ``x`` (Spark keeps a
    date): ``x`` is cast to a timestamp first, as DuckDB does implicitly."""
    if not isinstance(node, exp.Add | exp.Sub) or not isinstance(node.expression, exp.Interval):
        return node
    left = node.this
    if isinstance(left, exp.Interval | exp.CurrentTimestamp) or (
            isinstance(left, exp.Cast) and left.to.this in _TIMESTAMPS) or (
            isinstance(left, exp.Anonymous) and left.name.lower() in ("now", "get_current_timestamp")):
        return node
    node.set("this", exp.cast(left, exp.DataType.build("timestamp")))
    return node


def to_spark(sql: str, columns: Columns | None = None) -> str:
    """One statement of weir's SQL as Spark SQL."""
    tree = sqlglot.parse_one(sql, read=SOURCE_DIALECT)
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    tree = tree.transform(lambda n: _interval_arithmetic(_series_to_range(_relation_to_view(n, ctes))),
                          copy=False)
    if columns is not None:
        tree = _resolve(tree, columns)
    return tree.sql(dialect="spark")


__all__ = ["SOURCE_DIALECT", "to_spark", "view_name"]
