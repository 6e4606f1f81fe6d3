"""Model materializations: view, table, ephemeral and incremental (append, merge,
delete+insert, insert_overwrite) with on_schema_change. Every table write stages the
result in the engine first and publishes it with one atomic commit."""

from __future__ import annotations

from typing import Any

from weir.checks.stream_metrics import StreamMetrics
from weir.errors import ConfigError, EngineError
from weir.formats.base import Commit
from weir.graph import Node
from weir.materialize.assets import run_asset
from weir.materialize.gate import Gate, audit, gate_for
from weir.materialize.python_model import run_python_model
from weir.materialize.runtime import NodeResult, Runtime
from weir.sql.relation import Relation, quote

STRATEGIES = ("append", "merge", "delete+insert", "insert_overwrite", "microbatch")
SCHEMA_CHANGES = ("ignore", "fail", "append_new_columns", "sync_all_columns")


def materialize_model(rt: Runtime, node: Node, result: NodeResult) -> None:
    kind = node.materialized
    if kind == "ephemeral":
        result.message = "ephemeral (inlined where used)"
        return
    if kind == "view":
        _view(rt, node, result)
    elif kind == "table":
        _table(rt, node, result)
    elif kind == "incremental":
        _incremental(rt, node, result)
    else:
        raise ConfigError(f"unknown materialization {kind!r}", path=node.path, node=node.name,
                          hint="use view, table, incremental or ephemeral")


def _stage(rt: Runtime, node: Node, result: NodeResult, *, is_incremental: bool = False) -> Relation:
    """Compute the model's rows into a private staging relation."""
    if node.resource_type == "asset":
        return rt.engine.stage_arrow(node.unique_id, run_asset(rt, node, is_incremental=is_incremental))
    if node.language == "python":
        data = run_python_model(rt, node, is_incremental=is_incremental)
        native = getattr(rt.engine, "stage_object", None)
        staged = native(node.unique_id, data) if native is not None else None
        return staged or rt.engine.stage_arrow(node.unique_id, data)
    sql = rt.compiler.compile(node, is_incremental=is_incremental)
    path = rt.compiler.write_compiled(node, sql)
    result.compiled_path = str(path)
    try:
        return rt.engine.stage(node.unique_id, sql)
    except EngineError as exc:
        exc.node, exc.path, exc.sql_path = node.name, node.path, str(path)
        raise


def _view(rt: Runtime, node: Node, result: NodeResult) -> None:
    if node.language == "python":
        raise ConfigError("Python models cannot be views", path=node.path, node=node.name,
                          hint="use materialized='table' or 'incremental'")
    sql = rt.compiler.compile(node)
    path = rt.compiler.write_compiled(node, sql)
    result.compiled_path = str(path)
    relation = rt.relation(node)
    fmt = rt.format_for(node)
    try:
        rt.engine.create_view(relation, sql)
    except EngineError as exc:
        exc.node, exc.path, exc.sql_path = node.name, node.path, str(path)
        raise
    if fmt.exists(relation):  # it used to be a table: its data goes
        fmt.drop(relation)
    from weir.materialize.runtime import forget_pointer

    forget_pointer(rt.engine, relation)
    result.message = "view created"


def _table(rt: Runtime, node: Node, result: NodeResult) -> None:
    gate = gate_for(rt, node)
    if node.language == "sql" and not gate.active:  # nothing to audit: stream into the commit
        sql = rt.compiler.compile(node)
        path = rt.compiler.write_compiled(node, sql)
        result.compiled_path = str(path)
        watcher: list[StreamMetrics] = []

        def observe(reader: Any) -> Any:
            watcher.append(StreamMetrics(reader))
            return watcher[0].reader()

        try:
            commit = rt.write_query(node, sql, partition_by=_partition_by(node), observe=observe)
            if watcher:
                result.metrics = watcher[0].result()
        except EngineError as exc:
            exc.node, exc.path, exc.sql_path = node.name, node.path, str(path)
            raise
        result.version = commit.version
        result.rows = commit.rows_written if commit.rows_written is not None else rt.engine.count(rt.relation(node))
        return
    staged = _stage(rt, node, result)
    try:
        staged = audit(rt, gate, staged)
        commit = rt.write_table(node, staged, partition_by=_partition_by(node))
        _finish(rt, result, staged, commit)
        _note_quarantine(result, gate)
    finally:
        rt.engine.unstage(staged)


