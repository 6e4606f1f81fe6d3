"""After a table is published: record its metrics in the ledger and compare them with
earlier runs (anomaly detection); record test and quarantine outcomes as check results."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from weir.checks.anomaly import check_anomalies
from weir.checks.metrics import collect_metrics
from weir.graph import Graph, Node
from weir.materialize.runtime import NodeResult, Runtime
from weir.state import Ledger


def observe_table(rt: Runtime, ledger: Ledger, node: Node, res: NodeResult) -> None:
    """Metrics and anomalies of a node's freshly published table (not of views)."""
    enabled = node.config.get("metrics", rt.project.settings.metrics)
    if enabled is False or not node.is_relation or node.materialized == "view":
        return
    relation = rt.relation(node)
    # distinct counts (HyperLogLog over every column) cost a full scan, the rest is nearly
    # free on Parquet: they are measured when asked for (metrics: full) or watched
    anomaly = node.config.get("anomaly")
    watched = isinstance(anomaly, dict) and "distinct_count" in (anomaly.get("metrics") or [])
    distinct = enabled == "full" or watched
    if res.metrics is not None and not distinct:
        metrics = res.metrics  # gathered while the rows streamed into the commit
    else:
        metrics = collect_metrics(rt.engine, str(relation), distinct=distinct)
    ledger.record_metrics(rt.run_id, node.unique_id, str(relation), metrics)
    anomalies = check_anomalies(ledger, node.unique_id, metrics, node.config.get("anomaly"), run_id=rt.run_id,
                                at=time.time())
    if not anomalies:
        return
    ledger.record_check_results(rt.run_id, node.unique_id, [a.as_check_result() for a in anomalies])
    text = "; ".join(a.message for a in anomalies)
    res.message = f"{res.message + '; ' if res.message else ''}anomaly: {text}"
    res.status = "error" if any(a.severity == "error" for a in anomalies) else "warn"


def record_outcomes(ledger: Ledger, run_id: str, graph: Graph, results: Iterable[NodeResult]) -> None:
    """Test results and quarantined row counts, per tested table, for reports and history."""
    by_node: dict[str, list[dict[str, Any]]] = {}
    for r in results:
        node = graph.nodes.get(r.unique_id)
        if node is None:
            continue
        if node.resource_type == "test" and node.test is not None and node.test.attached_to and r.status in (
                "pass", "warn", "fail"):
            by_node.setdefault(node.test.attached_to, []).append({
                "check_name": node.name, "column_name": node.test.column_name,
                "severity": str(node.config.get("severity") or "error").lower(), "status": r.status,
                "unexpected_count": r.failures, "message": r.message or None,
            })
        if r.quarantined:
            by_node.setdefault(r.unique_id, []).append({
                "check_name": "quarantine", "status": "warn", "severity": "warn",
                "unexpected_count": r.quarantined, "message": r.message or None,
            })
    for uid, rows in by_node.items():
        ledger.record_check_results(run_id, uid, rows)
