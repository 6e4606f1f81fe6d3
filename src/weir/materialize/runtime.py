"""What every materialization needs during a run: engine, formats, compiler, ledger,
and the catalog that lets the engine see lakehouse tables by name."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from weir.engines.duckdb import DuckDBEngine
from weir.errors import ConfigError
from weir.formats.base import Commit, TableFormat
from weir.graph import Node
from weir.materialize import file_writes, native_writes
from weir.materialize.compiler import Compiler
from weir.materialize.write_metrics import write_metrics
from weir.project.loader import Project
from weir.sql.relation import Relation, literal, quote
from weir.state import Ledger

POINTERS = "weir_meta.pointers"


@dataclass
class NodeResult:
    """The outcome of one node in one run."""

    unique_id: str
    name: str
    resource_type: str
    status: str  # success | error | skipped | pass | fail | warn
    rows: int | None = None
    duration: float = 0.0
    message: str = ""
    compiled_path: str | None = None
    version: int | None = None
    relation: str | None = None
    failures: int | None = None
    quarantined: int | None = None
    #: table metrics already gathered while writing (saves a scan); None = measure after
    metrics: Any = None
    started_at: float = field(default_factory=time.time)


@dataclass
class Runtime:
    project: Project
    engine: Any  # DuckDBEngine, or an engine that writes files itself (SparkEngine)
    formats: dict[str, TableFormat]
    compiler: Compiler
    ledger: Ledger | None
    run_id: str
    full_refresh: bool = False
    versions: list[tuple[Any, ...]] = field(default_factory=list)
    #: results of tests already run by a quality gate on the published rows: uid -> (failures, status)
    gate_results: dict[str, tuple[int, str]] = field(default_factory=dict)

    def format_for(self, node: Node) -> TableFormat:
        name = str(node.config.get("table_format") or self.project.target.table_format)
        fmt = self.formats.get(name)
        if fmt is None:
            raise ConfigError(f"unknown table_format {name!r}", node=node.name, path=node.path,
                              hint=f"use one of: {', '.join(sorted(self.formats))}")
        return fmt

    def relation(self, node: Node) -> Relation:
        return self.project.relations[node.unique_id]

    def metadata(self, node: Node) -> dict[str, str]:
        return {
            "weir.run_id": self.run_id,
            "weir.node": node.unique_id,
            "weir.model_version": self.project.graph.version(node.unique_id),
        }

    def attach(self, fmt: TableFormat, relation: Relation, version: int | None, *, scan: str | None = None) -> None:
        """Point the engine's catalog at a table version: a pointer view (recorded, so later
        workspaces refresh it) or, for engines without a catalog, a view of its live files."""
        if self.writes_files:
            self.writes_for(fmt).publish(self.engine, fmt, relation)
        elif fmt.external:
            pointer = (f"insert or replace into {POINTERS} values ({literal(relation.schema or '')}, "
                       f"{literal(relation.identifier)}, {literal(fmt.name)}, {version or 0})")
            self.engine.create_view(relation, scan or fmt.scan_sql(relation), also=pointer)

    def publish(self, node: Node, fmt: TableFormat, commit: Commit, relation: Relation | None = None) -> None:
        """Point the engine's catalog at the table's new version and record it."""
        relation = relation or self.relation(node)
        self.attach(fmt, relation, commit.version, scan=commit.scan)
        # list.append is atomic; the ledger gets all of a run's versions in one transaction
        self.versions.append((self.run_id, node.unique_id, str(relation), fmt.name, commit.version, commit.operation,
                              self.project.graph.version(node.unique_id), time.time(),
                              *write_metrics(fmt, relation, commit).as_tuple()))

    @property
    def writes_files(self) -> bool:
        """The engine writes data files itself and weir commits them (Spark without Delta jars)."""
        return bool(getattr(self.engine, "writes_files", False))

    def writes_for(self, fmt: TableFormat) -> Any:
        """How a file-writing engine writes ``fmt``'s tables: by itself where the cluster has
        the format natively (``delta_native``: Spark's Delta writer and MERGE INTO), else as
        data files weir commits (``file_writes``)."""
        if fmt.name == "delta" and getattr(self.engine, "supports_merge_native", False):
            return native_writes
        return file_writes

    def write_table(self, node: Node, staged: Relation, *, mode: str = "overwrite",
                    partition_by: list[str] | None = None, predicate: str | None = None,
                    schema_mode: str | None = "overwrite") -> Commit:
        fmt = self.format_for(node)
        relation = self.relation(node)
        if self.writes_files:
            commit = self.writes_for(fmt).write(self.engine, fmt, relation, f"select * from {staged}", mode=mode,
                                                metadata=self.metadata(node), partition_by=partition_by,
                                                predicate=predicate, schema_mode=schema_mode)
            self.publish(node, fmt, commit)
            return commit
        reader = self._source(fmt, f"select * from {staged}")
        if not fmt.external and self.engine.relation_type(relation.schema or "", relation.identifier) == "view":
            self.engine.drop(relation)
        commit = fmt.write(relation, reader, mode=mode, metadata=self.metadata(node), partition_by=partition_by,
                           predicate=predicate, schema_mode=schema_mode if fmt.external else None)
        self.publish(node, fmt, commit)
        return commit

    def write_side_table(self, node: Node, relation: Relation, staged: Relation) -> Commit:
        """Append rows to a table that belongs to a node (its quarantine), in the node's format."""
        fmt = self.format_for(node)
        assert relation.schema
        self.engine.ensure_schema(relation.schema)
        mode = "append" if fmt.exists(relation) else "overwrite"
        if self.writes_files:
            commit = self.writes_for(fmt).write(self.engine, fmt, relation, f"select * from {staged}", mode=mode,
                                                metadata=self.metadata(node), schema_mode="merge")
            self.publish(node, fmt, commit, relation)
            return commit
        commit = fmt.write(relation, self._source(fmt, f"select * from {staged}"), mode=mode,
                           metadata=self.metadata(node), schema_mode="merge" if fmt.external else None)
        self.publish(node, fmt, commit, relation)
        return commit

    def write_query(self, node: Node, sql: str, *, partition_by: list[str] | None = None,
                    observe: Any = None) -> Commit:
        """Stream a query's rows into a full overwrite of the node's table (one commit);
        a query that fails midway commits nothing. ``observe(reader) -> reader`` may wrap
        the stream (metrics gathered on the way)."""
        fmt = self.format_for(node)
        relation = self.relation(node)
        if self.writes_files:  # the engine streams the rows into files; no Arrow on this side
            commit = self.writes_for(fmt).write(self.engine, fmt, relation, sql, mode="overwrite",
                                                metadata=self.metadata(node), partition_by=partition_by,
                                                schema_mode="overwrite")
            self.publish(node, fmt, commit)
            return commit
        reader = self._source(fmt, sql)
        if observe is not None and not isinstance(reader, str):
            reader = observe(reader)
        if not fmt.external and self.engine.relation_type(relation.schema or "", relation.identifier) == "view":
            self.engine.drop(relation)
        commit = fmt.write(relation, reader, mode="overwrite", metadata=self.metadata(node),
                           partition_by=partition_by, schema_mode="overwrite" if fmt.external else None)
        self.publish(node, fmt, commit)
        return commit

    def merge_table(self, node: Node, staged: Relation, keys: list[str], *, delete_matched: bool,
                    merge_schema: bool) -> Commit:
        fmt = self.format_for(node)
        columns = [c.name for c in self.engine.columns(staged)]
        update: list[str] | None = None
        if node.config.get("merge_update_columns"):
            update = [str(c) for c in node.config["merge_update_columns"]]
        elif node.config.get("merge_exclude_columns"):
            excluded = {str(c).lower() for c in node.config["merge_exclude_columns"]}
            update = [c for c in columns if c.lower() not in excluded]
        if self.writes_files:
            commit = self.writes_for(fmt).merge(self.engine, fmt, self.relation(node), staged, keys,
                                                metadata=self.metadata(node), delete_matched=delete_matched,
                                                update_columns=update, merge_schema=merge_schema)
            self.publish(node, fmt, commit)
            return commit
        reader = self._source(fmt, f"select * from {staged}")
        commit = fmt.merge(self.relation(node), reader, keys=keys, metadata=self.metadata(node),
                           delete_matched=delete_matched, merge_schema=merge_schema, update_columns=update)
        self.publish(node, fmt, commit)
        return commit

    def _source(self, fmt: TableFormat, sql: str) -> Any:
        """What a format reads: the query itself when it runs in this engine, else Arrow
        batches with the types the format cannot hold cast away."""
        if fmt.accepts_sql:
            return sql
        return self.engine.reader(self.engine.export_query(sql))





def ensure_catalog(engine: DuckDBEngine) -> None:
    engine.execute("create schema if not exists weir_meta")
    engine.execute(
        f"create table if not exists {POINTERS} (schema_name varchar, table_name varchar, format varchar, "
        "version bigint, primary key (schema_name, table_name))"
    )


def sync_catalog(engine: DuckDBEngine, formats: dict[str, TableFormat]) -> int:
    """Refresh pointer views whose table moved on (another process or engine wrote it)."""
    ensure_catalog(engine)
    _, rows = engine.fetch(f"select schema_name, table_name, format, version from {POINTERS}")
    refreshed = 0
    for schema, name, fmt_name, version in rows:
        fmt = formats.get(fmt_name)
        if fmt is None or not fmt.external:
            continue
        rel = Relation(schema=schema, identifier=name, type="table")
        current = fmt.version(rel)
        if current is None:
            engine.drop(rel)
            engine.execute(f"delete from {POINTERS} where schema_name = {literal(schema)} and table_name = {literal(name)}")
        elif current != version:
            engine.create_view(rel, fmt.scan_sql(rel))
            engine.execute(f"update {POINTERS} set version = {current} "
                           f"where schema_name = {literal(schema)} and table_name = {literal(name)}")
            refreshed += 1
    return refreshed


def forget_pointer(engine: DuckDBEngine, relation: Relation) -> None:
    if getattr(engine, "writes_files", False):
        return  # no persistent catalog: the engine's views die with its session
    engine.execute(f"delete from {POINTERS} where schema_name = {literal(relation.schema or '')} "
                   f"and table_name = {literal(relation.identifier)}")


__all__ = ["NodeResult", "Runtime", "ensure_catalog", "forget_pointer", "quote", "sync_catalog"]

