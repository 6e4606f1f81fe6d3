"""Turn the scan's one result row into a CheckResult per expectation, with GE's semantics.

Row-level checks: success when no row is checked, else when
``(checked - unexpected) / checked >= mostly``. Aggregates: a metric of no values (mean,
min, max, sum of nothing) is None and fails; the proportion of unique values of no values
is 0, as in GE.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlglot import exp
from sqlglot.errors import SqlglotError

from weir.checks.expectations import Expectation
from weir.checks.results import CheckResult
from weir.checks.scan import ScanPlan

_WHAT = {
    "column_values_to_not_be_null": "null",
    "column_values_to_be_unique": "duplicated",
    "column_values_to_be_between": "out of range",
    "column_values_to_be_in_set": "not in value_set",
    "column_values_to_not_be_in_set": "in value_set",
    "column_values_to_match_regex": "not matching the regex",
    "column_value_lengths_to_be_between": "of a length out of range",
    "compound_columns_to_be_unique": "duplicated",
    "column_pair_values_a_to_be_greater_than_b": "not greater",
}


def evaluate(plan: ScanPlan, row: Mapping[str, Any] | Sequence[Any], *,
             exact: Mapping[int, int] | None = None, now: dt.datetime | None = None) -> list[CheckResult]:
    """Results of every expectation of ``plan`` from the scan's row (a mapping by alias, or a
    tuple in select order). ``exact`` holds GE's exact unexpected counts of uniqueness checks
    the scan found duplicates for (``plan.exact_needed``); without one such a check fails
    with an unknown count. ``now`` is the reference time of freshness checks (default: now, UTC)."""
    if not isinstance(row, Mapping):
        aliases = [s.alias_or_name for s in plan.query.expressions]
        row = dict(zip(aliases, row, strict=True))
    out = []
    for i, e in enumerate(plan.expectations):
        values = {name: row.get(alias) for name, alias in plan.metrics[i].items()}
        if e.is_map:
            result = _row_level(e, values, (exact or {}).get(i))
        elif e.kind == "schema":
            result = _schema(e, plan.columns, plan.dialect)
        else:
            result = _aggregate(e, values, now)
        out.append(result)
    return out


def _base(e: Expectation, success: bool, message: str, **fields: Any) -> CheckResult:
    column = e.column if e.kind != "pair" else None
    return CheckResult(expectation_type=e.type, column=column, kwargs=e.kwargs, success=success,
                       severity=e.severity, message=message, name=e.name, **fields)


def _int(value: Any) -> int:
    return int(value or 0)


def _row_level(e: Expectation, values: Mapping[str, Any], exact: int | None) -> CheckResult:
    element = _int(values.get("element"))
    considered = _int(values.get("considered", element))
    missing: int | None = element - considered
    unexpected: int | None
    if e.kind == "not_null":
        unexpected, considered, missing = element - considered, element, None
    elif "distinct" in values:
        duplicates = considered - _int(values["distinct"])
        unexpected = 0 if duplicates == 0 else exact
    else:
        unexpected = _int(values.get("unexpected"))
    noun = "values" if e.kind in ("column_map", "unique") else "rows"
    short = e.type.removeprefix("expect_")
    if considered == 0:
        return _base(e, True, f"no {noun} to check", element_count=element, unexpected_count=0,
                     unexpected_percent=None, missing_count=missing)
    if unexpected is None:
        return _base(e, False, f"{noun} are {_WHAT[short]} (exact count not computed)", element_count=element,
                     missing_count=missing)
    percent = unexpected / considered * 100
    success = (considered - unexpected) / considered >= e.mostly
    message = f"{unexpected:,} of {considered:,} {noun} {_WHAT[short]} ({percent:.4g}%)"
    if e.mostly < 1:
        message += f"; mostly {e.mostly:g} allows {(1 - e.mostly) * 100:.4g}%"
    return _base(e, success, message, element_count=element, unexpected_count=unexpected,
                 unexpected_percent=percent, missing_count=missing)


def _aggregate(e: Expectation, values: Mapping[str, Any], now: dt.datetime | None) -> CheckResult:
    short = e.type.removeprefix("expect_")
    element = _int(values.get("element"))
    observed: Any
    if short == "table_row_count_to_be_between":
        observed = element
    elif short == "column_proportion_of_unique_values_to_be_between":
        nonnull = _int(values.get("considered"))
        observed = _int(values.get("distinct")) / nonnull if nonnull else 0.0
    else:
        observed = values.get("value")
    if short == "column_max_to_be_within_age":
        return _freshness(e, observed, element, now)
    if isinstance(observed, Decimal) and short == "column_mean_to_be_between":
        observed = float(observed)
    metric = short.removeprefix("column_").removeprefix("table_").removesuffix("_to_be_between")
    metric = metric.replace("_", " ")
    if observed is None:
        return _base(e, False, f"{metric} is null (no values)", observed_value=None, element_count=element)
    ok, bounds = within(observed, e.args)
    shown = f"{observed:,}" if isinstance(observed, int) else f"{observed:.6g}" \
        if isinstance(observed, float) else str(observed)
    return _base(e, ok, f"{metric} {shown} {'is' if ok else 'is not'} {bounds}", observed_value=observed,
                 element_count=element)


def within(observed: Any, args: Any) -> tuple[bool, str]:
    """Whether ``observed`` lies within the min/max bounds of ``args``, and the bounds as text."""
    lo, hi = _coerce(args.min_value, observed), _coerce(args.max_value, observed)
    if lo is not None and hi is not None:
        text = f"in {'(' if args.strict_min else '['}{args.min_value}, {args.max_value}{')' if args.strict_max else ']'}"
    elif lo is not None:
        text = f"{'>' if args.strict_min else '>='} {args.min_value}"
    else:
        text = f"{'<' if args.strict_max else '<='} {args.max_value}"
    try:
        if lo is not None and (observed <= lo if args.strict_min else observed < lo):
            return False, text
        if hi is not None and (observed >= hi if args.strict_max else observed > hi):
            return False, text
    except TypeError:
        return False, f"{text} (cannot compare {type(observed).__name__} with the bounds)"
    return True, text


def _coerce(bound: Any, observed: Any) -> Any:
    """A bound in the observed value's type: ISO text to dates, dates to datetimes."""
    if bound is None:
        return None
    if isinstance(observed, dt.datetime):
        if isinstance(bound, str):
            bound = dt.datetime.fromisoformat(bound)
        elif isinstance(bound, dt.date) and not isinstance(bound, dt.datetime):
            bound = dt.datetime.combine(bound, dt.time.min)
        if isinstance(bound, dt.datetime) and (bound.tzinfo is None) != (observed.tzinfo is None):
            bound = bound.replace(tzinfo=observed.tzinfo or dt.UTC) if bound.tzinfo is None \
                else bound.astimezone(dt.UTC).replace(tzinfo=None)
    elif isinstance(observed, dt.date) and isinstance(bound, str):
        bound = dt.date.fromisoformat(bound)
    elif isinstance(observed, Decimal) and isinstance(bound, float):
        bound = Decimal(str(bound))
    return bound


