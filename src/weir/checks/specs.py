"""The argument models of every expectation (one pydantic model each) and the registry that
names them: kind (how the scan computes it), positional order, one-line doc."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

import sqlglot
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    field_validator,
    model_validator,
)
from sqlglot import exp

# A bound of a between check: numbers, dates, or text (compared as the column's type).
Bound = StrictInt | StrictFloat | datetime | date | str | None
Scalar = StrictBool | StrictInt | StrictFloat | datetime | date | str | None

# map kinds check each row; aggregate kinds one metric of the table; schema kinds its columns
MAP_KINDS = frozenset({"not_null", "column_map", "unique", "compound_unique", "pair"})
KINDS = MAP_KINDS | {"aggregate", "schema"}

_SEVERITY = {"error": "error", "warn": "warn", "warning": "warn", "critical": "error", "info": "warn"}


class Base(BaseModel):
    """Arguments every expectation takes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    severity: Literal["error", "warn"] = "error"
    name: str | None = None
    meta: dict[str, Any] | None = None

    @field_validator("severity", mode="before")
    @classmethod
    def _severity(cls, value: Any) -> Any:
        # GE 1.x writes critical/warning/info
        return _SEVERITY.get(value.lower(), value) if isinstance(value, str) else value


class Common(Base):
    """Arguments of expectations that look at rows: ``where`` restricts them."""

    where: str | None = None

    @field_validator("where")
    @classmethod
    def _where(cls, value: str | None) -> str | None:
        if value is not None:
            parse_where(value)
        return value


def parse_where(text: str, dialect: str = "duckdb") -> exp.Expr:
    """A ``where`` predicate as an AST; a statement or unparseable text is a ValueError."""
    try:
        tree = sqlglot.parse_one(text, dialect=dialect)
    except sqlglot.errors.ParseError as exc:
        raise ValueError(f"not a SQL predicate: {str(exc).splitlines()[0]}") from None
    if not isinstance(tree, exp.Condition):
        raise ValueError(f"must be a predicate such as \"status = 'paid'\", not {text!r}")
    return tree


class RowLevel(Common):
    """Arguments of row-level (map) expectations."""

    mostly: float = Field(1.0, ge=0.0, le=1.0)

    @field_validator("mostly", mode="before")
    @classmethod
    def _mostly(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("mostly must be a number between 0 and 1")
        return value


class Column(RowLevel):
    column: str


class Between(BaseModel):
    """min_value/max_value with GE's strict_min/strict_max; at least one bound."""

    min_value: Bound = None
    max_value: Bound = None
    strict_min: StrictBool = False
    strict_max: StrictBool = False

    @model_validator(mode="after")
    def _bounds(self) -> Between:
        if self.min_value is None and self.max_value is None:
            raise ValueError("give min_value, max_value or both")
        lo, hi = self.min_value, self.max_value
        if lo is not None and hi is not None and type(lo) is type(hi) and lo > hi:  # type: ignore[operator]
            raise ValueError(f"min_value {lo!r} is greater than max_value {hi!r}")
        return self


class ColumnBetween(Column, Between):
    pass


class ColumnValueSet(Column):
    value_set: list[Scalar]


class ColumnRegex(Column):
    regex: str

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"does not compile: {exc}") from None
        return value


class ColumnLengths(Column, Between):
    min_value: StrictInt | None = None  # type: ignore[assignment]
    max_value: StrictInt | None = None  # type: ignore[assignment]


class CompoundUnique(RowLevel):
    column_list: list[str] = Field(min_length=1)
    ignore_row_if: Literal["all_values_are_missing", "any_value_is_missing", "never"] = "all_values_are_missing"


class PairGreater(RowLevel):
    column_A: str
    column_B: str
    or_equal: StrictBool = False
    ignore_row_if: Literal["both_values_are_missing", "either_value_is_missing", "neither"] = \
        "both_values_are_missing"


class TableRowCount(Common, Between):
    min_value: StrictInt | StrictFloat | None = None  # type: ignore[assignment]
    max_value: StrictInt | StrictFloat | None = None  # type: ignore[assignment]


