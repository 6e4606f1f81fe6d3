"""Running an ingest node inside a plan: load the source's table, publish it (and its
quarantine) to the engine's catalog, record the load in the ledger."""

from __future__ import annotations

from weir.errors import ConfigError
from weir.graph import Node
from weir.materialize.runtime import NodeResult, Runtime


def run_ingest_node(rt: Runtime, node: Node, res: NodeResult) -> None:
    """The ``ingest`` entry of the workspace's dispatch table."""
    from weir.ingest.project import record_load, run_ingest

    source = rt.project.graph.nodes[node.config["source"]]
    relation = rt.project.relations[source.unique_id]
    name = str(node.config["ingest"].get("table_format") or rt.project.target.table_format)
    fmt = rt.formats.get(name)
    if fmt is None:
        raise ConfigError(f"unknown table_format {name!r} for ingesting {node.name}", path=node.path, line=node.line,
                          hint=f"use one of: {', '.join(sorted(rt.formats))}")
    if relation.schema:  # before the load: a DuckDB-native table is written into it
        rt.engine.ensure_schema(relation.schema)
    result = run_ingest(node, fmt, relation, default_table=str(source.config.get("identifier") or source.name),
                        run_id=rt.run_id, metadata=rt.metadata(node), full_refresh=rt.full_refresh)
    published = set()
    for rel, commit in reversed(result.commits):  # the newest commit of each table
        if rel not in published:
            rt.publish(node, fmt, commit, rel)
            published.add(rel)
    res.relation = str(relation)
    res.rows = result.rows_written
    res.quarantined = result.rows_quarantined or None
    parts = [f"read {result.rows_read}", f"wrote {result.rows_written}"]
    if result.rows_deleted:
        parts.append(f"deleted {result.rows_deleted}")
    if result.rows_quarantined:
        parts.append(f"quarantined {result.rows_quarantined} (see {relation.identifier}__quarantine)")
    res.message = ", ".join(parts)
    if rt.ledger is not None:
        record_load(rt.ledger, rt.run_id, node, result)
