"""dbt data tests: generic tests (not_null, unique, accepted_values, relationships,
dbt_utils, custom) and singular tests, with severity, where, limit, warn_if/error_if
and store_failures."""

from __future__ import annotations

from typing import Any

from weir.errors import CompilationError, EngineError
from weir.graph import Graph, Node
from weir.materialize.runtime import NodeResult, Runtime
from weir.sql.relation import Relation


def test_sql(rt: Runtime, node: Node, model: Relation | None = None) -> str:
    """The SQL selecting a test's failing rows; ``model`` replaces the tested relation
    (write-audit-publish runs tests on staged rows)."""
    assert node.test is not None
    if node.test.test_name == "singular":
        return rt.compiler.compile(node)
    attached = node.test.attached_to
    assert attached is not None
    relation = model or rt.project.relations[attached]
    where = node.config.get("where")
    model = relation
    if where:
        model = Relation(schema=None, identifier="", type="external",
                         external=f"(select * from {relation} where {where}) dbt_subquery")
    extra = {"model": model}
    if node.test.column_name is not None:
        extra["column_name"] = node.test.column_name  # type: ignore[assignment]
    ctx, scope = rt.compiler.context(node, extra=extra)
    kwargs = rt.compiler.test_kwargs(node, ctx)
    kwargs["model"] = model
    if node.test.column_name is not None:
        kwargs["column_name"] = node.test.column_name
    namespace = node.test.namespace
    name = node.test.test_name.rpartition(".")[2]
    search = [namespace] if namespace else scope.search
    macro = scope.macro(f"test_{name}", search)
    if macro is None and namespace:
        macro = scope.macro(f"test_{name}", scope.namespace_packages(namespace) or [namespace])
    if macro is None:
        raise CompilationError(f"test macro test_{name} not found", path=node.path, node=node.name)
    try:
        sql = str(macro(**kwargs))
    except TypeError as exc:
        raise CompilationError(f"bad arguments for test {node.test.test_name}: {exc}", path=node.path,
                               line=node.line, node=node.name) from None
    return rt.compiler.with_ephemerals(rt.project.graph.nodes[attached], sql)


def evaluate(rt: Runtime, node: Node, sql: str) -> tuple[int, str, str]:
    """Count a test's failures the way dbt does: (failures, pass|warn|fail, wrapped SQL)."""
    cfg = node.config
    fail_calc = str(cfg.get("fail_calc") or "count(*)")
    warn_if = str(cfg.get("warn_if") or "!= 0")
    error_if = str(cfg.get("error_if") or "!= 0")
    limit = cfg.get("limit")
    inner = sql.rstrip().rstrip(";")
    if limit is not None:
        inner = f"select * from ({inner}) limit {int(limit)}"
    wrapped = (f"select {fail_calc} as failures, ({fail_calc}) {warn_if} as should_warn, "
               f"({fail_calc}) {error_if} as should_error from ({inner}\n) dbt_internal_test")
    _, rows = rt.engine.fetch(wrapped)
    failures, should_warn, should_error = rows[0] if rows else (0, False, False)
    severity = str(cfg.get("severity") or "error").lower()
    if should_error and severity == "error":
        status = "fail"
    elif should_warn or (should_error and severity == "warn"):
        status = "warn"
    else:
        status = "pass"
    return int(failures or 0), status, wrapped


def is_expectation(node: Node) -> bool:
    return node.test is not None and not node.test.namespace and node.test.test_name.startswith("expect_")


def expectation_kwargs(args: dict[str, Any], column: str | None, config: dict[str, Any]) -> dict[str, Any]:
    """An expectation's arguments from a YAML test entry: its args, the column it sits on,
    and the test configs that are also expectation arguments (severity, where)."""
    kwargs = dict(args)
    if column is not None and "column" not in kwargs and "column_list" not in kwargs:
        kwargs["column"] = column
    for key in ("severity", "where"):
        if config.get(key) is not None and key not in kwargs:
            kwargs[key] = str(config[key]).lower() if key == "severity" else config[key]
    return kwargs


def expectation_of(node: Node) -> Any:
    """The validated Expectation of an ``expect_*`` test node."""
    from weir.checks.expectations import parse_expectation

    assert node.test is not None
    return parse_expectation(node.test.test_name,
                             expectation_kwargs(dict(node.test.kwargs), node.test.column_name, node.config),
                             path=node.path, line=node.line)


def validate_expectations(graph: Graph) -> None:
    """Build every expectation test once, so a bad one fails when the project loads
    (naming the YAML file and line), not halfway through a run."""
    for node in graph:
        if node.resource_type == "test" and is_expectation(node):
            expectation_of(node)


def run_expectations(rt: Runtime, tests: list[Node], source: Relation | str) -> dict[str, tuple[int, str, str]]:
    """Every expectation test of one table in ONE scan: uid -> (failures, status, message)."""
    return scan(rt, [(t.unique_id, expectation_of(t)) for t in tests], source)


def scan(rt: Runtime, checks: list[tuple[str, Any]], source: Relation | str) -> dict[str, tuple[int, str, str]]:
    """(uid, Expectation) pairs checked in one scan of ``source``."""
    from weir.checks.runner import run_suite

    if not checks:
        return {}
    suite = run_suite(rt.engine, source, [e for _, e in checks], sample_limit=5)
    out = {}
    for (uid, _), r in zip(checks, suite.results, strict=True):
        failures = r.unexpected_count if r.unexpected_count is not None else (0 if r.success else 1)
        out[uid] = (failures, r.status, r.message)
    return out


def run_test(rt: Runtime, node: Node, result: NodeResult) -> None:
    gated = rt.gate_results.get(node.unique_id)
    if gated is not None:  # already run on exactly the rows that were published
        result.failures, result.status = gated
        result.rows = result.failures
        result.message = "checked before publish (write-audit-publish)"
        return
    if is_expectation(node):
        assert node.test is not None and node.test.attached_to is not None
        failures, status, message = run_expectations(rt, [node], rt.project.relations[node.test.attached_to])[
            node.unique_id]
        result.failures = result.rows = failures
        result.status = status
        result.message = "" if status == "pass" else message
        return
    sql = test_sql(rt, node)
    path = rt.compiler.write_compiled(node, sql)
    result.compiled_path = str(path)
    try:
        failures, status, wrapped = evaluate(rt, node, sql)
    except EngineError as exc:
        exc.node, exc.path, exc.sql_path = node.name, node.path, str(path)
        raise
    rt.compiler.write_compiled(node, wrapped, kind="run")
    result.failures = result.rows = failures
    result.status = status
    if status != "pass":
        result.message = f"{failures} failing row{'s' if failures != 1 else ''}"
    if node.config.get("store_failures") and failures:
        _store_failures(rt, node, sql.rstrip().rstrip(";"))


def _store_failures(rt: Runtime, node: Node, sql: str) -> None:
    staged = rt.engine.stage(node.unique_id, sql)
    try:
        rt.write_table(node, staged)
    finally:
        rt.engine.unstage(staged)
