"""Results of expectations and suites, shaped like Great Expectations' validation results."""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass
class CheckResult:
    """The outcome of one expectation.

    For row-level expectations ``element_count`` counts the rows checked (after ``where``),
    ``missing_count`` the ignored ones (nulls), ``unexpected_count`` the failing rows and
    ``unexpected_percent`` is over the non-ignored rows (GE's ``unexpected_percent``; None
    when there are none). Aggregate and schema checks set ``observed_value``.
    """

    expectation_type: str
    column: str | None
    kwargs: dict[str, Any]
    success: bool
    observed_value: Any = None
    element_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    missing_count: int | None = None
    samples: list[dict[str, Any]] = field(default_factory=list)
    severity: str = "error"
    message: str = ""
    name: str = ""

    @property
    def status(self) -> str:
        """``pass``, ``fail`` (an error-severity failure) or ``warn``."""
        if self.success:
            return "pass"
        return "fail" if self.severity == "error" else "warn"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (dates as ISO text, decimals as numbers)."""
        return {
            "name": self.name,
            "expectation_type": self.expectation_type,
            "column": self.column,
            "kwargs": plain(self.kwargs),
            "success": self.success,
            "status": self.status,
            "severity": self.severity,
            "observed_value": plain(self.observed_value),
            "element_count": self.element_count,
            "unexpected_count": self.unexpected_count,
            "unexpected_percent": self.unexpected_percent,
            "missing_count": self.missing_count,
            "samples": plain(self.samples),
            "message": self.message,
        }


@dataclass
class SuiteResult:
    """All results of one suite on one relation. ``success`` is False when an
    error-severity expectation failed; failed ``warn`` ones only count as warnings."""

    suite: str
    source: str
    results: list[CheckResult]
    duration_s: float = 0.0
    queries: int = 0

    @property
    def success(self) -> bool:
        return not any(r.status == "fail" for r in self.results)

    def __bool__(self) -> bool:
        return self.success

    @property
    def statistics(self) -> dict[str, int]:
        """Counts of evaluated, successful, failed (error) and warned expectations."""
        statuses = [r.status for r in self.results]
        return {"evaluated": len(statuses), "successful": statuses.count("pass"),
                "failed": statuses.count("fail"), "warnings": statuses.count("warn")}

    @property
    def failures(self) -> list[CheckResult]:
        return [r for r in self.results if not r.success]

    def to_dict(self) -> dict[str, Any]:
        return {"suite": self.suite, "source": self.source, "success": self.success,
                "statistics": self.statistics, "duration_s": round(self.duration_s, 4),
                "queries": self.queries, "results": [r.to_dict() for r in self.results]}

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    def __str__(self) -> str:
        stats = self.statistics
        head = (f"suite {self.suite} on {self.source}: {'PASSED' if self.success else 'FAILED'} "
                f"({stats['successful']} passed, {stats['failed']} failed, {stats['warnings']} warned)")
        lines = [head]
        for r in self.results:
            lines.append(f"  {r.status.upper():<4}  {r.name}: {r.message}")
            for s in r.samples[:3]:
                lines.append(f"          e.g. {json.dumps(plain(s))}")
        return "\n".join(lines)


def plain(value: Any) -> Any:
    """``value`` with dates, decimals, bytes and NaN made JSON-ready."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
