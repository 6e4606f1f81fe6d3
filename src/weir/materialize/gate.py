"""Write-audit-publish: a node's error-severity tests run on its staged rows before the
commit that publishes them. A failing gate leaves the previous version published.
With ``on_fail: quarantine``, rows failing a row-level test go to ``<table>__quarantine``
(with the test names, the reason and the run id) and the passing rows are published:
rows in = rows published + rows quarantined."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from weir.checks.dbt_rows import as_expectation, row_condition, to_sql
from weir.checks.rows import row_condition as expectation_row_condition
from weir.checks.rows import window_columns
from weir.checks.tests import evaluate, expectation_of, is_expectation, scan, test_sql
from weir.errors import ConfigError, WeirError
from weir.graph import Node
from weir.materialize.runtime import Runtime
from weir.sql.relation import Relation, literal, quote

UNIQUENESS = ("unique", "dbt_utils.unique_combination_of_columns")
UNIQUE_EXPECTATIONS = ("expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique")


class GateFailed(WeirError):
    """Error-severity checks failed on staged rows; nothing was published."""


@dataclass
class Gate:
    node: Node
    tests: list[Node]
    quarantined: int = 0
    results: dict[str, tuple[int, str]] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return bool(self.tests)


def gate_for(rt: Runtime, node: Node) -> Gate:
    """The node's gating tests: error-severity generic tests on this node alone."""
    enabled = node.config.get("gate", rt.project.settings.gate)
    if enabled is False:
        return Gate(node, [])
    tests = []
    for uid in rt.project.graph.children.get(node.unique_id, ()):
        t = rt.project.graph.nodes[uid]
        if (t.resource_type == "test" and t.test is not None and t.test.test_name != "singular"
                and t.depends_on == (node.unique_id,)
                and str(t.config.get("severity") or "error").lower() == "error"):
            tests.append(t)
    return Gate(node, tests)


def audit(rt: Runtime, gate: Gate, staged: Relation, *, merged: str | None = None,
          final: bool = True) -> Relation:
    """Run the gate on ``staged``; returns the relation to publish (the staged rows, or
    the passing rows when quarantining). Raises GateFailed when an error test fails.

    ``merged`` is a SELECT previewing the table after an incremental write: uniqueness
    tests run on it. ``final`` means the staged rows are exactly what gets published, so
    the post-publish test nodes can reuse these results."""
    if not gate.active:
        return staged
    node = gate.node
    if str(node.config.get("on_fail") or "error") == "quarantine":
        staged = _quarantine(rt, gate, staged)
    failed = []
    # every check with an expectation form joins ONE scan of the staged rows (uniqueness
    # of an incremental batch: one scan of the table it would produce)
    checks: dict[str, tuple[str, Any]] = {}
    for t in gate.tests:
        e = expectation_of(t) if is_expectation(t) else as_expectation(t, _kwargs(rt, t, staged))
        if e is not None:
            unique = e.type in UNIQUE_EXPECTATIONS and merged is not None
            checks[t.unique_id] = ("merged" if unique else "staged", e)
    outcomes = scan(rt, [(u, e) for u, (where, e) in checks.items() if where == "staged"], staged)
    if merged is not None:
        outcomes.update(scan(rt, [(u, e) for u, (where, e) in checks.items() if where == "merged"], merged))
    recount = []
    for uid, (failures, status, message) in outcomes.items():
        t = rt.project.graph.nodes[uid]
        if not is_expectation(t) and status != "pass":
            recount.append(t)  # a dbt test: report dbt's own failure count
            continue
        gate.results[uid] = (failures, status)
        if status == "fail":
            failed.append(f"{t.name} ({message})")
    for t in gate.tests:
        if t.unique_id in checks and t not in recount:
            continue
        model = staged
        if merged is not None and t.test is not None and t.test.test_name in UNIQUENESS:
            model = Relation(schema=None, identifier="", type="external", external=f"({merged}) as __weir_merged")
        failures, status, _ = evaluate(rt, t, test_sql(rt, t, model=model))
        gate.results[t.unique_id] = (failures, status)
        if status == "fail":
            failed.append(f"{t.name} ({failures} failing row{'s' if failures != 1 else ''})")
    if failed:
        raise GateFailed(
            f"quality gate failed, nothing published: {'; '.join(failed)}",
            path=node.path, node=node.name,
            hint="the previous version stays readable; fix the data, or set on_fail: quarantine "
                 "to publish the passing rows",
        )
    if final:
        rt.gate_results.update(gate.results)
    return staged


def _kwargs(rt: Runtime, test: Node, staged: Relation) -> dict[str, Any]:
    ctx, _ = rt.compiler.context(test, extra={"model": staged})
    return rt.compiler.test_kwargs(test, ctx)


def _quarantine(rt: Runtime, gate: Gate, staged: Relation) -> Relation:
    node = gate.node
    flags = []
    windows: dict[str, str] = {}
    columns = {c.name: c.data_type for c in rt.engine.columns(staged)}
    for t in gate.tests:
        if is_expectation(t):
            e = expectation_of(t)
            cond = expectation_row_condition(e, columns)
            windows.update({k: v.sql(dialect="duckdb") for k, v in window_columns(e).items()})
        else:
            ctx, _ = rt.compiler.context(t, extra={"model": staged})
            cond = row_condition(t, rt.compiler.test_kwargs(t, ctx))
        if cond is not None:
            flags.append((t.name, to_sql(cond)))
    if not flags:
        raise ConfigError("on_fail: quarantine needs at least one row-level test (not_null, unique, "
                          "accepted_values, relationships, expression_is_true, accepted_range)",
                          path=node.path, node=node.name)
    failing = " || ".join(
        f"case when coalesce(({cond}), false) then '' else {literal(name + '; ')} end" for name, cond in flags)
    source = str(staged)
    if windows:  # uniqueness expectations test a per-key count column
        extra = ", ".join(f"{v} as {quote(k)}" for k, v in windows.items())
        source = f"(select *, {extra} from {staged})"
    flagged = rt.engine.stage(node.unique_id + "_flags",
                              f"select *, rtrim({failing}, '; ') as __weir_failed from {source}")
    cols = ", ".join(c.quoted for c in rt.engine.columns(staged))
    passing = rt.engine.stage(node.unique_id + "_pass", f"select {cols} from {flagged} where __weir_failed = ''")
    bad = rt.engine.count(f"(select 1 from {flagged} where __weir_failed <> '')")
    if bad:
        quarantine_sql = (
            f"select {cols}, __weir_failed as _weir_check, "
            f"'failed ' || __weir_failed as _weir_reason, {literal(rt.run_id)} as _weir_run_id, "
            f"cast(now() as timestamp) as _weir_quarantined_at from {flagged} where __weir_failed <> ''")
        q_stage = rt.engine.stage(node.unique_id + "_quarantine", quarantine_sql)
        try:
            rt.write_side_table(node, quarantine_relation(rt.relation(node)), q_stage)
        finally:
            rt.engine.unstage(q_stage)
    rt.engine.unstage(flagged)
    rt.engine.unstage(staged)
    gate.quarantined = bad
    return passing


def quarantine_relation(relation: Relation) -> Relation:
    return Relation(schema=relation.schema, identifier=f"{relation.identifier}__quarantine",
                    database=relation.database, type="table")



__all__ = ["Gate", "GateFailed", "audit", "gate_for", "quarantine_relation", "quote"]
