"""A fresh engine session knows no tables: an engine without a persistent catalog
(Spark's temporary views) is shown the project's existing tables and views when a
run starts, so a model built alone can read parents built in earlier runs. An engine
with a catalog (DuckDB) that has never seen a table another engine or catalog wrote
(a new catalog file over an existing warehouse) adopts it the same way.

Each relation is shown through ``engine.defer``: Spark registers it when a query first
names it (a run that reads two of a project's hundred tables opens two table logs),
DuckDB at once."""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path

from weir.errors import WeirError
from weir.formats.base import TableFormat
from weir.graph import Node
from weir.materialize.gate import quarantine_relation
from weir.materialize.runtime import Runtime
from weir.sql.relation import Relation

log = logging.getLogger(__name__)


def attach_project(rt: Runtime, *, missing_only: bool = False) -> int:
    """Show the engine every existing table (and its quarantine) and every view model,
    parents first; with ``missing_only``, only those the engine's catalog lacks. Returns
    how many relations were offered (tables not built yet included)."""
    graph = rt.project.graph
    known = {(s.lower(), n.lower()) for s, n, _ in rt.engine.list_relations()} if missing_only else set()
    count = 0
    for uid in graph.topological():
        node = graph.nodes[uid]
        if not node.is_relation or node.resource_type == "test":
            continue
        relation = rt.relation(node)
        if (str(relation.schema).lower(), relation.identifier.lower()) in known:
            continue
        if node.materialized == "view":
            rt.engine.defer(relation, partial(_attach_view, rt, node, relation))
            count += 1
            continue
        fmt = rt.format_for(node)
        if not (fmt.external or rt.writes_files):
            continue  # the engine's own tables live in its catalog: nothing to adopt
        for rel in (relation, quarantine_relation(relation)):
            rt.engine.defer(rel, partial(_attach_table, rt, fmt, rel))
            count += 1
    # a persistent catalog (DuckDB) keeps such tables itself; a session's views must be told
    return count + (_attach_leftovers(rt) if rt.writes_files else 0)


def _attach_view(rt: Runtime, node: Node, relation: Relation) -> None:
    try:
        rt.engine.create_view(relation, rt.compiler.compile(node))
    except WeirError as exc:  # it may not compile before its parents exist: built later
        log.debug("view %s not registered: %s", node.name, exc)


def _attach_table(rt: Runtime, fmt: TableFormat, relation: Relation) -> None:
    if fmt.exists(relation):
        rt.attach(fmt, relation, fmt.version(relation))


def _attach_leftovers(rt: Runtime) -> int:
    """Delta tables of a local warehouse that no node builds any more (a model since
    disabled or removed): dbt keeps them and so does a persistent catalog, so they are
    listed and readable here too."""
    fmt = rt.formats.get("delta")
    warehouse = str(getattr(fmt, "warehouse", "") or "")
    if fmt is None or not warehouse or "://" in warehouse:
        return 0
    built = {(str(r.schema).lower(), r.identifier.lower()) for r in rt.project.relations.values()}
    built |= {(str(q.schema).lower(), q.identifier.lower())
              for q in map(quarantine_relation, rt.project.relations.values())}
    count = 0
    for log_dir in sorted(Path(warehouse).glob("*/*/_delta_log")):
        table = log_dir.parent
        rel = Relation(schema=table.parent.name, identifier=table.name, type="table")
        if (table.parent.name.lower(), table.name.lower()) not in built:
            rt.engine.defer(rel, partial(_attach_table, rt, fmt, rel))
            count += 1
    return count


__all__ = ["attach_project"]
