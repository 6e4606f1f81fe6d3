"""Ingest nodes of a project: a source's ``ingest:`` block turned into a Source and a
LoadSpec, run into the source's table, and recorded in the run ledger."""

from __future__ import annotations

import time
from typing import Any

from weir.errors import ConfigError
from weir.formats.base import TableFormat
from weir.graph import Node
from weir.ingest.base import LoadSpec, SoftDelete, Source
from weir.ingest.loader import Loader, LoadResult, app_id_for
from weir.sql.relation import Relation
from weir.state import Ledger


def source_for(node: Node, default_table: str) -> Source:
    """The Source an ingest node's block describes (nothing connects yet)."""
    block: dict[str, Any] = node.config["ingest"]
    if block.get("type") in ("files", "rest", "mongo"):
        from weir.ingest.configured import configured_source

        return configured_source(node, block, default_table)
    connection = block["connection"] if "connection" in block else str(block.get("dsn") or "")
    common: dict[str, Any] = {
        "cursor": block.get("cursor"), "primary_key": _keys(block.get("primary_key")),
        "batch_size": int(block.get("batch_size") or 100_000), "name": node.name,
    }
    if block.get("query"):
        common["query"] = str(block["query"])
    else:
        common["table"] = str(block.get("table") or default_table)
    kind = block.get("type")
    if kind == "postgres":
        from weir.ingest.postgres import PostgresSource

        return PostgresSource(connection, **common)
    if kind == "mysql":
        from weir.ingest.mysql import MySQLSource

        return MySQLSource(connection, **common)
    raise ConfigError(f"source {node.name}: unknown ingest type {kind!r}", path=node.path, line=node.line)


_DEFAULT_MODE = {"files": "incremental"}  # a files source loads only new files unless told otherwise


def spec_for(node: Node) -> LoadSpec:
    block: dict[str, Any] = node.config["ingest"]
    soft = block.get("soft_delete")
    return LoadSpec(
        mode=str(block.get("mode") or _DEFAULT_MODE.get(str(block.get("type")), "full")), contract=str(block.get("contract") or "evolve"),
        primary_key=_keys(block.get("primary_key")),
        soft_delete=SoftDelete(str(soft["column"]), soft.get("value", True)) if soft else None,
    )


def _keys(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return (str(value),) if isinstance(value, str) else tuple(str(v) for v in value)


def run_ingest(node: Node, fmt: TableFormat, relation: Relation, *, default_table: str, run_id: str,
               metadata: dict[str, str], full_refresh: bool) -> LoadResult:
    """Load one ingest node's source into ``relation``."""
    loader = Loader(source_for(node, default_table), relation, fmt, spec_for(node), app_id=app_id_for(node.name),
                    run_id=run_id, metadata=metadata, full_refresh=full_refresh)
    return loader.run()


def record_load(ledger: Ledger, run_id: str, node: Node, result: LoadResult) -> None:
    """One row per load in the ledger's ``ingest_loads`` (migration 4)."""
    row = (run_id, node.unique_id, node.name, str(result.relation), result.mode, result.rows_read,
           result.rows_written, result.rows_deleted, result.rows_quarantined, result.bytes_read,
           len(result.commits), result.version, result.state.get("cursor"), result.duration_s, time.time())
    ledger._write([("insert into ingest_loads values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [row])])