class ColumnAggregate(Common, Between):
    column: str


class UniqueProportion(Common, Between):
    column: str
    min_value: StrictInt | StrictFloat | None = None  # type: ignore[assignment]
    max_value: StrictInt | StrictFloat | None = None  # type: ignore[assignment]


class Freshness(Common):
    column: str
    max_age: str | StrictInt | StrictFloat

    @field_validator("max_age")
    @classmethod
    def _age(cls, value: str | int | float) -> str | int | float:
        from weir.checks.expectations import parse_age

        if parse_age(value).total_seconds() <= 0:
            raise ValueError("max_age must be positive")
        return value


class ColumnType(Base):
    column: str
    type_: str


class TableColumns(Base):
    column_set: list[str]
    exact_match: StrictBool = True


@dataclass(frozen=True)
class Spec:
    """How weir handles one expectation type."""

    name: str
    kind: str
    model: type[BaseModel]
    positional: tuple[str, ...]
    doc: str


def _spec(name: str, kind: str, model: type[BaseModel], positional: tuple[str, ...], doc: str) -> Spec:
    return Spec(f"expect_{name}", kind, model, positional, doc)


_COL = ("column",)
_BETWEEN = ("column", "min_value", "max_value")
SPECS: dict[str, Spec] = {s.name: s for s in (
    _spec("column_values_to_not_be_null", "not_null", Column, _COL, "No value of the column is null."),
    _spec("column_values_to_be_unique", "unique", Column, _COL,
          "No non-null value appears twice (every row holding a repeated value is unexpected)."),
    _spec("column_values_to_be_between", "column_map", ColumnBetween, _BETWEEN,
          "Every non-null value lies between min_value and max_value."),
    _spec("column_values_to_be_in_set", "column_map", ColumnValueSet, ("column", "value_set"),
          "Every non-null value is one of value_set."),
    _spec("column_values_to_not_be_in_set", "column_map", ColumnValueSet, ("column", "value_set"),
          "No non-null value is one of value_set."),
    _spec("column_values_to_match_regex", "column_map", ColumnRegex, ("column", "regex"),
          "Every non-null value contains a match of regex."),
    _spec("column_values_to_be_of_type", "schema", ColumnType, ("column", "type_"),
          "The column's type is type_."),
    _spec("column_value_lengths_to_be_between", "column_map", ColumnLengths, _BETWEEN,
          "The length of every non-null value lies between min_value and max_value."),
    _spec("compound_columns_to_be_unique", "compound_unique", CompoundUnique, ("column_list",),
          "No combination of the columns' values appears twice."),
    _spec("column_pair_values_a_to_be_greater_than_b", "pair", PairGreater, ("column_A", "column_B"),
          "column_A > column_B (>= with or_equal) on every row."),
    _spec("table_row_count_to_be_between", "aggregate", TableRowCount, ("min_value", "max_value"),
          "The number of rows lies between min_value and max_value."),
    _spec("table_columns_to_match_set", "schema", TableColumns, ("column_set",),
          "The table has exactly these columns (or at least them, with exact_match: false)."),
    _spec("column_mean_to_be_between", "aggregate", ColumnAggregate, _BETWEEN,
          "The mean of the column lies between min_value and max_value."),
    _spec("column_min_to_be_between", "aggregate", ColumnAggregate, _BETWEEN,
          "The smallest value lies between min_value and max_value."),
    _spec("column_max_to_be_between", "aggregate", ColumnAggregate, _BETWEEN,
          "The largest value lies between min_value and max_value."),
    _spec("column_sum_to_be_between", "aggregate", ColumnAggregate, _BETWEEN,
          "The sum of the column lies between min_value and max_value."),
    _spec("column_proportion_of_unique_values_to_be_between", "aggregate", UniqueProportion, _BETWEEN,
          "distinct values / non-null values lies between min_value and max_value."),
    _spec("column_max_to_be_within_age", "aggregate", Freshness, ("column", "max_age"),
          "weir's freshness check: the newest value is at most max_age old ('24h', '2d')."),
)}
