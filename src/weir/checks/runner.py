"""Run a suite on an engine: one scan query, then queries only for failures (GE's exact
duplicate counts, and at most ``sample_limit`` failing rows per failed row-level check)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from sqlglot import exp

from weir.checks.outcome import evaluate
from weir.checks.results import SuiteResult
from weir.checks.scan import as_source, compile_scan, from_item
from weir.checks.suite import load_suite
from weir.engines.base import Engine
from weir.errors import EngineError
from weir.sql.relation import Relation

HELPER_PREFIX = "_weir_n_"


def run_suite(engine: Engine, source: Relation | exp.Expr | str, suite: Any, sample_limit: int = 20, *,
              now: dt.datetime | None = None, unique_strategy: str = "distinct",
              name: str | None = None) -> SuiteResult:
    """Check ``source`` (a relation, table name or query) against ``suite`` (a Suite, a suite
    file path, a dict or a list of expectations) on ``engine``.

    ``name`` is how the source is shown in the result (default: its SQL)."""
    started = time.perf_counter()
    loaded = load_suite(suite)
    dialect = engine.dialect
    src = as_source(source, dialect)
    columns = {c.name: c.data_type for c in engine.columns(exp.select(exp.Star()).from_(from_item(src)).sql(dialect))}
    plan = compile_scan(src, loaded.expectations, columns, dialect, unique_strategy=unique_strategy)
    try:
        names, rows = engine.fetch(plan.sql())
    except EngineError as exc:
        raise EngineError(f"the scan of suite {loaded.name} failed: {exc.message}", path=loaded.path,
                          hint="check the where predicates and value types of the suite") from None
    row = dict(zip(names, rows[0], strict=True))
    queries = 1
    exact: dict[int, int] = {}
    for i in plan.exact_needed(row):
        _, counted = engine.fetch(plan.exact_count_sql(i))
        exact[i] = int(counted[0][0])
        queries += 1
    results = evaluate(plan, row, exact=exact, now=now)
    if sample_limit > 0:
        for i, result in enumerate(results):
            sql = None if result.success else plan.samples_sql(i, sample_limit)
            if sql is None:
                continue
            names, found = engine.fetch(sql)
            keep = [j for j, n in enumerate(names) if not n.startswith(HELPER_PREFIX)]
            result.samples = [{names[j]: r[j] for j in keep} for r in found]
            queries += 1
    shown = name or (src.sql(dialect=dialect) if isinstance(src, exp.Table) else "query")
    return SuiteResult(loaded.name, shown, results, time.perf_counter() - started, queries)
