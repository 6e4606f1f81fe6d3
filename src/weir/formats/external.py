"""Committing data files another engine wrote (Spark without the Delta jars) to a Delta
table: add/remove actions in ONE delta-rs commit, with weir's commit metadata.

``overwrite`` replaces every live file; ``append`` adds files; a copy-on-write rewrite
removes the files it rewrote and adds their replacements atomically. Readers list the
live files from the log (never the folder, which still holds removed files).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlparse

import pyarrow as pa
from deltalake import CommitProperties, DeltaTable, Schema
from deltalake.exceptions import TableNotFoundError
from deltalake.transaction import AddAction, RemoveAction, create_table_with_add_actions

from weir.errors import FormatError
from weir.formats.base import Commit
from weir.formats.delta import DeltaFormat, delta_scan_sql
from weir.sql.relation import Relation


class DataFile(Protocol):
    """A written data file, relative to the table's folder (engines' WrittenFile)."""

    path: str
    size: int
    modification_time: int
    partition_values: dict[str, str | None]
    num_rows: int


@dataclass(frozen=True)
class LiveFiles:
    """A table version as an engine must read it: exactly its live data files."""

    location: str
    version: int | None
    schema: pa.Schema
    partitions: list[str]
    #: absolute paths/URIs of the live files
    uris: list[str]
    #: the log's relative paths, in the same order (what a RemoveAction names)
    paths: list[str]


def _delta(fmt: Any) -> DeltaFormat:
    if not isinstance(fmt, DeltaFormat):
        raise FormatError(f"the {fmt.name} table format cannot commit files written by Spark yet",
                          hint="use table_format: delta on the Spark engine")
    return fmt


def _open(fmt: DeltaFormat, relation: Relation) -> DeltaTable | None:
    try:
        return DeltaTable(fmt.location(relation), storage_options=fmt.storage_options)
    except TableNotFoundError:
        return None


def live_files(fmt: Any, relation: Relation) -> LiveFiles | None:
    """The live files of the table's current version, or None when it does not exist."""
    dt = _open(_delta(fmt), relation)
    if dt is None:
        return None
    mapping = (dt.metadata().configuration or {}).get("delta.columnMapping.mode", "none")
    if mapping not in ("none", None):
        raise FormatError(f"Delta table {relation} uses column mapping ({mapping}), which weir's Spark "
                          "path cannot read without the Delta jars", hint="rewrite it without column mapping")
    schema = pa.schema(dt.schema().to_arrow())  # type: ignore[arg-type]
    uris = [_local(u) for u in dt.file_uris()]
    location = fmt.location(relation)
    return LiveFiles(location, dt.version(), schema, list(dt.metadata().partition_columns), uris,
                     [relative(location, u) for u in uris])


def _local(uri: str) -> str:
    return unquote(urlparse(uri).path) if uri.startswith("file:") else uri


def relative(location: str, uri: str) -> str:
    """A data file's path relative to the table folder (as the Delta log names it)."""
    path = _local(uri)
    base = _local(location).rstrip("/") + "/"
    return path[len(base):] if path.startswith(base) else path


def _add(f: DataFile) -> AddAction:
    return AddAction(path=f.path, size=f.size, partition_values=dict(f.partition_values),
                     modification_time=f.modification_time, data_change=True,
                     stats=json.dumps({"numRecords": f.num_rows}))


def commit_files(fmt: Any, relation: Relation, files: Sequence[DataFile], schema: pa.Schema, *, mode: str,
                 metadata: dict[str, str], partition_by: Sequence[str] | None = None,
                 remove: Sequence[str] = (), schema_mode: str | None = None) -> Commit:
    """Commit ``files`` (already in the table folder) in one transaction.

    ``mode`` is ``overwrite`` (every live file removed) or ``append``; ``remove`` lists
    live files (log-relative paths) a copy-on-write rewrite replaces."""
    delta = _delta(fmt)
    loc = delta.location(relation)
    props = CommitProperties(custom_metadata={k: str(v) for k, v in metadata.items()})
    adds = [_add(f) for f in files]
    dt = _open(delta, relation)
    rows = sum(f.num_rows for f in files)
    try:
        if dt is None:
            if "://" not in loc:
                Path(loc).mkdir(parents=True, exist_ok=True)
            create_table_with_add_actions(loc, Schema.from_arrow(schema), adds, mode="append",
                                          partition_by=list(partition_by) if partition_by else None,
                                          storage_options=delta.storage_options, commit_properties=props)
        else:
            target_schema = _schema(dt, schema, mode, schema_mode)
            parts = list(dt.metadata().partition_columns) if mode == "append" or not partition_by else list(partition_by)
            now = int(time.time() * 1000)
            removes = [RemoveAction(path=p, deletion_timestamp=now, data_change=True) for p in remove]
            dt.create_write_transaction([*removes, *adds], mode=mode, schema=target_schema,
                                        partition_by=parts or None, commit_properties=props)
    except FormatError:
        raise
    except Exception as exc:  # delta-rs raises bare Exception too: converted, never swallowed
        raise FormatError(f"committing files to Delta table {relation} failed: {exc}") from None
    dt = _open(delta, relation)
    assert dt is not None
    entry = dt.history(1)[0]
    return Commit(version=dt.version(), rows_written=rows, operation=str(entry.get("operation", "WRITE")),
                  scan=delta_scan_sql(dt))


def _schema(dt: DeltaTable, written: pa.Schema, mode: str, schema_mode: str | None) -> Any:
    if mode == "overwrite" and schema_mode != "merge":
        return Schema.from_arrow(written)
    current = pa.schema(dt.schema().to_arrow())  # type: ignore[arg-type]
    have = {f.name.lower() for f in current}
    extra = [f for f in written if f.name.lower() not in have]
    if not extra:
        return dt.schema()
    if schema_mode not in ("merge", "overwrite"):
        raise FormatError(f"new columns {[f.name for f in extra]} do not exist in the table",
                          hint="set on_schema_change: append_new_columns, or --full-refresh")
    return Schema.from_arrow(pa.schema([*current, *extra]))


__all__ = ["DataFile", "LiveFiles", "commit_files", "live_files", "relative"]
