"""Table writes for engines that write data files themselves (``engine.writes_files``:
Spark without the Delta/Iceberg jars). The engine writes Parquet into the table's data
folder, ``formats.external`` commits the files in one transaction of the table's format.

Emulated here, once, for every such engine and format: overwrite, append, partition
overwrite, and merge / delete+insert as copy-on-write — the live files holding a matching
row are rewritten (their other rows kept, plus the new rows) and the commit removes them
and adds the rewrites atomically.

An ``s3://`` table the engine cannot open itself (``engine.s3a`` false: no Hadoop S3A) is
written to a local staging folder and uploaded before the commit, and read from local
copies of its live files (``formats.external_s3``); with S3A the engine gets ``s3a://``
paths and does both itself.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import uuid
from collections.abc import Sequence
from typing import Any

from weir.formats.base import Commit, TableFormat
from weir.formats.external import FileTable, LiveFiles, file_table, local, storage_of
from weir.formats.storage import is_remote
from weir.sql.relation import Relation, quote

FILE = "__weir_file"


def _s3a(uri: str) -> str:
    return "s3a://" + uri.split("://", 1)[1] if uri.startswith("s3://") else uri


def _readable(engine: Any, fmt: TableFormat, files: LiveFiles) -> LiveFiles:
    """``files`` with paths the engine can open: as they are, ``s3a://`` for an engine with
    S3A, or local cached copies (the same layout, so partition paths still parse)."""
    if not is_remote(files.location):
        return files
    if getattr(engine, "s3a", False):
        return dataclasses.replace(files, location=_s3a(files.location), uris=[_s3a(u) for u in files.uris])
    from weir.formats.external_s3 import RemoteFiles, cache_path

    cache = engine.scratch("cache")
    uris = RemoteFiles(storage_of(fmt)).fetch(files.uris, cache)
    return dataclasses.replace(files, location=cache_path(cache, files.location), uris=uris)


def publish(engine: Any, fmt: TableFormat, relation: Relation) -> None:
    """Point the engine's view of ``relation`` at the table's live files when a query
    first reads it (``engine.defer``): a table nobody reads in this session costs nothing."""
    engine.defer(relation, lambda: _register(engine, fmt, relation))


def _register(engine: Any, fmt: TableFormat, relation: Relation) -> None:
    files = file_table(fmt, relation).live()
    if files is None:
        engine.drop(relation)
        return
    files = _readable(engine, fmt, files)
    engine.register_files(relation, files.uris, files.schema, partitions=files.partitions, base=files.location)


def _write(engine: Any, fmt: TableFormat, table: FileTable, df: Any, partition_by: Sequence[str] | None) -> Any:
    """Have the engine write ``df`` as new files under the table's folder; returns (files, schema)."""
    parts = list(partition_by) if partition_by else None
    kw = {"partition_by": parts, "embed_partitions": table.embeds_partitions}
    folder = table.folder
    if not is_remote(folder):
        return engine.write_frame(df, folder, **kw)
    if getattr(engine, "s3a", False):
        return engine.write_frame(df, _s3a(folder), **kw)
    from weir.formats.external_s3 import RemoteFiles

    staging = os.path.join(engine.scratch("staging"), uuid.uuid4().hex)
    try:
        files, schema = engine.write_frame(df, staging, **kw)
        RemoteFiles(storage_of(fmt)).upload(staging, [f.path for f in files], folder, engine.scratch("cache"))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return files, schema


def write(engine: Any, fmt: TableFormat, relation: Relation, sql: str, *, mode: str, metadata: dict[str, str],
          partition_by: Sequence[str] | None = None, predicate: str | None = None,
          schema_mode: str | None = None) -> Commit:
    """Overwrite or append a query's rows; with ``predicate``, replace only the rows it
    matches (insert_overwrite of the partitions present in the new rows)."""
    table = file_table(fmt, relation)
    current = table.live()
    if predicate and current is not None:
        return _rewrite(engine, fmt, table, current, sql, f"({predicate})", metadata=metadata)
    df = engine.frame(sql)
    if mode == "append" and current is not None:
        df = engine.conform(df, current.schema, keep_extra=schema_mode == "merge")
        files, schema = _write(engine, fmt, table, df, current.partition_by)
    else:
        files, schema = _write(engine, fmt, table, df, partition_by)
        mode = "overwrite" if current is not None else "append"
    return table.commit(files, schema, mode=mode, metadata=metadata, partition_by=partition_by,
                        schema_mode=schema_mode)


