"""Apache Iceberg tables through pyiceberg: a SQL catalog on SQLite (or a REST catalog),
namespace = the relation's schema, table = its identifier.

A weir write is one pyiceberg transaction: atomic, though it may add more than one
snapshot (a merge is a copy-on-write delete of the batch's keys plus an append). The
table's version is the current snapshot's sequence number. The embedded engine reads
the live data files of the current snapshot (no DuckDB iceberg extension needed).
"""

from __future__ import annotations

import json
import os
import threading
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from weir.config import IcebergCatalogSettings
from weir.errors import ConfigError, FormatError, MissingExtraError
from weir.formats.base import AppCommit, Commit, TableFormat
from weir.formats.duck_types import duck_type, empty_select, file_list, q
from weir.formats.storage import S3Storage, is_remote, redact
from weir.sql.relation import Relation

#: snapshot-summary key of an AppCommit's state (a JSON object of version and state)
APP_KEY = "weir.app."


def _pyiceberg() -> None:
    try:
        import pyiceberg  # noqa: F401
    except ImportError:
        raise MissingExtraError("pyiceberg", "iceberg") from None
    # a predicate overwrite that matches no rows is normal for weir (first partition load)
    warnings.filterwarnings("ignore", message="Delete operation did not match any records")


class IcebergFormat(TableFormat):
    name = "iceberg"
    external = True
    supports_app_commits = True

    def __init__(self, warehouse: str, *, catalog_name: str = "weir", catalog_file: Path | None = None,
                 settings: IcebergCatalogSettings | None = None, storage: S3Storage | None = None) -> None:
        self.warehouse = warehouse.rstrip("/")
        self.catalog_name = catalog_name
        self.catalog_file = catalog_file or Path(".weir") / "iceberg_catalog.db"
        self.settings = settings or IcebergCatalogSettings()
        self.storage = storage
        self._catalog: Any = None
        # one writer at a time per process: SQLite catalogs reject concurrent commits
        self._lock = threading.RLock()

    # -- catalog ----------------------------------------------------------------------------
    @property
    def catalog(self) -> Any:
        if self._catalog is None:
            _pyiceberg()
            with self._lock:
                if self._catalog is None:
                    self._catalog = self._open_catalog()
        return self._catalog

    def _open_catalog(self) -> Any:
        props: dict[str, str] = {"warehouse": self._warehouse_uri(),
                                 **(self.storage.iceberg_properties() if self.storage else {}),
                                 **self.settings.properties}
        try:
            if self.settings.type == "rest":
                from pyiceberg.catalog import load_catalog

                if not self.settings.uri:
                    raise ConfigError("iceberg_catalog of type rest needs a uri", path="weir.yml",
                                      hint="iceberg_catalog: {type: rest, uri: https://...}")
                props["uri"] = self.settings.uri
                for key, var in (("credential", self.settings.credential_env), ("token", self.settings.token_env)):
                    if var:
                        if not os.environ.get(var):
                            raise ConfigError(f"iceberg_catalog.{key}_env names {var}, which is not set",
                                              path="weir.yml", hint=f"export {var}=...")
                        props[key] = os.environ[var]
                return load_catalog(self.catalog_name, type="rest", **props)
            from pyiceberg.catalog.sql import SqlCatalog

            uri = self.settings.uri
            if not uri:
                self.catalog_file.parent.mkdir(parents=True, exist_ok=True)
                uri = f"sqlite:///{self.catalog_file}"
            return SqlCatalog(self.catalog_name, uri=uri, **props)
        except (ConfigError, MissingExtraError):
            raise
        except Exception as exc:  # catalog libraries raise many kinds; converted, secrets removed
            raise FormatError(f"cannot open the Iceberg catalog: {redact(str(exc), self.storage)}") from None

    def _warehouse_uri(self) -> str:
        if is_remote(self.warehouse) or self.warehouse.startswith("file://"):
            return self.warehouse
        return "file://" + str(Path(self.warehouse).absolute())

    def location(self, relation: Relation) -> str:
        # beside, never inside, a Delta table of the same name: Delta's vacuum would delete
        # files it does not know
        return f"{self._warehouse_uri()}/{relation.schema or 'main'}/{relation.identifier}.iceberg"

    def _ident(self, relation: Relation) -> tuple[str, str]:
        return (relation.schema or "main", relation.identifier)

    def _table(self, relation: Relation) -> Any:
        from pyiceberg.exceptions import NoSuchNamespaceError, NoSuchTableError

        try:
            return self.catalog.load_table(self._ident(relation))
        except (NoSuchTableError, NoSuchNamespaceError):
            return None

    def table(self, relation: Relation) -> Any:
        """The pyiceberg table of ``relation``; FormatError when it does not exist."""
        table = self._table(relation)
        if table is None:
            raise FormatError(f"Iceberg table {relation} does not exist in catalog {self.catalog_name!r}")
        return table

    # -- reading ------------------------------------------------------------------------------
    def exists(self, relation: Relation) -> bool:
        return self._table(relation) is not None

    def version(self, relation: Relation) -> int | None:
        table = self._table(relation)
        return None if table is None else _version(table)

    def schema(self, relation: Relation) -> pa.Schema:
        return self.table(relation).schema().as_arrow()

    def scan_sql(self, relation: Relation) -> str:
        return iceberg_scan_sql(self.table(relation))

    def history(self, relation: Relation, limit: int | None = None) -> list[dict[str, Any]]:
        table = self._table(relation)
        if table is None:
            return []
        out = []
        for snap in _ancestors(table):
            summary = snap.summary
            entry: dict[str, Any] = {"version": snap.sequence_number, "timestamp": snap.timestamp_ms,
                                     "operation": str(summary.operation.value) if summary else "",
                                     "snapshot_id": snap.snapshot_id, "parent_id": snap.parent_snapshot_id}
            if summary is not None:
                entry.update(summary.additional_properties)
            out.append(entry)
            if limit is not None and len(out) >= limit:
                break
        return out

    def app_state(self, relation: Relation, app_id: str) -> AppCommit | None:
        table = self._table(relation)
        if table is None:
            return None
        key = APP_KEY + app_id
        for snap in _ancestors(table):  # newest first
            props = snap.summary.additional_properties if snap.summary else {}
            if key in props:
                found = json.loads(props[key])
                return AppCommit(app_id, int(found["version"]), dict(found.get("state") or {}))
        return None

    # -- writing ------------------------------------------------------------------------------
    def _props(self, metadata: dict[str, str], app: AppCommit | None) -> dict[str, str]:
        props = {k: str(v) for k, v in metadata.items()}
        if app is not None:
            props[APP_KEY + app.app_id] = json.dumps({"version": app.version, "state": app.state}, default=str)
        return props

    def _create(self, relation: Relation, schema: pa.Schema, partition_by: Sequence[str] | None) -> Any:
        from pyiceberg.partitioning import UNPARTITIONED_PARTITION_SPEC

        self.catalog.create_namespace_if_not_exists(relation.schema or "main")
        table = self.catalog.create_table(self._ident(relation), schema=schema, location=self.location(relation),
                                          partition_spec=UNPARTITIONED_PARTITION_SPEC)
        if partition_by:
            from pyiceberg.transforms import IdentityTransform

            with table.update_spec() as spec:
                for col in partition_by:
                    spec.add_field(col, IdentityTransform(), col)
        return table

    def write(self, relation: Relation, data: pa.RecordBatchReader, *, mode: str, metadata: dict[str, str],
              partition_by: Sequence[str] | None = None, predicate: str | None = None,
              schema_mode: str | None = None, app: AppCommit | None = None) -> Commit:
        from weir.formats.iceberg_filters import to_filter
        from weir.formats.iceberg_schema import conform, evolve, replace_schema

        if mode not in ("append", "overwrite"):
            raise FormatError(f"unknown write mode {mode!r} for Iceberg table {relation}")
        reader = conform(data)
        props = self._props(metadata, app)
        row_filter = to_filter(predicate) if predicate and mode == "overwrite" else None
        with self._lock, self._errors("writing", relation):
            table = self._table(relation)
            if table is None:
                table = self._create(relation, reader.schema, partition_by)
            before = _version(table)
            with table.transaction() as tx:
                if mode == "overwrite" and row_filter is None and schema_mode == "overwrite":
                    replace_schema(tx, reader.schema)
                elif schema_mode in ("merge", "overwrite"):
                    evolve(tx, reader.schema)
                rows: pa.Table | pa.RecordBatchReader = reader.read_all() if table.spec().fields else reader
                if mode == "append" or table.current_snapshot() is None:
                    tx.append(rows, snapshot_properties=props)
                elif row_filter is not None:
                    tx.overwrite(rows, overwrite_filter=row_filter, snapshot_properties=props)
                else:
                    tx.overwrite(rows, snapshot_properties=props)
            return self._commit(table, before)

    def merge(self, relation: Relation, data: pa.RecordBatchReader, *, keys: Sequence[str],
              metadata: dict[str, str], delete_matched: bool = False, merge_schema: bool = False,
              update_columns: Sequence[str] | None = None, app: AppCommit | None = None) -> Commit:
        from weir.formats.iceberg_filters import key_filter
        from weir.formats.iceberg_schema import conform, evolve, matched_update

        if not keys:
            raise FormatError(f"merging into Iceberg table {relation} needs key columns")
        batch = conform(data).read_all()
        props = self._props(metadata, app)
        with self._lock, self._errors("merging into", relation):
            table = self.table(relation)
            before = _version(table)
            distinct = batch.select(list(keys)).group_by(list(keys)).aggregate([]).to_pylist()
            matches = key_filter(distinct, keys)
            with table.transaction() as tx:
                if merge_schema:
                    evolve(tx, batch.schema)
                if update_columns is not None and not delete_matched:
                    # matched rows keep their other columns; [] = insert new keys only
                    batch = matched_update(table.scan(row_filter=matches).to_arrow(), batch, keys, update_columns)
                if batch.num_rows or app is not None:
                    tx.delete(matches, snapshot_properties=props)
                    tx.append(batch, snapshot_properties=props)
            return self._commit(table, before)

    def _commit(self, table: Any, before: int) -> Commit:
        # rows of the batch = records added by append snapshots (a copy-on-write delete's
        # overwrite snapshot re-adds the rows it kept)
        appended, added, operation = 0, 0, ""
        for snap in _ancestors(table):
            if snap.sequence_number <= before:
                break
            props = snap.summary.additional_properties if snap.summary else {}
            kind = str(snap.summary.operation.value) if snap.summary else ""
            added += int(props.get("added-records", 0))
            appended += int(props.get("added-records", 0)) if kind == "append" else 0
            operation = operation or kind
        return Commit(version=_version(table), rows_written=appended if operation == "append" else added,
                      operation=operation, scan=iceberg_scan_sql(table))

    def _errors(self, doing: str, relation: Relation) -> _Errors:
        return _Errors(f"{doing} Iceberg table {relation}", self.storage)

    # -- maintenance --------------------------------------------------------------------------
    def optimize(self, relation: Relation, *, metadata: dict[str, str] | None = None) -> dict[str, Any]:
        from weir.formats.iceberg_ops import compact

        with self._lock, self._errors("optimizing", relation):
            return compact(self.table(relation), self._props(metadata or {}, None))

    def vacuum(self, relation: Relation, *, retain_hours: float = 168.0, dry_run: bool = False) -> list[str]:
        from weir.formats.iceberg_ops import expire

        with self._lock, self._errors("vacuuming", relation):
            return expire(self.table(relation), retain_hours, dry_run)

    def restore(self, relation: Relation, version: int, *, metadata: dict[str, str] | None = None) -> Commit:
        from weir.formats.iceberg_ops import restore

        with self._lock, self._errors("restoring", relation):
            table = self.table(relation)
            before = _version(table)
            restore(table, version, self._props(metadata or {}, None))
            return self._commit(table, before)

    def drop(self, relation: Relation) -> None:
        with self._lock:
            if self._table(relation) is not None:
                self.catalog.purge_table(self._ident(relation))


