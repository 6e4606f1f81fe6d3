"""What lineage needs from a workspace, gathered as plain data: each SQL node's SQL (rendered
for a full refresh, ephemeral parents left as their CTE names), relation names, and the
column types in the engine's catalog."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from weir.errors import EngineError, WeirError
from weir.lineage import Lineage, LineageCache, LineageInputs, build_lineage, relation_key

if TYPE_CHECKING:
    from weir.workspace.workspace import Workspace

log = logging.getLogger("weir.lineage")
SQL_TYPES = ("model", "snapshot")


def lineage_inputs(ws: Workspace) -> LineageInputs:
    """SQL, relation names, catalog and declared columns of every node of the project."""
    project = ws.project
    compiler = ws._runtime("lineage", False, "compile").compiler
    existing = {(s.lower(), n.lower()) for s, n, _ in ws.engine.list_relations()}
    inputs = LineageInputs()
    for uid, node in project.graph.nodes.items():
        if node.resource_type == "test":
            continue
        rel = project.relations.get(uid)
        if rel is not None:
            name = str(rel)
            inputs.relation_names[uid] = name
            key = relation_key(name)
            if key is not None:
                inputs.relations[key] = uid
            if rel.key in existing:
                try:
                    inputs.catalog[uid] = {c.name: c.data_type for c in ws.engine.columns(rel)}
                except EngineError as exc:
                    log.warning("columns of %s unknown: %s", name, exc)
        if node.columns:
            inputs.declared[uid] = {c.name: c.data_type or "" for c in node.columns}
        if node.resource_type in SQL_TYPES and node.language == "sql":
            try:
                inputs.sql[uid] = compiler.render(node, node.raw_code)
            except WeirError as exc:
                log.warning("no column lineage for %s: %s", node.name, exc)
    return inputs


def project_lineage(ws: Workspace, *, use_cache: bool = True, inputs: LineageInputs | None = None) -> Lineage:
    """The project's table and column lineage (cached per node in ``.weir/lineage-cache.json``)."""
    cache = LineageCache(ws.project.state_dir / "lineage-cache.json" if use_cache else None)
    return build_lineage(ws.project.graph, inputs or lineage_inputs(ws), cache=cache)
