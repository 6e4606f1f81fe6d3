"""Committing files another engine wrote, without Spark: Parquet files written by pyarrow
(no Iceberg field IDs, like Spark's) committed to Iceberg and Delta through the
format-neutral ``FileTable``; what a reader sees after each commit; the helpers that map
written files, cached copies and the engine's file names."""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from weir.engines.spark import WrittenFile, _written_file
from weir.errors import FormatError
from weir.formats.delta import DeltaFormat
from weir.formats.external import file_table, relative
from weir.formats.external_s3 import cache_path
from weir.formats.iceberg import IcebergFormat
from weir.materialize.file_writes import _norm
from weir.sql.relation import Relation

REL = Relation("main", "items")


def put(folder: str, rel: str, table: pa.Table) -> WrittenFile:
    """A Parquet file as an engine leaves it: in the table's data folder, no field IDs."""
    path = os.path.join(folder, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    pq.write_table(table, path)
    return WrittenFile(rel, os.path.getsize(path), int(time.time() * 1000), {}, table.num_rows)


def rows(fmt: object) -> list[tuple[object, ...]]:
    live = file_table(fmt, REL).live()
    assert live is not None
    return sorted(duckdb.sql(f"select * from read_parquet({live.uris!r})").fetchall()) if live.uris else []


@pytest.fixture
def iceberg(tmp_path: Path) -> IcebergFormat:
    return IcebergFormat(str(tmp_path / "lake"), catalog_file=tmp_path / "catalog.db")


def test_iceberg_append_then_copy_on_write_is_one_snapshot(iceberg: IcebergFormat) -> None:
    table = file_table(iceberg, REL)
    assert table.live() is None
    first = pa.table({"id": [1, 2], "val": ["a", "b"]})
    f1 = put(table.folder, "w1/a.parquet", first)
    commit = table.commit([f1], first.schema, mode="append", metadata={"weir.run_id": "r1"})
    assert commit.rows_written == 2
    assert rows(iceberg) == [(1, "a"), (2, "b")]
    # a copy-on-write rewrite: the file holding id 2 out, its rewrite (id 2 changed, id 3 new) in
    live = table.live()
    assert live is not None and len(live.paths) == 1
    second = pa.table({"id": [1, 2, 3], "val": ["a", "B", "c"]})
    f2 = put(table.folder, "w2/b.parquet", second)
    table.commit([f2], second.schema, mode="append", metadata={"weir.run_id": "r2"}, remove=live.paths)
    assert rows(iceberg) == [(1, "a"), (2, "B"), (3, "c")]
    snap = iceberg.table(REL).current_snapshot()
    assert snap.summary.operation.value == "overwrite"
    assert (snap.summary["deleted-data-files"], snap.summary["added-data-files"]) == ("1", "1")
    assert snap.summary["weir.run_id"] == "r2"
    # pyiceberg itself reads the ID-less files through the name mapping weir keeps
    assert sorted(iceberg.table(REL).scan().to_arrow().to_pylist(), key=lambda r: r["id"])[1] == {"id": 2, "val": "B"}


def test_iceberg_new_columns_need_schema_change_and_partitions_come_from_files(iceberg: IcebergFormat) -> None:
    table = file_table(iceberg, REL)
    day = pa.table({"day": pa.array([1, 1], pa.int32()), "id": [1, 2]})
    f1 = put(table.folder, "p/__weir_p_day=1/a.parquet", day)
    table.commit([f1], day.schema, mode="append", metadata={}, partition_by=["day"])
    assert [t.file.partition[0] for t in iceberg.table(REL).scan().plan_files()] == [1]
    wider = pa.table({"day": pa.array([2], pa.int32()), "id": [3], "note": ["x"]})
    f2 = put(table.folder, "q/__weir_p_day=2/b.parquet", wider)
    with pytest.raises(FormatError, match=r"new columns \['note'\] do not exist"):
        table.commit([f2], wider.schema, mode="append", metadata={})
    table.commit([f2], wider.schema, mode="append", metadata={}, schema_mode="merge")
    assert iceberg.schema(REL).names == ["day", "id", "note"]
    assert sorted(r["id"] for r in iceberg.table(REL).scan().to_arrow().to_pylist()) == [1, 2, 3]


def test_iceberg_overwrite_replaces_every_file(iceberg: IcebergFormat) -> None:
    table = file_table(iceberg, REL)
    old = pa.table({"id": [1, 2]})
    table.commit([put(table.folder, "a/x.parquet", old)], old.schema, mode="append", metadata={})
    new = pa.table({"id": [9], "name": ["n"]})
    table.commit([put(table.folder, "b/y.parquet", new)], new.schema, mode="overwrite", metadata={})
    assert rows(iceberg) == [(9, "n")]
    assert iceberg.schema(REL).names == ["id", "name"]


def test_delta_through_the_same_protocol(tmp_path: Path) -> None:
    fmt = DeltaFormat(str(tmp_path / "lake"))
    table = file_table(fmt, REL)
    data = pa.table({"id": [1, 2]})
    table.commit([put(table.folder, "x.parquet", data)], data.schema, mode="append", metadata={"weir.node": "n"})
    live = table.live()
    assert live is not None and live.paths == ["x.parquet"] and live.version == 0
    more = pa.table({"id": [3]})
    table.commit([put(table.folder, "y.parquet", more)], more.schema, mode="append", metadata={}, remove=live.paths)
    assert rows(fmt) == [(3,)]


def test_formats_that_take_no_files_are_refused() -> None:
    class Native:
        name = "duckdb"

    with pytest.raises(FormatError, match="cannot commit files written by Spark"):
        file_table(Native(), REL)


def test_written_file_partitions_skip_hidden_and_job_folders() -> None:
    f = _written_file("part-1/day=2024-01-01/__weir_p_x=7/k=__HIVE_DEFAULT_PARTITION__/f.parquet", 10, 0, 3)
    assert f.partition_values == {"day": "2024-01-01", "k": None}
    assert _written_file("ts=2024-01-01 00%3A00%3A00/f.parquet", 1, 0, 1).partition_values == {
        "ts": "2024-01-01 00:00:00"}


def test_paths_between_the_engine_the_cache_and_the_format(tmp_path: Path) -> None:
    assert cache_path(str(tmp_path), "s3://b/lake/t/day=1/f.parquet") == str(tmp_path / "b/lake/t/day=1/f.parquet")
    assert _norm("file:///tmp/a%20b/f.parquet") == _norm("file:/tmp/a%20b/f.parquet") == "/tmp/a b/f.parquet"
    assert _norm("s3a://b/k") == "s3://b/k"
    assert relative("s3://b/lake/t", "s3://b/lake/t/day=1/f.parquet") == "day=1/f.parquet"
