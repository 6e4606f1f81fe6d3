"""What one table commit did, for the run ledger's metrics: rows in (the write's source rows),
rows written and deleted, bytes and data files added.

Row counts come from the commit's own metrics (Delta ``operationMetrics``, Iceberg snapshot
summaries); Delta does not report bytes, so they are summed from the ``add`` actions of the
commit's log entry. A metric the format cannot tell is None, never a guess.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from weir.formats.base import Commit, TableFormat
from weir.sql.relation import Relation

log = logging.getLogger("weir.metrics")


@dataclass(frozen=True)
class WriteMetrics:
    rows_in: int | None = None
    rows_written: int | None = None
    rows_deleted: int | None = None
    bytes_written: int | None = None
    files_added: int | None = None

    def as_tuple(self) -> tuple[int | None, ...]:
        return (self.rows_in, self.rows_written, self.rows_deleted, self.bytes_written, self.files_added)


def _int(metrics: dict[str, Any], *keys: str) -> int | None:
    values = [metrics[k] for k in keys if metrics.get(k) is not None]
    return sum(int(v) for v in values) if values else None


def write_metrics(fmt: TableFormat, relation: Relation, commit: Commit) -> WriteMetrics:
    """The metrics of ``commit`` (just made by ``fmt`` on ``relation``); never raises for a
    metric it cannot read (the write itself succeeded)."""
    try:
        if fmt.name == "delta" and commit.version is not None:
            return _delta(fmt, relation, commit)
        if fmt.name == "iceberg":
            return _iceberg(fmt, relation, commit)
    except Exception as exc:  # metrics are best effort: log, never fail the write that happened
        log.warning("write metrics of %s version %s unavailable: %s", relation, commit.version, exc)
    rows = commit.rows_written
    return WriteMetrics(rows_in=rows, rows_written=rows)


def _delta(fmt: Any, relation: Relation, commit: Commit) -> WriteMetrics:
    import pyarrow.fs as pafs
    from deltalake.fs import DeltaStorageHandler

    fs = pafs.PyFileSystem(DeltaStorageHandler(fmt.location(relation), fmt.storage_options))
    with fs.open_input_stream(f"_delta_log/{commit.version:020d}.json") as f:
        actions = [json.loads(line) for line in f.read().decode("utf-8").splitlines() if line.strip()]
    adds = [a["add"] for a in actions if "add" in a and a["add"].get("dataChange", True)]
    info: dict[str, Any] = next((a["commitInfo"] for a in actions if "commitInfo" in a), {})
    m = info.get("operationMetrics") or commit.metrics or {}
    params = info.get("operationParameters") or {}
    predicate = str(params.get("mergePredicate") or params.get("predicate") or "")
    if "num_source_rows" in m:  # a merge
        written = _int(m, "num_target_rows_inserted", "num_target_rows_updated")
        # delete+insert's source also carries one marker row per key: count the new rows only
        rows_in = _int(m, "num_target_rows_inserted") if "__weir_op" in predicate else _int(m, "num_source_rows")
        deleted = _int(m, "num_target_rows_deleted")
    else:
        written = _int(m, "num_added_rows")
        if written is None and adds:
            written = sum(int(json.loads(a["stats"]).get("numRecords", 0)) for a in adds if a.get("stats"))
        if written is None:
            written = commit.rows_written
        rows_in, deleted = written, _int(m, "num_deleted_rows", "num_removed_rows")
    return WriteMetrics(rows_in=rows_in, rows_written=written, rows_deleted=deleted,
                        bytes_written=sum(int(a.get("size") or 0) for a in adds), files_added=len(adds))


def _iceberg(fmt: Any, relation: Relation, commit: Commit) -> WriteMetrics:
    snap = fmt.table(relation).current_snapshot()
    props = snap.summary.additional_properties if snap is not None and snap.summary else {}
    rows = commit.rows_written
    return WriteMetrics(rows_in=rows, rows_written=rows, rows_deleted=_int(props, "deleted-records"),
                        bytes_written=_int(props, "added-files-size"), files_added=_int(props, "added-data-files"))


__all__ = ["WriteMetrics", "write_metrics"]
