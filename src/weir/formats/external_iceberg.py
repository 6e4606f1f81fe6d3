"""Iceberg tables as data files (``external.FileTable``) through pyiceberg.

Reads: exactly the data files of the current snapshot's scan plan, typed by the table's
schema. Writes: Parquet files another engine wrote under ``<table>/data/`` become pyiceberg
data files (statistics and partition values from their footers; files without field IDs are
read through the table's name mapping, kept current here) and are committed in ONE
snapshot: a fast append, or an overwrite that removes the rewritten files and adds the new
ones, with weir's metadata in the snapshot summary. Schema changes go in the same
transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from weir.errors import FormatError
from weir.formats.base import Commit
from weir.formats.external import DataFile, LiveFiles, local
from weir.formats.iceberg import IcebergFormat, _version, live_tasks
from weir.sql.relation import Relation

#: table property holding the name -> field-id mapping for files written without IDs
NAME_MAPPING = "schema.name-mapping.default"


class IcebergFiles:
    """An Iceberg table whose data files another engine writes under its ``data/`` folder."""

    embeds_partitions = True

    def __init__(self, fmt: IcebergFormat, relation: Relation) -> None:
        self.fmt, self.relation = fmt, relation
        self.location = fmt.location(relation)
        self.folder = local(self.location) + "/data"

    def live(self) -> LiveFiles | None:
        with self.fmt._errors("reading", self.relation):
            table = self.fmt._table(self.relation)
            if table is None:
                return None
            schema = table.schema().as_arrow()
            parts = tuple(_partition_columns(table))
            paths = [] if table.current_snapshot() is None else _data_files(table)
        return LiveFiles(local(self.location), _version(table), schema, [], [local(p) for p in paths], paths, parts)

    def commit(self, files: Sequence[DataFile], schema: pa.Schema, *, mode: str, metadata: dict[str, str],
               partition_by: Sequence[str] | None = None, remove: Sequence[str] = (),
               schema_mode: str | None = None) -> Commit:
        from pyiceberg.io.pyarrow import parquet_files_to_data_files

        from weir.formats.iceberg_schema import conform

        if mode not in ("append", "overwrite"):
            raise FormatError(f"unknown write mode {mode!r} for Iceberg table {self.relation}")
        schema = conform(schema.empty_table()).schema  # the types Iceberg stores (us timestamps, ...)
        base = self.location + "/data/"
        new_paths = [base + f.path for f in files]
        props = self.fmt._props(metadata, None)
        with self.fmt._lock, self.fmt._errors("committing files to", self.relation):
            table = self.fmt._table(self.relation)
            if table is None:
                table = self.fmt._create(self.relation, schema, partition_by)
            before = _version(table)
            live = {} if table.current_snapshot() is None else _live_entries(table)
            gone = list(live.values()) if mode == "overwrite" else [_pick(live, p, self.relation) for p in remove]
            with table.transaction() as tx:
                _schema(tx, schema, mode, schema_mode)
                tx.set_properties(**{NAME_MAPPING: tx.table_metadata.schema().name_mapping.model_dump_json()})
                added = list(parquet_files_to_data_files(table.io, tx.table_metadata, iter(new_paths)))
                update = tx.update_snapshot(snapshot_properties=props)
                with (update.overwrite() if gone else update.fast_append()) as producer:
                    for data_file in gone:
                        producer.delete_data_file(data_file)
                    for data_file in added:
                        producer.append_data_file(data_file)
            return self.fmt._commit(table, before)


def _schema(tx: Any, written: pa.Schema, mode: str, schema_mode: str | None) -> None:
    """The table's schema for this commit (in the same transaction): a full overwrite takes
    the new rows' schema; otherwise new columns are added only when allowed."""
    from weir.formats.iceberg_schema import evolve, replace_schema

    if mode == "overwrite" and schema_mode != "merge":
        replace_schema(tx, written)
        return
    have = {f.name.lower() for f in tx.table_metadata.schema().fields}
    extra = [f.name for f in written if f.name.lower() not in have]
    if schema_mode in ("merge", "overwrite"):
        evolve(tx, written)
    elif extra:
        raise FormatError(f"new columns {extra} do not exist in the table",
                          hint="set on_schema_change: append_new_columns, or --full-refresh")


def _partition_columns(table: Any) -> list[str]:
    schema = table.schema()
    return [schema.find_column_name(f.source_id) for f in table.spec().fields]


def _data_files(table: Any) -> list[str]:
    return [task.file.file_path for task in live_tasks(table)]


def _live_entries(table: Any) -> dict[str, Any]:
    return {task.file.file_path: task.file for task in live_tasks(table)}


def _pick(live: dict[str, Any], path: str, relation: Relation) -> Any:
    if path not in live:  # another writer replaced it since this write read the table
        raise FormatError(f"data file {path} is no longer live in Iceberg table {relation} (a concurrent write?)",
                          hint="rerun the model")
    return live[path]


__all__ = ["NAME_MAPPING", "IcebergFiles"]
