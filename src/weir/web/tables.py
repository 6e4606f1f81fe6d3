"""Table history for the UI straight from the table formats (Delta log, Iceberg snapshots):
no engine and no DuckDB catalog is opened, so pages never wait for a running build."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from weir.errors import FormatError
from weir.formats.base import TableFormat
from weir.project.loader import Project
from weir.sql.relation import Relation

#: commit-metadata keys shown as "written by"
WRITER_KEYS = ("weir.command", "engineInfo", "clientVersion", "engine-version")


def parse_relation(text: str) -> Relation:
    """``"main"."orders"`` (as the ledger stores it) or ``main.orders`` -> Relation."""
    try:
        table = sqlglot.parse_one(text, into=exp.Table)
    except ParseError:
        raise FormatError(f"{text!r} is not a table name") from None
    if not table.name or not table.db:
        raise FormatError(f"{text!r} is not a schema.table name")
    return Relation(schema=table.db, identifier=table.name, type="table")


class TableReader:
    """The project's Delta and Iceberg formats, built like the workspace builds them."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._formats: dict[str, TableFormat] | None = None

    def formats(self) -> dict[str, TableFormat]:
        if self._formats is None:
            from weir.formats.delta import DeltaFormat
            from weir.formats.iceberg import IcebergFormat
            from weir.formats.registry import S3_SCHEMES
            from weir.formats.storage import S3Storage

            target = self.project.target
            warehouse = target.warehouse or str(self.project.root / "lakehouse")
            if "://" not in warehouse and not Path(warehouse).is_absolute():
                warehouse = str(self.project.root / warehouse)
            storage = S3Storage.from_env(target.storage) if warehouse.startswith(S3_SCHEMES) else None
            self._formats = {
                "delta": DeltaFormat(warehouse, storage.delta_options() if storage else None),
                "iceberg": IcebergFormat(warehouse, catalog_name=target.name,
                                         catalog_file=self.project.state_dir / "iceberg_catalog.db",
                                         settings=target.iceberg_catalog, storage=storage),
            }
        return self._formats

    def history(self, relation: str, format_name: str | None, limit: int | None = 50) -> list[dict[str, Any]]:
        """The table's commits, newest first, as rows for people (see :func:`commit_row`)."""
        fmt = self.formats().get(format_name or str(self.project.target.table_format))
        if fmt is None:
            return []  # a DuckDB-native table keeps no history
        return [commit_row(e) for e in fmt.history(parse_relation(relation), limit)]


def commit_row(entry: dict[str, Any]) -> dict[str, Any]:
    """One history entry of Delta or Iceberg as version, time, operation, rows, run id, node,
    who wrote it, and the rest of its metadata."""
    metrics = entry.get("operationMetrics") or {}
    ts = entry.get("timestamp")
    rows = (metrics.get("num_added_rows") or metrics.get("num_target_rows_inserted")
            or entry.get("added-records"))
    writer = next((str(entry[k]) for k in WRITER_KEYS if entry.get(k)), "")
    shown = {"version", "timestamp", "operation", "operationMetrics", "weir.run_id", "weir.node", *WRITER_KEYS}
    extra = {k: v for k, v in entry.items() if k not in shown and not str(k).startswith("weir.app.")
             and v not in (None, "", {}, [])}
    return {
        "version": entry.get("version"),
        "timestamp": dt.datetime.fromtimestamp(ts / 1000, dt.UTC).isoformat(timespec="seconds") if ts else None,
        "operation": entry.get("operation", ""),
        "rows": int(rows) if rows is not None else None,
        "run_id": entry.get("weir.run_id"),
        "node": entry.get("weir.node"),
        "written_by": writer,
        "metrics": {k: v for k, v in metrics.items() if v is not None},
        "metadata": {k: (v if isinstance(v, int | float | str | bool) else str(v)) for k, v in extra.items()},
    }