class _Errors:
    """Turns a library error into one FormatError line, with secrets removed."""

    def __init__(self, doing: str, storage: S3Storage | None) -> None:
        self.doing, self.storage = doing, storage

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> None:
        if exc is None or isinstance(exc, FormatError | ConfigError | MissingExtraError):
            return
        if isinstance(exc, Exception):
            raise FormatError(f"{self.doing} failed: {redact(str(exc), self.storage)}") from None


def _version(table: Any) -> int:
    snap = table.current_snapshot()
    return int(snap.sequence_number) if snap is not None else 0


def _ancestors(table: Any) -> Any:
    from pyiceberg.table.snapshots import ancestors_of

    snap = table.current_snapshot()
    return ancestors_of(snap, table.metadata) if snap is not None else iter(())


def live_tasks(table: Any) -> Iterator[Any]:
    """The scan tasks of the current snapshot: one per live data file. Merge-on-read
    delete files (another engine's) are refused: weir reads data files directly."""
    for task in table.scan().plan_files():
        if task.delete_files:
            raise FormatError(
                f"Iceberg table {'.'.join(table.name())} has merge-on-read delete files (written by another "
                "engine); weir reads Iceberg data files directly and cannot apply them",
                hint="compact the table with the engine that wrote it (rewrite_data_files), then rerun")
        yield task


def iceberg_scan_sql(table: Any) -> str:
    """SELECT over the live data files of the table's current snapshot, typed by its schema."""
    schema = table.schema().as_arrow()
    if table.current_snapshot() is None:
        return empty_select(schema)
    files = []
    for task in live_tasks(table):
        path = task.file.file_path
        files.append(path[len("file://"):] if path.startswith("file://") else path)
    if not files:
        return empty_select(schema)
    cols = ", ".join(f"cast({q(f.name)} as {duck_type(f.type)}) as {q(f.name)}" for f in schema)
    return f"select {cols} from read_parquet({file_list(files)}, union_by_name = true, hive_partitioning = false)"


__all__ = ["IcebergFormat", "iceberg_scan_sql", "live_tasks"]
