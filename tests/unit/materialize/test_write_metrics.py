"""Write metrics of real Delta commits: rows from the commit, bytes summed from the files the
commit added (checked against the Parquet files on disk)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from weir.formats.delta import DeltaFormat
from weir.materialize.write_metrics import write_metrics
from weir.sql.relation import Relation


def _reader(ids: list[int]) -> pa.RecordBatchReader:
    t = pa.table({"id": ids, "v": [f"row {i}" for i in ids]})
    return pa.RecordBatchReader.from_batches(t.schema, t.to_batches())


def test_overwrite_append_and_merge(tmp_path: Path) -> None:
    fmt = DeltaFormat(str(tmp_path))
    rel = Relation(schema="main", identifier="t", type="table")
    first = fmt.write(rel, _reader(list(range(100))), mode="overwrite", metadata={})
    m = write_metrics(fmt, rel, first)
    files = list((tmp_path / "main" / "t").glob("*.parquet"))
    assert (m.rows_in, m.rows_written, m.files_added) == (100, 100, len(files))
    assert m.bytes_written == sum(f.stat().st_size for f in files) > 0

    before = set(files)
    second = fmt.write(rel, _reader([100, 101]), mode="append", metadata={})
    m = write_metrics(fmt, rel, second)
    added = [f for f in (tmp_path / "main" / "t").glob("*.parquet") if f not in before]
    assert (m.rows_in, m.rows_written, m.files_added) == (2, 2, 1)
    assert m.bytes_written == sum(f.stat().st_size for f in added)

    merged = fmt.merge(rel, _reader([1, 2, 500]), keys=["id"], metadata={})
    m = write_metrics(fmt, rel, merged)
    assert m.rows_in == 3  # source rows
    assert m.rows_written == 3  # 1 inserted + 2 updated
    assert m.rows_deleted == 0 and m.bytes_written and m.bytes_written > 0

    replaced = fmt.merge(rel, _reader([1, 1, 2]), keys=["id"], metadata={}, delete_matched=True)
    m = write_metrics(fmt, rel, replaced)
    assert m.rows_in == 3  # the new rows, not the key markers delete+insert adds to its source


def test_a_commit_the_format_cannot_describe_keeps_its_row_count(tmp_path: Path) -> None:
    from weir.formats.base import Commit

    fmt = DeltaFormat(str(tmp_path))
    rel = Relation(schema="main", identifier="missing", type="table")
    m = write_metrics(fmt, rel, Commit(version=3, rows_written=7))  # no such log entry
    assert (m.rows_in, m.rows_written, m.bytes_written) == (7, 7, None)
