"""Application state (stream offsets, ingestion cursors) rides in the table commit."""

from __future__ import annotations

import pyarrow as pa
import pytest

from weir.errors import FormatError
from weir.formats.base import AppCommit
from weir.formats.delta import DeltaFormat
from weir.sql.relation import Relation


def _rows(*values: int) -> pa.RecordBatchReader:
    return pa.table({"id": list(values), "v": [f"v{x}" for x in values]}).to_reader()


def test_state_written_with_the_data_and_read_back(tmp_path):
    fmt, rel = DeltaFormat(str(tmp_path)), Relation("db", "raw", "events")
    assert fmt.app_state(rel, "stream-a") is None
    fmt.write(rel, _rows(1, 2), mode="append", metadata={"run_id": "r1"},
              app=AppCommit("stream-a", 1, {"events/0": 2}))
    fmt.write(rel, _rows(3), mode="append", metadata={"run_id": "r2"})  # another writer, no state
    fmt.merge(rel, _rows(3, 4), keys=["id"], metadata={}, app=AppCommit("stream-a", 2, {"events/0": 4}))
    fmt.merge(rel, _rows(5), keys=["id"], metadata={}, delete_matched=True,
              app=AppCommit("loader-b", 7, {"cursor": "2024-01-02"}))
    assert fmt.app_state(rel, "stream-a") == AppCommit("stream-a", 2, {"events/0": 4})
    assert fmt.app_state(rel, "loader-b") == AppCommit("loader-b", 7, {"cursor": "2024-01-02"})
    assert fmt.app_state(rel, "unknown") is None
    assert [h["version"] for h in fmt.history(rel)] == [3, 2, 1, 0]


def test_state_found_behind_many_later_commits(tmp_path):
    fmt, rel = DeltaFormat(str(tmp_path)), Relation("db", "raw", "events")
    fmt.write(rel, _rows(0), mode="append", metadata={}, app=AppCommit("s", 1, {"p0": 0}))
    for i in range(1, 20):
        fmt.write(rel, _rows(i), mode="append", metadata={})
    assert fmt.app_state(rel, "s") == AppCommit("s", 1, {"p0": 0})


def test_duckdb_tables_cannot_carry_state():
    from weir.engines.duckdb import DuckDBEngine
    from weir.formats.duckdb_native import DuckDBNativeFormat

    fmt = DuckDBNativeFormat(DuckDBEngine(None))  # type: ignore[arg-type]
    with pytest.raises(FormatError, match="cannot carry application state"):
        fmt.write(Relation("db", "main", "t"), _rows(1), mode="append", metadata={}, app=AppCommit("s", 1))