def _note_quarantine(result: NodeResult, gate: Gate) -> None:
    if gate.quarantined:
        result.message = f"{gate.quarantined} row{'s' if gate.quarantined != 1 else ''} quarantined"
        result.quarantined = gate.quarantined


def _finish(rt: Runtime, result: NodeResult, staged: Relation, commit: Commit, rows: int | None = None) -> None:
    if rows is None and rt.writes_files:  # the engine wrote (and counted) every staged row
        rows = commit.rows_written
    result.rows = rows if rows is not None else rt.engine.count(staged)
    result.version = commit.version


def _partition_by(node: Node) -> list[str] | None:
    spec = node.config.get("partition_by")
    if not spec:
        return None
    if isinstance(spec, dict):
        field = spec.get("field")
        return [str(field)] if field else None
    if isinstance(spec, str):
        return [spec]
    return [str(s) for s in spec]


def _unique_key(node: Node) -> list[str]:
    key = node.config.get("unique_key")
    if not key:
        return []
    return [key] if isinstance(key, str) else [str(k) for k in key]


def _incremental(rt: Runtime, node: Node, result: NodeResult) -> None:
    relation = rt.relation(node)
    fmt = rt.format_for(node)
    full_refresh = rt.full_refresh and node.config.get("full_refresh") is not False
    if node.config.get("full_refresh") is True:
        full_refresh = True
    # a view in the table's place (the model was a view before): only in the engine's own catalog
    was_view = fmt.external is False and rt.engine.relation_type(relation.schema or "", relation.identifier) == "view"
    if not fmt.exists(relation) or full_refresh or was_view:
        return _table(rt, node, result)
    strategy = str(node.config.get("incremental_strategy") or ("delete+insert" if _unique_key(node) else "append"))
    if strategy not in STRATEGIES:
        raise ConfigError(f"invalid incremental_strategy {strategy!r}", path=node.path, node=node.name,
                          hint=f"use one of: {', '.join(STRATEGIES)}")
    on_change = str(node.config.get("on_schema_change") or "ignore")
    if on_change not in SCHEMA_CHANGES:
        raise ConfigError(f"invalid on_schema_change {on_change!r}", path=node.path, node=node.name,
                          hint=f"use one of: {', '.join(SCHEMA_CHANGES)}")
    staged = _stage(rt, node, result, is_incremental=True)
    try:
        staged, rewrite = _schema_change(rt, node, relation, staged, on_change)
        keys = _unique_key(node)
        gate = gate_for(rt, node)
        if gate.active:  # the batch is audited; uniqueness on the table it would produce
            staged = audit(rt, gate, staged, merged=_merged_preview(rt, relation, staged, strategy, keys),
                           final=False)
        rows = rt.engine.count(staged)
        if rewrite is not None:
            commit = _rewrite(rt, node, relation, staged, rewrite, strategy, keys)
        elif strategy in ("append", "microbatch") or (strategy == "merge" and not keys) or (
                strategy == "delete+insert" and not keys):
            commit = rt.write_table(node, staged, mode="append", schema_mode="merge" if on_change != "ignore" else None)
        elif strategy in ("merge", "delete+insert"):
            commit = rt.merge_table(node, staged, keys, delete_matched=strategy == "delete+insert",
                                    merge_schema=on_change == "append_new_columns")
        else:  # insert_overwrite: replace the partitions present in the new data
            commit = _insert_overwrite(rt, node, staged)
        _finish(rt, result, staged, commit, rows)
        _note_quarantine(result, gate)
    finally:
        rt.engine.unstage(staged)


def _merged_preview(rt: Runtime, target: Relation, staged: Relation, strategy: str, keys: list[str]) -> str:
    """A SELECT of the table as it would be after writing ``staged``."""
    cols = ", ".join(c.quoted for c in rt.engine.columns(staged))
    if keys and strategy in ("merge", "delete+insert"):
        match = " and ".join(f"o.{quote(k)} = n.{quote(k)}" for k in keys)
        kept = f"select {cols} from {target} o where not exists (select 1 from {staged} n where {match})"
    else:
        kept = f"select {cols} from {target}"
    return f"{kept} union all select {cols} from {staged}"


