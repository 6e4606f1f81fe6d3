"""The docs catalog as plain data: every node with its description, columns (types from the
catalog), tests and their last results from the run ledger, SQL, and the lineage."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from weir.errors import StateError
from weir.graph import Node
from weir.lineage import Lineage

if TYPE_CHECKING:
    from weir.workspace.workspace import Workspace

DOCUMENTED = ("model", "seed", "snapshot", "source", "asset", "ingest", "stream")


def docs_catalog(ws: Workspace) -> tuple[dict[str, Any], Lineage]:
    """``(catalog, lineage)``: the data behind ``weir docs`` and the UI's model pages."""
    from weir.workspace.lineage import lineage_inputs, project_lineage

    inputs = lineage_inputs(ws)
    lineage = project_lineage(ws, inputs=inputs)
    graph = ws.project.graph
    tests: dict[str, list[Node]] = {}
    for node in graph:
        if node.resource_type == "test":
            attached = node.test.attached_to if node.test and node.test.attached_to else None
            for uid in [attached] if attached else [d for d in node.depends_on if d in graph]:
                tests.setdefault(uid, []).append(node)
    nodes = {}
    for uid, node in graph.nodes.items():
        if node.resource_type == "test" or uid not in lineage.nodes:
            continue
        declared = {c.name.lower(): c for c in node.columns}
        types = inputs.catalog.get(uid) or {}
        names = list(types) or list(lineage.nodes[uid].columns) or [c.name for c in node.columns]
        names += [c.name for c in node.columns if c.name.lower() not in {n.lower() for n in names}]
        columns = [{"name": n, "type": types.get(n) or (declared[n.lower()].data_type if n.lower() in declared
                                                        else None) or "",
                    "description": declared[n.lower()].description if n.lower() in declared else ""}
                   for n in names]
        nodes[uid] = {
            "unique_id": uid, "name": lineage.nodes[uid].name, "resource_type": node.resource_type,
            "materialized": node.materialized if node.resource_type != "source" else "source",
            "package": node.package, "path": node.path, "description": node.description,
            "tags": list(node.tags), "relation": inputs.relation_names.get(uid), "columns": columns,
            "in_catalog": uid in inputs.catalog,
            "language": node.language, "raw_code": node.raw_code, "compiled_sql": inputs.sql.get(uid),
            "tests": _tests(ws, uid, tests.get(uid, [])),
        }
    catalog = {
        "project": ws.project.name, "target": ws.project.target.name,
        "generated_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "nodes": nodes,
    }
    return catalog, lineage


def _tests(ws: Workspace, uid: str, tests: list[Node]) -> list[dict[str, Any]]:
    """A node's tests with the result each had in the node's last checked run."""
    try:
        history = ws.ledger.check_history(uid, limit=1)
    except StateError:
        history = []
    last = {h["check_name"]: h for h in history}
    out = []
    for t in sorted(tests, key=lambda n: n.name):
        spec = t.test
        result = last.get(t.name)
        out.append({
            "name": t.name, "test": spec.test_name if spec else "", "column": spec.column_name if spec else None,
            "severity": str(t.config.get("severity") or "error").lower(),
            "status": result["status"] if result else None,
            "run_id": result["run_id"] if result else None,
            "failures": result["unexpected_count"] if result else None,
            "message": result["message"] if result else None,
        })
    for name, h in last.items():  # checks that are no test node: anomalies, quarantine, expectations
        if name not in {t.name for t in tests}:
            out.append({"name": name, "test": "check", "column": h["column_name"], "severity": h["severity"],
                        "status": h["status"], "run_id": h["run_id"], "failures": h["unexpected_count"],
                        "message": h["message"]})
    return out
