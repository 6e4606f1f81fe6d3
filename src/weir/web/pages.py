"""The UI's pages: each takes the read model and the request and returns (status, HTML).
``?fragment=live_x`` returns only that live block of the page (see ``weir.web.templates``)."""

from __future__ import annotations

from typing import Any

from weir.checks.report import display_name
from weir.errors import WeirError
from weir.web.data import UIData
from weir.web.render import render

NODE_W, NODE_H, PAD = 180, 36, 24


def _page(data: UIData, request: Any, template: str, section: str, **context: Any) -> tuple[int, str]:
    base = request.scope.get("root_path", "")
    ctx = {"project": data.name, "base": base, "section": section, "state_token": data.state_hash(), **context}
    fragment = request.query_params.get("fragment")
    try:
        return 200, render(template, ctx, fragment if fragment and fragment.startswith("live_") else None)
    except KeyError:
        return 404, f"no fragment {fragment!r} on this page"


def _missing(data: UIData, request: Any, what: str) -> tuple[int, str]:
    _, html = _page(data, request, "message.html", "", title="Not found", message=what, error=True)
    return 404, html


def home(data: UIData, request: Any) -> tuple[int, str]:
    return _page(data, request, "home.html", "home", builds=data.builds(25),
                 pipeline_runs=data.pipeline_runs(limit=25))


def run(data: UIData, request: Any) -> tuple[int, str]:
    run_id = request.path_params["run_id"]
    got = data.build(run_id)
    if got is None:
        rec = data.store.run(run_id)
        if rec is not None:  # a pipeline run id: its own page
            return pipeline(data, request, rec.pipeline_id, run_id)
        return _missing(data, request, f"no run {run_id} in the run ledger")
    return _page(data, request, "run.html", "home", run=got)


def pipelines(data: UIData, request: Any) -> tuple[int, str]:
    return _page(data, request, "pipelines.html", "pipelines", pipelines=data.pipelines(),
                 load_errors=data.load_errors())


def pipeline(data: UIData, request: Any, pipeline_id: str | None = None,
             run_id: str | None = None) -> tuple[int, str]:
    pid = pipeline_id or request.path_params["pipeline_id"]
    run_id = run_id or request.path_params.get("run_id")
    info = next((p for p in data.pipelines() if p["pipeline_id"] == pid), None)
    runs = data.pipeline_runs(pid, limit=30)
    if info is None:
        if not runs:
            return _missing(data, request, f"no pipeline {pid} in this project")
        info = {"pipeline_id": pid, "description": "(its file is gone or failed to load)", "schedule": "",
                "next_run": None, "tasks": 0, "tags": []}
    chosen = data.pipeline_run(run_id) if run_id else (data.pipeline_run(runs[0]["run_id"]) if runs else None)
    if run_id and chosen is None:
        return _missing(data, request, f"no run {run_id} of {pid}")
    return _page(data, request, "pipeline.html", "pipelines", pipeline=info, runs=runs, run=chosen)


def task_log(data: UIData, request: Any) -> tuple[int, str]:
    run_id, task_id = request.path_params["run_id"], request.path_params["task_id"]
    rec = data.pipeline_run(run_id)
    if rec is None:
        return _missing(data, request, f"no pipeline run {run_id}")
    raw = request.query_params.get("map_index")
    map_index = int(raw) if raw not in (None, "") else None
    return _page(data, request, "log.html", "pipelines", run=rec, task_id=task_id, map_index=map_index,
                 logs=data.task_log(run_id, task_id, map_index))


def lineage(data: UIData, request: Any) -> tuple[int, str]:
    doc = data.lineage()
    if doc is None:
        why = data.catalog.error or "the lineage is still being computed: reload in a moment"
        return _page(data, request, "lineage.html", "lineage", lineage=None, message=why)
    nodes, edges = graph_shapes(doc)
    catalog = {uid: {"resource_type": n["resource_type"], "materialized": n.get("materialized"),
                     "relation": n.get("relation"), "columns": [{"name": c["name"], "type": c["type"]}
                                                                for c in n["columns"]]}
               for uid, n in data.catalog_nodes().items()}
    width = max((n["x"] for n in nodes), default=0) + NODE_W + PAD
    height = max((n["y"] for n in nodes), default=0) + NODE_H + PAD
    return _page(data, request, "lineage.html", "lineage", lineage=doc, nodes=nodes, edges=edges,
                 width=width, height=height, node_w=NODE_W, node_h=NODE_H,
                 graph_data={"lineage": {k: doc[k] for k in ("nodes", "edges", "columns")}, "nodes": catalog})


def graph_shapes(doc: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Boxes and curved edges of the lineage graph from its layered layout."""
    layout = doc["layout"]
    nodes = []
    for uid, pos in layout.items():
        info = doc["nodes"].get(uid, {})
        name = str(info.get("name", uid))
        nodes.append({"uid": uid, "x": pos["x"] + PAD, "y": pos["y"] + PAD, "kind": info.get("resource_type", ""),
                      "label": name if len(name) <= 26 else name[:25] + "\u2026"})
    edges = []
    for p, c in doc["edges"]:
        if p in layout and c in layout:
            x1, y1 = layout[p]["x"] + PAD + NODE_W, layout[p]["y"] + PAD + NODE_H / 2
            x2, y2 = layout[c]["x"] + PAD, layout[c]["y"] + PAD + NODE_H / 2
            edges.append({"p": p, "c": c, "x1": x1, "y1": y1, "x2": x2, "y2": y2, "mid": (x1 + x2) / 2})
    return nodes, edges


def model(data: UIData, request: Any) -> tuple[int, str]:
    uid = request.path_params["uid"]
    got = data.model(uid)
    if got is None:
        if data.catalog.get() is None:
            return _missing(data, request, data.catalog.error or "the catalog is still being computed")
        return _missing(data, request, f"no model, seed, snapshot or source {uid}")
    return _page(data, request, "model.html", "lineage", m=got)


def tables(data: UIData, request: Any) -> tuple[int, str]:
    return _page(data, request, "tables.html", "tables", tables=data.tables())


def find_table(data: UIData, name: str) -> dict[str, Any] | None:
    """A table of the ledger by its display name (``main.orders``) or as stored."""
    return next((t for t in data.tables() if name in (t["relation"], display_name(t["relation"]))), None)


def table_history(data: UIData, name: str) -> list[dict[str, Any]] | None:
    found = find_table(data, name)
    return data.table_history(found["relation"]) if found else None


def table(data: UIData, request: Any) -> tuple[int, str]:
    name = request.path_params["name"]
    found = find_table(data, name)
    if found is None:
        return _missing(data, request, f"weir has not written a table {name}")
    history, error = [], None
    try:
        history = data.table_history(found["relation"])
    except WeirError as exc:
        error = str(exc).splitlines()[0]
    return _page(data, request, "table.html", "tables", name=display_name(found["relation"]), table=found,
                 history=history, error=error)
