"""Delta table maintenance through the format contract: optimize, vacuum, restore."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from weir.errors import FormatError
from weir.formats.delta import DeltaFormat
from weir.formats.duckdb_native import DuckDBNativeFormat
from weir.sql.relation import Relation

REL = Relation("main", "items")


def batch(*ids: int) -> pa.RecordBatchReader:
    return pa.table({"id": list(ids)}).to_reader()


def read(fmt: DeltaFormat) -> list[int]:
    return sorted(r[0] for r in duckdb.sql(fmt.scan_sql(REL)).fetchall())


def test_optimize_vacuum_restore(tmp_path: Path) -> None:
    fmt = DeltaFormat(str(tmp_path))
    for i in range(3):
        fmt.write(REL, batch(i), mode="append", metadata={})
    metrics = fmt.optimize(REL, metadata={"weir.command": "table optimize"})
    assert metrics["numFilesRemoved"] == 3 and metrics["numFilesAdded"] == 1
    assert fmt.scan_sql(REL).count(".parquet") == 1 and read(fmt) == [0, 1, 2]
    assert fmt.history(REL, 1)[0]["weir.command"] == "table optimize"

    commit = fmt.restore(REL, 0)
    assert commit.version == 4 and read(fmt) == [0]
    with pytest.raises(FormatError, match="has no version 9"):
        fmt.restore(REL, 9)

    planned = fmt.vacuum(REL, retain_hours=0, dry_run=True)
    assert len(planned) == 3  # the compacted file and the two later appends; version 0's file is live
    assert sorted(fmt.vacuum(REL, retain_hours=0)) == sorted(planned)
    assert read(fmt) == [0]
    assert not any((tmp_path / "main" / "items" / f).exists() for f in planned)


def test_formats_without_maintenance_say_so() -> None:
    from weir.engines.duckdb import DuckDBEngine

    fmt = DuckDBNativeFormat(DuckDBEngine(None))
    with pytest.raises(FormatError, match="the duckdb table format does not support vacuum"):
        fmt.vacuum(REL)
