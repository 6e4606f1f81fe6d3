"""Table writes for engines that write data files themselves (``engine.writes_files``:
Spark without the Delta jars). The engine writes Parquet into the table's folder,
``formats.external`` commits the files in one transaction.

Emulated here, once, for every such engine: overwrite, append, partition overwrite,
and merge / delete+insert as copy-on-write — the live files holding a matching row
are rewritten (their other rows kept, plus the new rows) and the commit removes them
and adds the rewrites atomically.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from weir.formats.base import Commit, TableFormat
from weir.formats.external import commit_files, live_files, relative
from weir.sql.relation import Relation, quote

FILE = "__weir_file"


def publish(engine: Any, fmt: TableFormat, relation: Relation) -> None:
    """Point the engine's view of ``relation`` at the table's live files."""
    files = live_files(fmt, relation)
    if files is None:
        engine.drop(relation)
        return
    engine.register_files(relation, files.uris, files.schema, partitions=files.partitions, base=files.location)


def write(engine: Any, fmt: TableFormat, relation: Relation, sql: str, *, mode: str, metadata: dict[str, str],
          partition_by: Sequence[str] | None = None, predicate: str | None = None,
          schema_mode: str | None = None) -> Commit:
    """Overwrite or append a query's rows; with ``predicate``, replace only the rows it
    matches (insert_overwrite of the partitions present in the new rows)."""
    current = live_files(fmt, relation)
    if predicate and current is not None:
        return _rewrite(engine, fmt, relation, current, sql, f"({predicate})", metadata=metadata)
    folder = fmt.location(relation)  # type: ignore[attr-defined]
    if mode == "append" and current is not None:
        df = _conform(engine, engine.frame(sql), current.schema, keep_extra=schema_mode == "merge")
        files, schema = engine.write_frame(df, folder, partition_by=current.partitions or None)
    else:
        files, schema = engine.write_files(sql, folder, partition_by=partition_by)
        mode = "overwrite" if current is not None else "append"
    return commit_files(fmt, relation, files, schema, mode=mode, metadata=metadata, partition_by=partition_by,
                        schema_mode=schema_mode)


def merge(engine: Any, fmt: TableFormat, relation: Relation, staged: Relation, keys: Sequence[str], *,
          metadata: dict[str, str], delete_matched: bool, update_columns: Sequence[str] | None,
          merge_schema: bool) -> Commit:
    """Upsert (or delete+insert) ``staged`` on ``keys`` by copy-on-write of the files
    holding matching rows."""
    current = live_files(fmt, relation)
    if current is None:
        return write(engine, fmt, relation, f"select * from {staged}", mode="overwrite", metadata=metadata)
    match = " and ".join(f"t.{quote(k)} = s.{quote(k)}" for k in keys)
    cond = f"exists (select 1 from {staged} s where {match})"
    update = None if delete_matched else update_columns
    return _rewrite(engine, fmt, relation, current, f"select * from {staged}", cond, metadata=metadata,
                    staged=staged, match=match, update_columns=update, merge_schema=merge_schema)


def _rewrite(engine: Any, fmt: TableFormat, relation: Relation, current: Any, new_sql: str, cond: str, *,
             metadata: dict[str, str], staged: Relation | None = None, match: str = "",
             update_columns: Sequence[str] | None = None, merge_schema: bool = False) -> Commit:
    """Replace the rows matching ``cond`` (over alias ``t``) by ``new_sql``'s rows."""
    probe = engine.stage_files("probe", current.uris, current.schema, partitions=current.partitions,
                               base=current.location, file_column=FILE)
    try:
        _, rows = engine.fetch(f"select distinct t.{FILE} from {probe} t where {cond}")
    finally:
        engine.unstage(probe)
    affected = [str(r[0]) for r in rows]
    cols = [f.name for f in current.schema]
    names = ", ".join(quote(c) for c in cols)
    parts: list[str] = []
    target = None
    if affected:
        target = engine.stage_files("cow", affected, current.schema, partitions=current.partitions,
                                    base=current.location)
        parts.append(f"select {names} from {target} t where not ({cond})")
        if staged is not None and update_columns is not None:
            # matched rows keep their other columns; only update_columns come from the new row
            wanted = {c.lower() for c in update_columns}
            picked = ", ".join(f"s.{quote(c)}" if c.lower() in wanted else f"t.{quote(c)}" for c in cols)
            parts.append(f"select {picked} from {target} t join {staged} s on {match}")
            parts.append(f"select * from {staged} s where not exists (select 1 from {target} t where {match})")
        else:
            parts.append(new_sql)
    else:
        parts.append(new_sql)
    sql = "\nunion all by name\n".join(f"select * from ({p}) as __weir_part" for p in parts)
    try:
        df = _conform(engine, engine.frame(sql), current.schema, keep_extra=merge_schema)
        files, schema = engine.write_frame(df, current.location, partition_by=current.partitions or None)
    finally:
        if target is not None:
            engine.unstage(target)
    removes = [relative(current.location, uri) for uri in affected]
    return commit_files(fmt, relation, files, schema, mode="append", metadata=metadata,
                        partition_by=current.partitions or None, remove=removes,
                        schema_mode="merge" if merge_schema else None)


def _conform(engine: Any, df: Any, schema: Any, *, keep_extra: bool) -> Any:
    return engine.conform(df, schema, keep_extra=keep_extra)


__all__ = ["merge", "publish", "write"]