def _insert_overwrite(rt: Runtime, node: Node, staged: Relation) -> Commit:
    parts = _partition_by(node)
    if not parts:
        raise ConfigError("insert_overwrite needs partition_by", path=node.path, node=node.name,
                          hint="set partition_by={'field': 'sale_date', 'data_type': 'date'}")
    cols, rows = rt.engine.fetch(f"select distinct {', '.join(quote(p) for p in parts)} from {staged}")
    if not rows:
        return Commit(version=rt.format_for(node).version(rt.relation(node)), rows_written=0)
    clauses = []
    for row in rows:
        terms = [f"{quote(c)} is null" if v is None else f"{quote(c)} = {_sql_literal(v)}"
                 for c, v in zip(cols, row, strict=False)]
        clauses.append("(" + " and ".join(terms) + ")")
    return rt.write_table(node, staged, mode="overwrite", predicate=" or ".join(clauses), schema_mode=None,
                          partition_by=parts)


def _sql_literal(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    return "'" + str(v).replace("'", "''") + "'"


def _schema_change(rt: Runtime, node: Node, target: Relation, staged: Relation, mode: str
                   ) -> tuple[Relation, list[tuple[str, str]] | None]:
    """Apply on_schema_change; returns the relation to write and, for sync_all_columns
    with removed columns, the full column list the table must be rewritten with."""
    src = rt.engine.columns(staged)
    dst = rt.engine.columns(target)
    src_names = {c.name.lower(): c for c in src}
    dst_names = {c.name.lower(): c for c in dst}
    added = [c for c in src if c.name.lower() not in dst_names]
    removed = [c for c in dst if c.name.lower() not in src_names]
    retyped = [c for c in src if c.name.lower() in dst_names
               and c.data_type.upper() != dst_names[c.name.lower()].data_type.upper()]
    if mode == "sync_all_columns" and retyped and not added and not removed:
        return staged, [(c.name, c.data_type) for c in src]  # dbt alters the column types too
    if not added and not removed:
        return staged, None
    if mode == "fail":
        raise ConfigError(
            "the source and target schemas of this incremental model are out of sync: "
            f"new columns {[c.name for c in added]}, missing columns {[c.name for c in removed]}",
            path=node.path, node=node.name,
            hint="run with --full-refresh, or set on_schema_change to append_new_columns or sync_all_columns",
        )
    if mode == "ignore":
        # keep the target's columns: new ones are dropped, missing ones arrive as null
        select = ", ".join(
            (src_names[c.name.lower()].quoted if c.name.lower() in src_names else f"cast(null as {c.data_type})")
            + f" as {c.quoted}" for c in dst)
        return _restage(rt, staged, node.unique_id + "_ignore", f"select {select} from {staged}"), None
    if mode == "append_new_columns" or not removed:
        if not added:  # only missing columns: fill them with nulls
            select = ", ".join(
                (src_names[c.name.lower()].quoted if c.name.lower() in src_names else f"cast(null as {c.data_type})")
                + f" as {c.quoted}" for c in dst)
            return _restage(rt, staged, node.unique_id + "_fill", f"select {select} from {staged}"), None
        return staged, None
    return staged, [(c.name, c.data_type) for c in src]


def _restage(rt: Runtime, old: Relation, key: str, sql: str) -> Relation:
    """Replace a staged relation by a query over it, dropping the old one."""
    new = rt.engine.stage(key, sql)
    rt.engine.unstage(old)
    return new


def _rewrite(rt: Runtime, node: Node, relation: Relation, staged: Relation, columns: list[tuple[str, str]],
             strategy: str, keys: list[str]) -> Commit:
    """sync_all_columns with removed columns: rebuild the whole table in one commit."""
    have = {c.name.lower() for c in rt.engine.columns(relation)}
    # the old rows take the new shape: kept columns cast to their new type, added ones null
    proj = ", ".join(
        (f"cast({quote(n)} as {t})" if n.lower() in have else f"cast(null as {t})") + f" as {quote(n)}"
        for n, t in columns)
    names = ", ".join(quote(n) for n, _ in columns)
    old = f"select {proj} from {relation}"
    if keys and strategy in ("merge", "delete+insert"):
        match = " and ".join(f"o.{quote(k)} = n.{quote(k)}" for k in keys)
        old = f"select * from ({old}) o where not exists (select 1 from {staged} n where {match})"
    sql = f"{old} union all by name select {names} from {staged}"
    merged = rt.engine.stage(node.unique_id + "_sync", sql)
    try:
        return rt.write_table(node, merged, mode="overwrite", schema_mode="overwrite")
    finally:
        rt.engine.unstage(merged)
