"""Row-level predicates of expectations, as sqlglot ASTs.

For a row-level (map) expectation, each row of the checked relation is either

* outside the check: ``where`` is not true for it, or it is *ignored* (a null value: GE
  ignores nulls in every column map except ``not_be_null``);
* or checked, and then it passes (``good``) or is unexpected.

``row_condition`` is true exactly for the rows that pass or are outside the check; the scan
counts the others. Uniqueness is a property of a row among rows, so its ``good`` refers to a
window column (``count(*) over (partition by the key)``) that ``window_columns`` defines.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from sqlglot import exp

from weir.checks.expectations import Expectation
from weir.checks.specs import parse_where

_STRING_TYPES = ("VARCHAR", "TEXT", "STRING", "CHAR", "BPCHAR", "CHARACTER")


def col(name: str) -> exp.Column:
    """A quoted column reference (names may be reserved words or mixed case)."""
    return exp.column(name, quoted=True)


def literal(value: Any) -> exp.Expr:
    """A Python scalar (str, number, bool, date, datetime) as a SQL literal."""
    return exp.convert(value)


def where_of(e: Expectation, dialect: str = "duckdb") -> exp.Expr | None:
    """The expectation's ``where`` predicate, parenthesized, or None."""
    return exp.paren(parse_where(e.where, dialect), copy=False) if e.where else None


def ignored(e: Expectation) -> exp.Expr | None:
    """Rows that a map expectation skips (GE's null handling and ``ignore_row_if``)."""
    if e.kind in ("column_map", "unique"):
        return col(e.columns[0]).is_(exp.null())
    nulls = [col(c).is_(exp.null()) for c in e.columns]
    rule = getattr(e.args, "ignore_row_if", None)
    if rule in ("all_values_are_missing", "both_values_are_missing"):
        return exp.and_(*nulls) if len(nulls) > 1 else nulls[0]
    if rule in ("any_value_is_missing", "either_value_is_missing"):
        return exp.or_(*nulls) if len(nulls) > 1 else nulls[0]
    return None


def checked(e: Expectation, dialect: str = "duckdb") -> exp.Expr | None:
    """Rows a map expectation looks at: ``where`` holds and the row is not ignored."""
    parts = [p for p in (where_of(e, dialect), _not(ignored(e))) if p is not None]
    return exp.and_(*parts) if parts else None


def window_name(e: Expectation) -> str:
    """Name of the helper column counting rows per key of a uniqueness expectation."""
    key = f"{e.type}|{'|'.join(e.columns)}|{e.where or ''}|{getattr(e.args, 'ignore_row_if', '')}"
    return "_weir_n_" + hashlib.sha1(key.encode()).hexdigest()[:10]


def window_columns(e: Expectation, dialect: str = "duckdb") -> dict[str, exp.Expr]:
    """``{name: count(...) over (partition by key)}`` for uniqueness expectations, else ``{}``.

    The count covers checked rows only, so a key repeated on rows outside ``where`` (or on
    ignored rows) does not make a checked row a duplicate.
    """
    if e.kind not in ("unique", "compound_unique"):
        return {}
    keys = [col(c) for c in e.columns]
    cond = checked(e, dialect)
    if cond is None:
        counted: exp.Expr = exp.Count(this=exp.Star())
    elif e.kind == "unique" and e.where is None:
        counted = exp.Count(this=col(e.columns[0]))
    else:
        counted = exp.Count(this=exp.Case(ifs=[exp.If(this=cond, true=exp.Literal.number(1))]))
    return {window_name(e): exp.Window(this=counted, partition_by=keys)}


