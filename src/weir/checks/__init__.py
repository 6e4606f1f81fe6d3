"""Quality checks: dbt data tests and Great-Expectations-style expectation suites.

The expectation API is re-exported lazily (``import weir.checks.tests`` stays light)::

    from weir.checks import expect, check
    result = check(df, [expect.column_values_to_not_be_null("order_id")])
"""

from __future__ import annotations

from typing import Any

_LAZY = {
    "expect": "weir.checks.expectations",
    "Expectation": "weir.checks.expectations",
    "ExpectationError": "weir.checks.expectations",
    "Suite": "weir.checks.suite",
    "load_suite": "weir.checks.suite",
    "ScanPlan": "weir.checks.scan",
    "compile_scan": "weir.checks.scan",
    "evaluate": "weir.checks.outcome",
    "row_condition": "weir.checks.rows",
    "window_columns": "weir.checks.rows",
    "CheckResult": "weir.checks.results",
    "SuiteResult": "weir.checks.results",
    "run_suite": "weir.checks.runner",
    "check": "weir.checks.api",
}
__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'weir.checks' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
