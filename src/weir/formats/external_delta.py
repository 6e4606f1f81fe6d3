"""Delta tables as data files (``external.FileTable``): the live files of the current
version from the Delta log, and add/remove actions committed in ONE delta-rs commit."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
from deltalake import CommitProperties, DeltaTable, Schema
from deltalake.exceptions import TableNotFoundError
from deltalake.transaction import AddAction, RemoveAction, create_table_with_add_actions

from weir.errors import FormatError
from weir.formats.base import Commit
from weir.formats.delta import DeltaFormat, delta_scan_sql
from weir.formats.external import DataFile, LiveFiles, local, relative
from weir.sql.relation import Relation


class DeltaFiles:
    """A Delta table whose data files another engine writes into its folder."""

    embeds_partitions = False

    def __init__(self, fmt: DeltaFormat, relation: Relation) -> None:
        self.fmt, self.relation = fmt, relation
        self.folder = fmt.location(relation)

    def _open(self) -> DeltaTable | None:
        try:
            return DeltaTable(self.folder, storage_options=self.fmt.storage_options)
        except TableNotFoundError:
            return None

    def live(self) -> LiveFiles | None:
        dt = self._open()
        if dt is None:
            return None
        mapping = (dt.metadata().configuration or {}).get("delta.columnMapping.mode", "none")
        if mapping not in ("none", None):
            raise FormatError(f"Delta table {self.relation} uses column mapping ({mapping}), which weir's Spark "
                              "path cannot read without the Delta jars", hint="rewrite it without column mapping")
        schema = pa.schema(dt.schema().to_arrow())  # type: ignore[arg-type]
        uris = [local(u) for u in dt.file_uris()]
        parts = list(dt.metadata().partition_columns)
        return LiveFiles(self.folder, dt.version(), schema, parts, uris, [relative(self.folder, u) for u in uris],
                         tuple(parts))

    def commit(self, files: Sequence[DataFile], schema: pa.Schema, *, mode: str, metadata: dict[str, str],
               partition_by: Sequence[str] | None = None, remove: Sequence[str] = (),
               schema_mode: str | None = None) -> Commit:
        loc = self.folder
        props = CommitProperties(custom_metadata={k: str(v) for k, v in metadata.items()})
        adds = [_add(f) for f in files]
        dt = self._open()
        try:
            if dt is None:
                if "://" not in loc:
                    Path(loc).mkdir(parents=True, exist_ok=True)
                create_table_with_add_actions(loc, Schema.from_arrow(schema), adds, mode="append",
                                              partition_by=list(partition_by) if partition_by else None,
                                              storage_options=self.fmt.storage_options, commit_properties=props)
            else:
                target_schema = _schema(dt, schema, mode, schema_mode)
                if mode == "append":
                    _add_columns(dt, target_schema)
                parts = (list(dt.metadata().partition_columns) if mode == "append" or not partition_by
                         else list(partition_by))
                now = int(time.time() * 1000)
                removes = [RemoveAction(path=p, deletion_timestamp=now, data_change=True) for p in remove]
                dt.create_write_transaction([*removes, *adds], mode=mode, schema=target_schema,
                                            partition_by=parts or None, commit_properties=props)
        except FormatError:
            raise
        except Exception as exc:  # delta-rs raises bare Exception too: converted, never swallowed
            raise FormatError(f"committing files to Delta table {self.relation} failed: "
                              f"{self.fmt._safe(exc)}") from None
        dt = self._open()
        assert dt is not None
        entry = dt.history(1)[0]
        return Commit(version=dt.version(), rows_written=sum(f.num_rows for f in files),
                      operation=str(entry.get("operation", "WRITE")), scan=delta_scan_sql(dt))


def _add(f: DataFile) -> AddAction:
    return AddAction(path=f.path, size=f.size, partition_values=dict(f.partition_values),
                     modification_time=f.modification_time, data_change=True,
                     stats=json.dumps({"numRecords": f.num_rows}))


def _add_columns(dt: DeltaTable, schema: Any) -> None:
    """New columns of an append (schema_mode merge): delta-rs keeps the table's schema on an
    append commit, so they are added first, in a metadata commit of their own."""
    have = {f.name.lower() for f in dt.schema().fields}
    new = [f for f in schema.fields if f.name.lower() not in have]
    if new:
        dt.alter.add_columns(new)


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


__all__ = ["DeltaFiles"]