def _freshness(e: Expectation, newest: Any, element: int, now: dt.datetime | None) -> CheckResult:
    max_age = e.max_age
    assert max_age is not None
    if newest is None:
        return _base(e, False, "no values: the newest is null", observed_value=None, element_count=element)
    if isinstance(newest, str):
        newest = dt.datetime.fromisoformat(newest)
    if not isinstance(newest, dt.datetime):
        if not isinstance(newest, dt.date):
            return _base(e, False, f"newest value {newest!r} is not a date or timestamp", observed_value=newest,
                         element_count=element)
        newest = dt.datetime.combine(newest, dt.time.min)
    now = now or dt.datetime.now(dt.UTC)
    if newest.tzinfo is None:  # naive timestamps are read as UTC
        now = now.astimezone(dt.UTC).replace(tzinfo=None) if now.tzinfo else now
    elif now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    age = now - newest
    ok = age <= max_age
    return _base(e, ok, f"newest {newest.isoformat(sep=' ')} is {_age(age)} old; max_age {e.args.max_age}"  # type: ignore[attr-defined]
                 , observed_value=newest, element_count=element)


def _age(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    sign, seconds = ("-", -seconds) if seconds < 0 else ("", seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{v}{u}" for v, u in ((days, "d"), (hours, "h"), (minutes, "m"), (secs, "s")) if v]
    return sign + ("".join(parts[:2]) or "0s")


def _schema(e: Expectation, columns: Mapping[str, str], dialect: str) -> CheckResult:
    if e.type == "expect_table_columns_to_match_set":
        actual = list(columns)
        wanted = list(e.args.column_set)  # type: ignore[attr-defined]
        missing = [c for c in wanted if c not in actual]
        extra = [c for c in actual if c not in wanted]
        exact_match = bool(e.args.exact_match)  # type: ignore[attr-defined]
        ok = not missing and (not extra or not exact_match)
        parts = [f"missing {', '.join(missing)}" if missing else "",
                 f"unexpected {', '.join(extra)}" if extra and exact_match else ""]
        detail = "; ".join(p for p in parts if p) or f"columns are {', '.join(actual)}"
        return _base(e, ok, detail, observed_value=actual)
    name = e.column or ""
    actual_type = columns[name]
    wanted_type = str(e.args.type_)  # type: ignore[attr-defined]
    ok = same_type(actual_type, wanted_type, dialect)
    return _base(e, ok, f"type is {actual_type}" + ("" if ok else f", expected {wanted_type}"),
                 observed_value=actual_type)


def same_type(actual: str, wanted: str, dialect: str = "duckdb") -> bool:
    """``INTEGER`` matches ``INT``, ``DECIMAL`` matches ``DECIMAL(18,3)``, case-insensitively."""
    try:
        a = exp.DataType.build(actual, dialect=dialect)
        w = exp.DataType.build(wanted, dialect=dialect)
    except (SqlglotError, ValueError):  # an unknown type name is compared as written
        return actual.strip().upper() == wanted.strip().upper()
    if not any(ch in wanted for ch in "(<["):  # no parameters given: any precision/length
        return a.this == w.this
    return a.sql(dialect=dialect).upper() == w.sql(dialect=dialect).upper()