def merge(engine: Any, fmt: TableFormat, relation: Relation, staged: Relation, keys: Sequence[str], *,
          metadata: dict[str, str], delete_matched: bool, update_columns: Sequence[str] | None,
          merge_schema: bool) -> Commit:
    """Upsert (or delete+insert) ``staged`` on ``keys`` by copy-on-write of the files
    holding matching rows."""
    table = file_table(fmt, relation)
    current = table.live()
    if current is None:
        return write(engine, fmt, relation, f"select * from {staged}", mode="overwrite", metadata=metadata)
    match = " and ".join(f"t.{quote(k)} = s.{quote(k)}" for k in keys)
    cond = f"exists (select 1 from {staged} s where {match})"
    update = None if delete_matched else update_columns
    if update is None and not delete_matched:
        # a merge updates the batch's columns only: target columns the batch lacks
        # (on_schema_change) keep their values in matched rows
        batch = [c.name for c in engine.columns(staged)]
        if {f.name.lower() for f in current.schema} - {c.lower() for c in batch}:
            update = batch
    return _rewrite(engine, fmt, table, current, f"select * from {staged}", cond, metadata=metadata,
                    staged=staged, match=match, update_columns=update, merge_schema=merge_schema)


def _rewrite(engine: Any, fmt: TableFormat, table: FileTable, current: LiveFiles, new_sql: str, cond: str, *,
             metadata: dict[str, str], staged: Relation | None = None, match: str = "",
             update_columns: Sequence[str] | None = None, merge_schema: bool = False) -> Commit:
    """Replace the rows matching ``cond`` (over alias ``t``) by ``new_sql``'s rows."""
    readable = _readable(engine, fmt, current)
    probe = engine.stage_files("probe", readable.uris, current.schema, partitions=current.partitions,
                               base=readable.location, file_column=FILE)
    try:
        _, rows = engine.fetch(f"select distinct t.{FILE} from {probe} t where {cond}")
    finally:
        engine.unstage(probe)
    # the engine names a file by its own URI (file:/..., s3a://...): back to the format's name
    names = {_norm(u): (u, p) for u, p in zip(readable.uris, current.paths, strict=True)}
    affected = [names[_norm(str(r[0]))] for r in rows]
    cols = [f.name for f in current.schema]
    select = ", ".join(quote(c) for c in cols)
    parts: list[str] = []
    target = None
    if affected:
        target = engine.stage_files("cow", [u for u, _ in affected], current.schema, partitions=current.partitions,
                                    base=readable.location)
        parts.append(f"select {select} from {target} t where not ({cond})")
        if staged is not None and update_columns is not None:
            # matched rows keep their other columns; only update_columns come from the new row
            wanted = {c.lower() for c in update_columns}
            picked = ", ".join(f"s.{quote(c)}" if c.lower() in wanted else f"t.{quote(c)}" for c in cols)
            known = {c.lower() for c in cols}
            if merge_schema:  # new columns of the batch that the matched rows take too
                picked += "".join(f", s.{c.quoted}" for c in engine.columns(staged)
                                  if c.name.lower() not in known and c.name.lower() in wanted)
            parts.append(f"select {picked} from {target} t join {staged} s on {match}")
            parts.append(f"select * from {staged} s where not exists (select 1 from {target} t where {match})")
        else:
            parts.append(new_sql)
    else:
        parts.append(new_sql)
    sql = "\nunion all by name\n".join(f"select * from ({p}) as __weir_part" for p in parts)
    try:
        df = engine.conform(engine.frame(sql), current.schema, keep_extra=merge_schema)
        files, schema = _write(engine, fmt, table, df, current.partition_by or None)
    finally:
        if target is not None:
            engine.unstage(target)
    return table.commit(files, schema, mode="append", metadata=metadata, partition_by=current.partition_by or None,
                        remove=[p for _, p in affected], schema_mode="merge" if merge_schema else None)


def _norm(uri: str) -> str:
    """A file's URI as a comparable path (``file:/x`` and ``file:///x`` are ``/x``)."""
    return local(uri) if uri.startswith("file:") else uri.replace("s3a://", "s3://", 1)


__all__ = ["merge", "publish", "write"]
