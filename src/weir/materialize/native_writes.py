"""Delta table writes by the engine itself, for a Spark cluster (or Spark Connect server)
that has Delta Lake (``delta_native: true``; Sail has it built in): Spark's own Delta
writer and ``MERGE INTO``, each one atomic Delta commit, instead of Parquet files weir
commits (``file_writes``). Same signatures as ``file_writes``; ``Runtime`` picks one.

* table / overwrite: ``df.write.format("delta").mode("overwrite")`` (+ ``overwriteSchema``);
* append: ``mode("append")`` (+ ``mergeSchema`` when new columns may come);
* insert_overwrite: overwrite with ``replaceWhere`` = the partitions of the new rows;
* merge: ``MERGE INTO delta.`location` USING <staged> ON keys`` — update (all or the
  configured columns) + insert;
* delete+insert: ONE ``MERGE``: the staged rows plus their distinct keys marked for
  deletion, ``WHEN MATCHED THEN DELETE WHEN NOT MATCHED AND NOT deleted THEN INSERT``.

weir's commit metadata goes into the commit's ``userMetadata`` (JSON), set per write and
through ``spark.databricks.delta.commitInfo.userMetadata`` for MERGE (servers that ignore
that setting record none for merges). The client reads the committed version with
delta-rs, so it must see the table location too (as for ``file_writes``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from typing import Any

from weir.engines.spark_sql import view_name
from weir.errors import EngineError
from weir.formats.base import Commit, TableFormat
from weir.sql.relation import Relation

_META_CONF = "spark.databricks.delta.commitInfo.userMetadata"
_DELETE = "__weir_delete"
#: the commit-metadata setting is per session, shared by the run's threads: one MERGE at a time sets it
_MERGE_LOCK = threading.Lock()


def _location(fmt: TableFormat, relation: Relation) -> str:
    return str(fmt.location(relation))  # type: ignore[attr-defined]


def _ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _run(what: str, fn: Any) -> Any:
    try:
        return fn()
    except EngineError:
        raise
    except Exception as exc:  # Spark's AnalysisException & co: one clear line, no JVM stack
        lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
        raise EngineError(f"{what}: {lines[0] if lines else type(exc).__name__}",
                          hint="delta_native needs Delta Lake on the Spark cluster; set delta_native: false "
                               "to have weir commit Parquet files instead") from None


def publish(engine: Any, fmt: TableFormat, relation: Relation) -> None:
    """Point the engine's view of ``relation`` at the table, read by Spark's Delta reader
    (when a query first reads it: ``engine.defer``)."""
    engine.defer(relation, lambda: _register(engine, fmt, relation))


def _register(engine: Any, fmt: TableFormat, relation: Relation) -> None:
    if not fmt.exists(relation):
        engine.drop(relation)
        return
    location = _location(fmt, relation)
    df = _run(f"reading Delta table {relation}", lambda: engine.session.read.format("delta").load(location))
    engine.register_frame(relation, df)


def write(engine: Any, fmt: TableFormat, relation: Relation, sql: str, *, mode: str, metadata: dict[str, str],
          partition_by: Sequence[str] | None = None, predicate: str | None = None,
          schema_mode: str | None = None) -> Commit:
    """Overwrite or append a query's rows; with ``predicate`` (weir's SQL over the table's
    columns), replace only the rows it matches."""
    location = _location(fmt, relation)
    exists = fmt.exists(relation)
    df = engine.frame(sql)
    writer = df.write.format("delta").option("userMetadata", json.dumps(metadata, sort_keys=True))
    if mode == "append" and exists:
        writer = writer.mode("append")
        if schema_mode == "merge":
            writer = writer.option("mergeSchema", "true")
    else:
        writer = writer.mode("overwrite")
        if predicate and exists:
            writer = writer.option("replaceWhere", _spark_predicate(predicate))
        elif schema_mode == "merge":
            writer = writer.option("mergeSchema", "true")
        else:
            writer = writer.option("overwriteSchema", "true")
        if partition_by and not (predicate and exists):
            writer = writer.partitionBy(*partition_by)
    _run(f"writing Delta table {relation}", lambda: writer.save(location))
    return _commit(fmt, relation)


def merge(engine: Any, fmt: TableFormat, relation: Relation, staged: Relation, keys: Sequence[str], *,
          metadata: dict[str, str], delete_matched: bool, update_columns: Sequence[str] | None,
          merge_schema: bool) -> Commit:
    """Upsert (or delete+insert) ``staged`` on ``keys`` in one ``MERGE INTO``."""
    if not fmt.exists(relation):
        return write(engine, fmt, relation, f"select * from {staged}", mode="overwrite", metadata=metadata)
    session = engine.session
    source = _ident(view_name(staged.schema, staged.identifier))
    columns = [c.name for c in engine.columns(staged)]
    on = " and ".join(f"t.{_ident(k)} = s.{_ident(k)}" for k in keys)
    target = f"delta.{_ident(_location(fmt, relation))}"
    evolve = " WITH SCHEMA EVOLUTION" if merge_schema else ""
    if delete_matched:
        key_set = {k.lower() for k in keys}
        marked = ", ".join(_ident(c) if c.lower() in key_set else f"null as {_ident(c)}" for c in columns)
        names = ", ".join(_ident(c) for c in columns)
        sql = (f"MERGE{evolve} INTO {target} AS t USING ("
               f"select {names}, false as {_DELETE} from {source} union all "
               f"select distinct {marked}, true as {_DELETE} from {source}) AS s "
               f"ON s.{_DELETE} and {on} WHEN MATCHED THEN DELETE "
               f"WHEN NOT MATCHED AND NOT s.{_DELETE} THEN INSERT ({names}) "
               f"VALUES ({', '.join('s.' + _ident(c) for c in columns)})")
    else:
        if update_columns is None:
            update = "UPDATE SET *"
        else:
            update = "UPDATE SET " + ", ".join(f"t.{_ident(c)} = s.{_ident(c)}" for c in update_columns)
        sql = (f"MERGE{evolve} INTO {target} AS t USING {source} AS s ON {on} "
               f"WHEN MATCHED THEN {update} WHEN NOT MATCHED THEN INSERT *")
    meta = json.dumps(metadata, sort_keys=True)

    def run() -> None:
        with _MERGE_LOCK:
            session.conf.set(_META_CONF, meta)
            try:
                session.sql(sql).collect()
            finally:
                session.conf.unset(_META_CONF)

    _run(f"MERGE INTO Delta table {relation}", run)
    return _commit(fmt, relation)


def _spark_predicate(predicate: str) -> str:
    """weir's (DuckDB-dialect) predicate as Spark SQL, for ``replaceWhere``."""
    import sqlglot

    return str(sqlglot.transpile(predicate, read="duckdb", write="spark")[0])


def _commit(fmt: TableFormat, relation: Relation) -> Commit:
    """The commit Spark just made, as the table's log tells (read with delta-rs)."""
    history = fmt.history(relation, 1)
    entry = history[0] if history else {}
    metrics = dict(entry.get("operationMetrics") or {})
    rows = metrics.get("numOutputRows")
    return Commit(version=fmt.version(relation), rows_written=int(rows) if rows is not None else None,
                  operation=str(entry.get("operation", "")), metrics=metrics)


__all__ = ["merge", "publish", "write"]
