"""Delta Lake tables through delta-rs (the ``deltalake`` package).

The process-abort trap of ``DeltaTable.to_pyarrow_table()`` (see ENVIRONMENT.md) is
avoided: weir reads live files from the Delta log and scans them with DuckDB.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
from deltalake import CommitProperties, DeltaTable, Transaction, write_deltalake
from deltalake.exceptions import TableNotFoundError

from weir.errors import FormatError
from weir.formats.base import AppCommit, Commit, TableFormat
from weir.formats.duck_types import duck_type as _duck_type
from weir.formats.duck_types import q as _q
from weir.sql.relation import Relation

_LOG_NAME = re.compile(r"^(\d{20})\.json$")
#: commit-metadata key of an AppCommit's state; the version also goes into Delta's ``txn`` action
_APP_KEY = "weir.app."


class DeltaFormat(TableFormat):
    name = "delta"
    external = True
    supports_app_commits = True

    def __init__(self, warehouse: str, storage_options: dict[str, str] | None = None) -> None:
        self.warehouse = warehouse.rstrip("/")
        self.storage_options = storage_options or None

    def _safe(self, exc: BaseException) -> str:
        """An error's text without the storage secrets it might echo."""
        text = str(exc)
        for key, value in (self.storage_options or {}).items():
            if value and any(s in key for s in ("SECRET", "TOKEN", "KEY_ID")):
                text = text.replace(value, "***")
        return text

    def location(self, relation: Relation) -> str:
        return f"{self.warehouse}/{relation.schema}/{relation.identifier}"

    def _table(self, relation: Relation) -> DeltaTable | None:
        try:
            return DeltaTable(self.location(relation), storage_options=self.storage_options)
        except TableNotFoundError:
            return None
        except OSError as exc:  # unreachable store, bad credentials: one line, no secrets
            raise FormatError(f"cannot open Delta table {relation} at {self.location(relation)}: "
                              f"{self._safe(exc).splitlines()[0]}",
                              hint="check the warehouse's storage credentials and endpoint") from None

    def exists(self, relation: Relation) -> bool:
        loc = self.location(relation)
        if "://" not in loc:
            return (Path(loc) / "_delta_log").is_dir() and any((Path(loc) / "_delta_log").glob("*.json"))
        return self._table(relation) is not None

    def version(self, relation: Relation) -> int | None:
        loc = self.location(relation)
        if "://" not in loc:  # cheap: newest commit file name, without opening the table
            log = Path(loc) / "_delta_log"
            if not log.is_dir():
                return None
            versions = [int(m.group(1)) for p in log.iterdir() if (m := _LOG_NAME.match(p.name))]
            return max(versions) if versions else None
        dt = self._table(relation)
        return dt.version() if dt else None

    def schema(self, relation: Relation) -> pa.Schema:
        dt = self._table(relation)
        if dt is None:
            raise FormatError(f"table {relation} does not exist at {self.location(relation)}")
        return pa.schema(dt.schema().to_arrow())  # type: ignore[arg-type]

    def _props(self, metadata: dict[str, str], app: AppCommit | None = None) -> CommitProperties:
        custom = {k: str(v) for k, v in metadata.items()}
        if app is None:
            return CommitProperties(custom_metadata=custom)
        custom[_APP_KEY + app.app_id] = json.dumps({"version": app.version, "state": app.state}, default=str)
        return CommitProperties(custom_metadata=custom, app_transactions=[Transaction(app.app_id, app.version)])

    def app_state(self, relation: Relation, app_id: str) -> AppCommit | None:
        dt = self._table(relation)
        if dt is None or dt.transaction_version(app_id) is None:
            return None
        key, limit = _APP_KEY + app_id, 16
        while True:  # newest commits first; an app usually wrote one of the last few
            entries = dt.history(limit)
            for entry in entries:
                if key in entry:
                    found = json.loads(entry[key])
                    return AppCommit(app_id, int(found["version"]), dict(found.get("state") or {}))
            if len(entries) < limit:
                raise FormatError(f"Delta table {relation} has a txn for {app_id!r} but no weir state in its "
                                  "commit history (written by another tool?)")
            limit *= 8

    def write(self, relation: Relation, data: pa.RecordBatchReader, *, mode: str, metadata: dict[str, str],
              partition_by: Sequence[str] | None = None, predicate: str | None = None,
              schema_mode: str | None = None, app: AppCommit | None = None) -> Commit:
        loc = self.location(relation)
        if "://" not in loc:
            Path(loc).mkdir(parents=True, exist_ok=True)
        try:
            write_deltalake(  # type: ignore[call-overload]
                loc, data, mode=mode, partition_by=list(partition_by) if partition_by else None,
                predicate=predicate, schema_mode=schema_mode, storage_options=self.storage_options,
                commit_properties=self._props(metadata, app),
            )
        except Exception as exc:  # delta-rs raises bare Exception too; converted, never swallowed
            raise FormatError(f"writing Delta table {relation} failed: {self._safe(exc)}") from None
        dt = self._table(relation)
        assert dt is not None
        return self._commit(dt)

    def merge(self, relation: Relation, data: pa.RecordBatchReader, *, keys: Sequence[str],
              metadata: dict[str, str], delete_matched: bool = False, merge_schema: bool = False,
              update_columns: Sequence[str] | None = None, app: AppCommit | None = None,
              delete_flag: str | None = None) -> Commit:
        # delete_flag (added by weir.streaming for CDC; not yet on the TableFormat contract):
        # a boolean column of ``data``; its true rows delete their matched row, are never
        # inserted, and the column itself is not written.
        dt = self._table(relation)
        if dt is None:
            raise FormatError(f"cannot merge into {relation}: the table does not exist")
        on = " AND ".join(f"t.{_q(k)} = s.{_q(k)}" for k in keys)
        try:
            if delete_flag:
                cols = {_q(f.name): f"s.{_q(f.name)}" for f in data.schema if f.name != delete_flag}
                flag = f"s.{_q(delete_flag)}"
                (dt.merge(data, predicate=on, source_alias="s", target_alias="t",
                          commit_properties=self._props(metadata, app), merge_schema=merge_schema)
                 .when_matched_delete(predicate=flag).when_matched_update(updates=cols)
                 .when_not_matched_insert(updates=cols, predicate=f"NOT {flag}").execute())
            elif delete_matched:
                self._delete_insert(dt, data, keys, on, self._props(metadata, app), merge_schema)
            else:
                merger = dt.merge(data, predicate=on, source_alias="s", target_alias="t",
                                  commit_properties=self._props(metadata, app), merge_schema=merge_schema)
                if update_columns is None:
                    merger = merger.when_matched_update_all()
                elif update_columns:
                    merger = merger.when_matched_update(updates={_q(c): f"s.{_q(c)}" for c in update_columns})
                merger.when_not_matched_insert_all().execute()
        except Exception as exc:  # delta-rs raises bare Exception too; converted, never swallowed
            raise FormatError(f"merging into Delta table {relation} failed: {self._safe(exc)}") from None
        return self._commit(dt)

    def _delete_insert(self, dt: DeltaTable, data: pa.RecordBatchReader, keys: Sequence[str], on: str,
                       props: CommitProperties, merge_schema: bool) -> None:
        # One atomic commit: the source carries each distinct key once flagged "delete"
        # (matches and removes all target rows with that key) plus every new row flagged
        # "insert" (never matches, always inserted).
        table = data.read_all()
        key_rows = table.select(list(keys)).group_by(list(keys)).aggregate([])
        flag = "__weir_op"
        if table.num_rows == 0:
            return
        deletes = pa.table({**{k: key_rows.column(k) for k in keys},
                            flag: pa.array(["d"] * key_rows.num_rows, type=pa.string())})
        inserts = table.append_column(flag, pa.array(["i"] * table.num_rows, type=pa.string()))
        source = pa.concat_tables([inserts, deletes], promote_options="default")
        cols = [c for c in table.column_names]
        (
            dt.merge(source, predicate=f"{on} AND s.{flag} = 'd'", source_alias="s", target_alias="t",
                     commit_properties=props, merge_schema=merge_schema)
            .when_matched_delete()
            .when_not_matched_insert(updates={_q(c): f"s.{_q(c)}" for c in cols}, predicate=f"s.{flag} = 'i'")
            .execute()
        )

    def _commit(self, dt: DeltaTable) -> Commit:
        entry = dt.history(1)[0] if dt.version() is not None else {}
        metrics = entry.get("operationMetrics") or {}
        rows = metrics.get("num_added_rows") or metrics.get("num_target_rows_inserted")
        return Commit(version=dt.version(), rows_written=int(rows) if rows is not None else None,
                      operation=str(entry.get("operation", "")), metrics=metrics, scan=delta_scan_sql(dt))

    def scan_sql(self, relation: Relation) -> str:
        dt = self._table(relation)
        if dt is None:
            raise FormatError(f"table {relation} does not exist at {self.location(relation)}")
        return delta_scan_sql(dt)

    def history(self, relation: Relation, limit: int | None = None) -> list[dict[str, Any]]:
        dt = self._table(relation)
        return list(dt.history(limit)) if dt else []

    def _existing(self, relation: Relation) -> DeltaTable:
        dt = self._table(relation)
        if dt is None:
            raise FormatError(f"table {relation} does not exist at {self.location(relation)}")
        return dt

    def optimize(self, relation: Relation, *, metadata: dict[str, str] | None = None) -> dict[str, Any]:
        dt = self._existing(relation)
        try:
            return dict(dt.optimize.compact(commit_properties=self._props(metadata or {})))
        except Exception as exc:  # delta-rs raises bare Exception too; converted, never swallowed
            raise FormatError(f"optimizing Delta table {relation} failed: {self._safe(exc)}") from None

    def vacuum(self, relation: Relation, *, retain_hours: float = 168.0, dry_run: bool = False) -> list[str]:
        dt = self._existing(relation)
        try:  # the caller chose the retention: delta-rs' 7-day floor is not imposed twice
            return list(dt.vacuum(retention_hours=int(retain_hours), dry_run=dry_run,
                                  enforce_retention_duration=False))
        except Exception as exc:  # delta-rs raises bare Exception too; converted, never swallowed
            raise FormatError(f"vacuuming Delta table {relation} failed: {self._safe(exc)}") from None

    def restore(self, relation: Relation, version: int, *, metadata: dict[str, str] | None = None) -> Commit:
        dt = self._existing(relation)
        current = dt.version()
        if version < 0 or version > current:
            raise FormatError(f"Delta table {relation} has no version {version}",
                              hint=f"versions go from 0 to {current}: see `weir table history`")
        try:
            dt.restore(version, commit_properties=self._props(metadata or {}))
        except Exception as exc:  # delta-rs raises bare Exception too; converted, never swallowed
            raise FormatError(f"restoring Delta table {relation} to version {version} failed: {self._safe(exc)}",
                              hint="vacuum may have deleted that version's files") from None
        return self._commit(self._existing(relation))

    def drop(self, relation: Relation) -> None:
        loc = self.location(relation)
        if "://" not in loc and Path(loc).exists():
            shutil.rmtree(loc)


def delta_scan_sql(dt: DeltaTable) -> str:
    """SELECT over the live files of the table's current version, typed by its schema."""
    schema = pa.schema(dt.schema().to_arrow())  # type: ignore[arg-type]
    partitions = set(dt.metadata().partition_columns)
    files = dt.file_uris()
    cols = [f"cast({_q(f.name)} as {_duck_type(f.type)}) as {_q(f.name)}" for f in schema]
    if not files:
        nulls = ", ".join(f"cast(null as {_duck_type(f.type)}) as {_q(f.name)}" for f in schema)
        return f"select {nulls} where false"
    file_list = "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"
    options = ["union_by_name = true"]
    if partitions:
        hive_types = ", ".join(f"{_q(f.name)}: {_duck_type(f.type)}" for f in schema if f.name in partitions)
        options += ["hive_partitioning = true", "hive_types = {" + hive_types.replace('"', "'") + "}"]
    return f"select {', '.join(cols)} from read_parquet({file_list}, {', '.join(options)})"


__all__ = ["DeltaFormat", "delta_scan_sql"]
