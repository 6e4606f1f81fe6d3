"""SQL predicates (dbt's insert_overwrite / delete+insert clauses) as pyiceberg row
filters: sqlglot parses, a small visitor maps comparisons, IN, BETWEEN, IS NULL and
boolean logic; anything else is refused with the predicate in the message."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

import sqlglot
from sqlglot import exp

from weir.errors import FormatError


def to_filter(predicate: str) -> Any:
    """The pyiceberg ``BooleanExpression`` of a SQL predicate."""
    try:
        tree = sqlglot.parse_one(predicate, dialect="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise FormatError(f"cannot parse the overwrite predicate {predicate!r}: {exc}") from None
    return _Translator(predicate).visit(tree)


def key_filter(rows: Sequence[dict[str, Any]], keys: Sequence[str]) -> Any:
    """Rows whose ``keys`` equal one of ``rows`` (distinct key tuples): IN for one key, a
    balanced OR of ANDs for several. Null keys never match, as in SQL."""
    ice = _expressions()
    rows = [{k: _plain(r[k]) for k in keys} for r in rows if all(r[k] is not None for k in keys)]
    if not rows:
        return ice.AlwaysFalse()
    if len(keys) == 1:
        return ice.In(keys[0], {r[keys[0]] for r in rows})
    terms = [ice.And(*[ice.EqualTo(k, r[k]) for k in keys]) for r in rows]
    return terms[0] if len(terms) == 1 else ice.Or(*terms)


def _expressions() -> Any:
    from pyiceberg import expressions

    return expressions


def _plain(value: Any) -> Any:
    """A key value pyiceberg can bind: dates and timestamps as ISO text."""
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return value


class _Translator:
    def __init__(self, predicate: str) -> None:
        self.predicate = predicate

    def refuse(self, node: exp.Expr) -> FormatError:
        return FormatError(
            f"the overwrite predicate {self.predicate!r} uses {node.sql(dialect='duckdb')!r}, which weir cannot "
            "translate into an Iceberg row filter",
            hint="use comparisons, IN, BETWEEN, IS NULL, AND/OR/NOT of columns and literals, "
                 "or materialize this model as a delta table",
        )

    def visit(self, node: exp.Expr) -> Any:
        ice = _expressions()
        if isinstance(node, exp.Paren):
            return self.visit(node.this)
        if isinstance(node, exp.And):
            return ice.And(self.visit(node.left), self.visit(node.right))
        if isinstance(node, exp.Or):
            return ice.Or(self.visit(node.left), self.visit(node.right))
        if isinstance(node, exp.Not):
            inner = node.this
            if isinstance(inner, exp.Is) and isinstance(inner.expression, exp.Null):
                return ice.NotNull(self.column(inner.this))
            return ice.Not(self.visit(inner))
        if isinstance(node, exp.Boolean):
            return ice.AlwaysTrue() if node.this else ice.AlwaysFalse()
        if isinstance(node, exp.Is) and isinstance(node.expression, exp.Null):
            return ice.IsNull(self.column(node.this))
        if isinstance(node, exp.In) and not node.args.get("query"):
            return ice.In(self.column(node.this), {self.literal(v) for v in node.expressions})
        if isinstance(node, exp.Between):
            col = self.column(node.this)
            return ice.And(ice.GreaterThanOrEqual(col, self.literal(node.args["low"])),
                           ice.LessThanOrEqual(col, self.literal(node.args["high"])))
        comparisons = {exp.EQ: (ice.EqualTo, ice.EqualTo), exp.NEQ: (ice.NotEqualTo, ice.NotEqualTo),
                       exp.GT: (ice.GreaterThan, ice.LessThan), exp.GTE: (ice.GreaterThanOrEqual, ice.LessThanOrEqual),
                       exp.LT: (ice.LessThan, ice.GreaterThan), exp.LTE: (ice.LessThanOrEqual, ice.GreaterThanOrEqual)}
        for kind, (op, flipped) in comparisons.items():
            if type(node) is kind:
                left, right = node.left, node.right
                if isinstance(left, exp.Column):
                    return op(self.column(left), self.literal(right))
                if isinstance(right, exp.Column):  # 5 < x  ->  x > 5
                    return flipped(self.column(right), self.literal(left))
        raise self.refuse(node)

    def column(self, node: exp.Expr) -> str:
        if isinstance(node, exp.Column) and not node.table:
            return str(node.name)
        raise self.refuse(node)

    def literal(self, node: exp.Expr) -> Any:
        if isinstance(node, exp.Cast):  # date '2024-01-01', cast('...' as date): the text binds to the type
            return self.literal(node.this)
        if isinstance(node, exp.Neg):
            value = self.literal(node.this)
            if isinstance(value, int | float):
                return -value
        if isinstance(node, exp.Boolean):
            return bool(node.this)
        if isinstance(node, exp.Literal):
            if node.is_string:
                return str(node.this)
            text = str(node.this)
            return float(text) if any(c in text for c in ".eE") else int(text)
        raise self.refuse(node)


__all__ = ["key_filter", "to_filter"]
