"""Expectations with Great Expectations' names and semantics, their arguments validated by
one pydantic model per expectation type.

An :class:`Expectation` is immutable: its type, its validated arguments and where it was
written (suite file and line, for errors). Build one from Python with
``Expectation("expect_column_values_to_not_be_null", column="order_id")`` or the shorter
``expect.column_values_to_not_be_null("order_id")``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, ClassVar

from pydantic import BaseModel, ValidationError

from weir.checks.specs import KINDS, MAP_KINDS, SPECS, Spec
from weir.errors import ProjectError

PREFIX = "expect_"


class ExpectationError(ProjectError):
    """An expectation cannot be built: unknown type, bad argument, unknown column."""


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """``did you mean 'x'?`` for the closest of ``choices``, or None."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


def canonical_type(name: str) -> str:
    """The full GE name of an expectation type (``column_values_to_be_unique`` is accepted)."""
    return name if name.startswith(PREFIX) else PREFIX + name


@dataclass(frozen=True, init=False)
class Expectation:
    """One validated expectation: its GE type, arguments and the place it was written."""

    type: str
    args: BaseModel
    path: str | None = field(default=None, compare=False)
    line: int | None = field(default=None, compare=False)
    key_lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __init__(self, expectation_type: str, /, **kwargs: Any) -> None:
        built = parse_expectation(expectation_type, kwargs)
        for name in ("type", "args", "path", "line", "key_lines"):
            object.__setattr__(self, name, getattr(built, name))

    @classmethod
    def _make(cls, type_: str, args: BaseModel, path: str | None, line: int | None,
              key_lines: Mapping[str, int]) -> Expectation:
        self = object.__new__(cls)
        object.__setattr__(self, "type", type_)
        object.__setattr__(self, "args", args)
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "line", line)
        object.__setattr__(self, "key_lines", dict(key_lines))
        return self

    # -- what the scan compiler and reports read --------------------------------------
    @property
    def spec(self) -> Spec:
        return SPECS[self.type]

    @property
    def kind(self) -> str:
        """``map`` kinds check rows; ``aggregate`` ones a table metric; ``schema`` ones the columns."""
        return self.spec.kind

    @property
    def is_map(self) -> bool:
        return self.kind in MAP_KINDS

    @property
    def column(self) -> str | None:
        value = getattr(self.args, "column", None)
        return value if isinstance(value, str) else None

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the expectation names (not counting those in ``where``)."""
        args = self.args
        if self.kind == "pair":
            return (args.column_A, args.column_B)  # type: ignore[attr-defined]
        if self.kind == "compound_unique":
            return tuple(args.column_list)  # type: ignore[attr-defined]
        return (self.column,) if self.column is not None else ()

    @property
    def mostly(self) -> float:
        return float(getattr(self.args, "mostly", 1.0))

    @property
    def severity(self) -> str:
        return str(getattr(self.args, "severity", "error"))

    @property
    def where(self) -> str | None:
        return getattr(self.args, "where", None)

    @property
    def name(self) -> str:
        """The given ``name``, or a readable default (``not_be_null(order_id)``)."""
        given = getattr(self.args, "name", None)
        if given:
            return str(given)
        short = self.type.removeprefix("expect_")
        for prefix in ("column_values_to_", "column_", "table_"):
            short = short.removeprefix(prefix)
        return f"{short}({', '.join(self.columns)})" if self.columns else short

    @property
    def kwargs(self) -> dict[str, Any]:
        """The arguments as written (GE's ``kwargs``), without unset defaults."""
        return self.args.model_dump(exclude_unset=True)

    @property
    def max_age(self) -> timedelta | None:
        value = getattr(self.args, "max_age", None)
        return parse_age(value) if value is not None else None

    def replace(self, **changes: Any) -> Expectation:
        """A copy with some arguments changed (used to canonicalize column names)."""
        args = self.args.model_copy(update=changes)
        return Expectation._make(self.type, args, self.path, self.line, self.key_lines)

    def line_of(self, key: str) -> int | None:
        """Line of argument ``key`` in the suite file, else the expectation's line."""
        return self.key_lines.get(key, self.line)

    def error(self, message: str, *, key: str | None = None, hint: str | None = None) -> ExpectationError:
        """An error about this expectation, pointing at its file and line."""
        line = self.line_of(key) if key else self.line
        return ExpectationError(f"{self.type}: {message}", path=self.path, line=line, hint=hint)

    def to_dict(self) -> dict[str, Any]:
        """GE's JSON shape: ``{"expectation_type": ..., "kwargs": {...}}``."""
        return {"expectation_type": self.type, "kwargs": self.kwargs}


def parse_expectation(expectation_type: str, kwargs: Mapping[str, Any], *, path: str | None = None,
                      line: int | None = None, key_lines: Mapping[str, int] | None = None) -> Expectation:
    """Validate ``kwargs`` for ``expectation_type``; errors name the file, line and argument."""
    key_lines = key_lines or {}
    if not isinstance(expectation_type, str):
        raise ExpectationError(f"an expectation type must be a name, not {expectation_type!r}",
                               path=path, line=line)
    type_ = canonical_type(expectation_type)
    spec = SPECS.get(type_)
    if spec is None:
        hint = did_you_mean(type_, SPECS.keys()) or "see docs/quality.md for the list of expectations"
        raise ExpectationError(f"unknown expectation {expectation_type!r}", path=path, line=line, hint=hint)
    if not isinstance(kwargs, Mapping):
        raise ExpectationError(f"{type_}: arguments must be a mapping, not {type(kwargs).__name__}",
                               path=path, line=line)
    try:
        args = spec.model.model_validate(dict(kwargs))
    except ValidationError as exc:
        raise _explain(type_, spec, exc, path, line, key_lines) from None
    return Expectation._make(type_, args, path, line, key_lines)


def _explain(type_: str, spec: Spec, exc: ValidationError, path: str | None, line: int | None,
             key_lines: Mapping[str, int]) -> ExpectationError:
    err = exc.errors()[0]
    loc = [str(p) for p in err["loc"]]
    key = loc[0] if loc else None
    where_line = key_lines.get(key, line) if key else line
    known = sorted(spec.model.model_fields)
    hint = None
    if err["type"] == "extra_forbidden" and key is not None:
        if key == "mostly":
            message = "'mostly' applies only to row-level expectations (column values, pairs, compound)"
        else:
            message = f"unknown argument {key!r}"
            hint = did_you_mean(key, known) or f"arguments: {', '.join(known)}"
    elif err["type"] == "missing":
        message = f"missing argument {key!r}"
    else:
        value = err.get("input")
        # loc is (field, [index], [union member]): keep the field and list indexes only
        shown_loc = "".join(f"[{p}]" if p.isdigit() else ("" if i else p) for i, p in enumerate(loc))
        if len(loc) > 1 and not loc[-1].isdigit():
            text = f"unsupported value of type {type(value).__name__}"
        else:
            text = str(err["msg"]).removeprefix("Value error, ")
        got = f" (got {value!r})" if key and not isinstance(value, dict) and repr(value) not in text else ""
        message = f"{shown_loc}: {text}{got}" if key else text
    return ExpectationError(f"{type_}: {message}", path=path, line=where_line, hint=hint)


_AGE = re.compile(r"(\d+(?:\.\d+)?)\s*(w|d|h|m|s)", re.IGNORECASE)
_UNIT = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


def parse_age(text: str | int | float) -> timedelta:
    """``"24h"``, ``"2d"``, ``"1d12h"``, ``"90m"``, ``"1w"``, ``"30s"`` (or seconds) as a timedelta."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        return timedelta(seconds=float(text))
    compact = str(text).replace(" ", "")
    parts = _AGE.findall(compact)
    if not parts or "".join(n + u for n, u in parts).lower() != compact.lower():
        raise ValueError(f"{text!r} is not an age such as '24h', '2d', '1d12h', '90m'")
    total = timedelta()
    for number, unit in parts:
        total += timedelta(**{_UNIT[unit.lower()]: float(number)})
    return total


class _Expect:
    """``expect.column_values_to_be_between("amount", 0, 100)``: builders named like GE's
    expectations without the ``expect_`` prefix; positional arguments follow GE's order."""

    _names: ClassVar[tuple[str, ...]] = tuple(n.removeprefix(PREFIX) for n in SPECS)

    def __getattr__(self, name: str) -> Callable[..., Expectation]:
        type_ = canonical_type(name)
        spec = SPECS.get(type_)
        if spec is None or name.startswith("_"):
            hint = did_you_mean(name, self._names)
            raise AttributeError(f"no expectation {name!r}" + (f"; {hint}" if hint else ""))

        def build(*args: Any, **kwargs: Any) -> Expectation:
            if len(args) > len(spec.positional):
                raise TypeError(f"{name}() takes at most {len(spec.positional)} positional arguments "
                                f"({', '.join(spec.positional)})")
            for key, value in zip(spec.positional, args, strict=False):
                if key in kwargs:
                    raise TypeError(f"{name}() got {key!r} twice")
                kwargs[key] = value
            return parse_expectation(type_, kwargs)

        build.__name__ = name
        build.__doc__ = spec.doc
        return build

    def __dir__(self) -> list[str]:
        return list(self._names)


expect = _Expect()

__all__ = ["KINDS", "PREFIX", "Expectation", "ExpectationError", "did_you_mean", "expect", "parse_age",
           "parse_expectation"]