def good(e: Expectation, columns: Mapping[str, str] | None = None) -> exp.Expr:
    """The predicate a checked row must satisfy (for uniqueness: on the window column)."""
    kind = e.kind
    if kind == "not_null":
        return exp.not_(col(e.columns[0]).is_(exp.null()))
    if kind in ("unique", "compound_unique"):
        return exp.LTE(this=exp.column(window_name(e)), expression=exp.Literal.number(1))
    if kind == "pair":
        a, b = (col(c) for c in e.columns)
        cmp = exp.GTE if e.args.or_equal else exp.GT  # type: ignore[attr-defined]
        return exp.func("coalesce", cmp(this=a, expression=b), exp.false())
    if kind == "column_map":
        return value_condition(e, columns)
    raise ValueError(f"{e.type} is not a row-level expectation")


def value_condition(e: Expectation, columns: Mapping[str, str] | None = None) -> exp.Expr:
    """For column maps: the predicate on one non-null value."""
    name = e.columns[0]
    c = col(name)
    args = e.args
    short = e.type.removeprefix("expect_")
    if short == "column_values_to_be_between":
        return _between(c, args)
    if short == "column_value_lengths_to_be_between":
        return _between(exp.Length(this=_text(name, columns)), args)
    if short in ("column_values_to_be_in_set", "column_values_to_not_be_in_set"):
        # a null in value_set never decides anything: nulls are ignored
        values = [literal(v) for v in args.value_set if v is not None]  # type: ignore[attr-defined]
        inside: exp.Expr = exp.In(this=c, expressions=values) if values else exp.false()
        return inside if short.endswith("to_be_in_set") else exp.not_(inside)
    if short == "column_values_to_match_regex":
        return exp.RegexpLike(this=_text(name, columns), expression=exp.Literal.string(args.regex))  # type: ignore[attr-defined]
    raise ValueError(f"no row predicate for {e.type}")


def _between(value: exp.Expr, args: Any) -> exp.Expr:
    parts: list[exp.Expr] = []
    if args.min_value is not None:
        low: type[exp.Binary] = exp.GT if args.strict_min else exp.GTE
        parts.append(low(this=value.copy(), expression=literal(args.min_value)))
    if args.max_value is not None:
        high: type[exp.Binary] = exp.LT if args.strict_max else exp.LTE
        parts.append(high(this=value.copy(), expression=literal(args.max_value)))
    return exp.and_(*parts) if len(parts) > 1 else parts[0]


def _text(name: str, columns: Mapping[str, str] | None) -> exp.Expr:
    typ = (columns or {}).get(name, "")
    if typ.upper().startswith(_STRING_TYPES):
        return col(name)
    return exp.cast(col(name), exp.DataType.build("text"))


def _not(cond: exp.Expr | None) -> exp.Expr | None:
    return exp.not_(cond) if cond is not None else None


def unexpected(e: Expectation, columns: Mapping[str, str] | None = None,
               dialect: str = "duckdb") -> exp.Expr:
    """Rows the scan counts as unexpected: checked and not good."""
    fail: exp.Expr = exp.not_(exp.paren(good(e, columns)))
    if e.kind == "not_null":
        fail = col(e.columns[0]).is_(exp.null())
    cond = checked(e, dialect)
    return exp.and_(cond, fail) if cond is not None else fail


def row_condition(e: Expectation, columns: Mapping[str, str] | None = None,
                  dialect: str = "duckdb") -> exp.Expr | None:
    """The predicate one row must satisfy to pass ``e``; None for table-level expectations.

    Rows outside ``where`` and ignored rows pass. It is never NULL, so ``WHERE cond`` and
    ``WHERE NOT cond`` split a relation into passing and failing rows. For uniqueness it
    refers to the column ``window_columns(e)`` defines: select it alongside first.
    """
    if not e.is_map:
        return None
    parts: list[exp.Expr] = []
    where = where_of(e, dialect)
    if where is not None:
        parts.append(exp.not_(exp.func("coalesce", where, exp.false())))
    skip = ignored(e) if e.kind != "not_null" else None
    if skip is not None:
        parts.append(exp.paren(skip))
    parts.append(exp.paren(good(e, columns)))
    return exp.or_(*parts) if len(parts) > 1 else parts[0]
