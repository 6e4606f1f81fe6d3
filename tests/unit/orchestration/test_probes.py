"""Probes on local files and globs, and on Delta and Iceberg tables read through their own logs."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pyarrow as pa
import pytest

from weir.errors import FormatError, WeirError
from weir.formats.delta import DeltaFormat
from weir.orchestration.probes import (
    glob_match,
    last_commit_time,
    partition_exists,
    path_exists,
    table_committed_since,
)
from weir.sql.relation import Relation

UTC = dt.UTC


def test_local_paths_folders_and_globs(tmp_path: Path) -> None:
    (tmp_path / "landing" / "2024-01-05").mkdir(parents=True)
    (tmp_path / "landing" / "2024-01-05" / "orders_001.csv").write_text("id\n1\n")
    assert path_exists(str(tmp_path / "landing" / "2024-01-05" / "orders_001.csv"))
    assert path_exists(str(tmp_path / "landing" / "2024-01-05"))
    assert path_exists(f"file://{tmp_path}/landing/2024-01-05/orders_001.csv")
    assert path_exists(str(tmp_path / "landing" / "2024-01-05" / "orders_*.csv"))
    assert path_exists(str(tmp_path / "landing" / "**" / "*.csv"))
    assert not path_exists(str(tmp_path / "landing" / "2024-01-06" / "orders_*.csv"))
    assert not path_exists(str(tmp_path / "landing" / "2024-01-05" / "orders_001.parquet"))
    assert not path_exists(str(tmp_path / "landing" / "2024-01-05" / "*.parquet"))


def test_glob_match_is_per_segment_and_double_star_spans_segments() -> None:
    assert glob_match("bucket/in/2024/a.csv", "bucket/in/*/a.csv")
    assert not glob_match("bucket/in/2024/01/a.csv", "bucket/in/*/a.csv")
    assert glob_match("bucket/in/2024/01/a.csv", "bucket/in/**/a.csv")
    assert glob_match("bucket/in/a.csv", "bucket/in/**/a.csv")
    assert glob_match("bucket/in/part-0001.csv", "bucket/in/part-000[0-9].csv")


def _delta(tmp_path: Path) -> tuple[DeltaFormat, Relation, str]:
    fmt = DeltaFormat(str(tmp_path / "warehouse"))
    rel = Relation(schema="main", identifier="orders")
    return fmt, rel, fmt.location(rel)


def _rows(days: list[str], region: str = "eu") -> pa.RecordBatchReader:
    table = pa.table({"order_id": list(range(len(days))), "day": days, "region": [region] * len(days)})
    return pa.RecordBatchReader.from_batches(table.schema, table.to_batches())


def test_delta_commit_time_comes_from_the_newest_commit(tmp_path: Path) -> None:
    fmt, rel, uri = _delta(tmp_path)
    assert last_commit_time("delta", uri) is None
    assert not table_committed_since("delta", uri, dt.datetime(2000, 1, 1, tzinfo=UTC))
    fmt.write(rel, _rows(["2024-01-01"]), mode="overwrite", metadata={})
    first = last_commit_time("delta", uri)
    assert first is not None and abs((dt.datetime.now(UTC) - first).total_seconds()) < 60
    time.sleep(0.05)
    fmt.write(rel, _rows(["2024-01-02"]), mode="append", metadata={})
    second = last_commit_time("delta", uri)
    assert second is not None and second > first
    assert table_committed_since("delta", uri, second)
    assert table_committed_since("delta", uri, (second - dt.timedelta(seconds=1)).replace(tzinfo=None))
    assert not table_committed_since("delta", uri, second + dt.timedelta(milliseconds=1))


def test_delta_partitions_are_the_live_files_of_the_log(tmp_path: Path) -> None:
    fmt, rel, uri = _delta(tmp_path)
    assert not partition_exists("delta", uri, {"day": "2024-01-01"})
    fmt.write(rel, _rows(["2024-01-01", "2024-01-02"]), mode="overwrite", metadata={}, partition_by=["day", "region"])
    assert partition_exists("delta", uri, {"day": "2024-01-01"})
    assert partition_exists("delta", uri, {"day": dt.date(2024, 1, 2), "region": "eu"})
    assert not partition_exists("delta", uri, {"day": "2024-01-02", "region": "us"})
    assert not partition_exists("delta", uri, {"day": "2024-01-03"})
    # an overwrite removes the old files: their partitions are gone although the files stay on disk
    fmt.write(rel, _rows(["2024-01-03"]), mode="overwrite", metadata={}, partition_by=["day", "region"])
    assert (Path(uri) / "day=2024-01-01").is_dir()
    assert not partition_exists("delta", uri, {"day": "2024-01-01"})
    assert partition_exists("delta", uri, {"day": "2024-01-03"})


def test_unknown_partition_column_names_the_real_ones(tmp_path: Path) -> None:
    fmt, rel, uri = _delta(tmp_path)
    fmt.write(rel, _rows(["2024-01-01"]), mode="overwrite", metadata={}, partition_by=["day"])
    with pytest.raises(WeirError, match="not partitioned by dt") as info:
        partition_exists("delta", uri, {"dt": "2024-01-01"})
    assert "its partition columns are: day" in str(info.value)


def test_iceberg_snapshot_time_and_identity_partitions(tmp_path: Path) -> None:
    from pyiceberg.catalog.sql import SqlCatalog

    catalog = SqlCatalog("c", uri=f"sqlite:///{tmp_path}/catalog.db", warehouse=f"file://{tmp_path}/wh")
    catalog.create_namespace("sales")
    table = catalog.create_table("sales.orders", schema=pa.schema([("order_id", pa.int64()), ("day", pa.string())]))
    with table.update_spec() as spec:
        spec.add_identity("day")
    uri = table.location()
    assert last_commit_time("iceberg", uri) is None
    assert not partition_exists("iceberg", uri, {"day": "2024-01-01"})
    before = dt.datetime.now(UTC) - dt.timedelta(seconds=1)
    table.append(pa.table({"order_id": pa.array([1], pa.int64()), "day": ["2024-01-01"]}))
    assert table_committed_since("iceberg", uri, before)
    assert partition_exists("iceberg", uri, {"day": "2024-01-01"})
    assert not partition_exists("iceberg", uri, {"day": "2024-01-02"})


def test_formats_without_a_commit_log_are_refused(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="cannot read commits of a 'duckdb' table"):
        table_committed_since("duckdb", str(tmp_path), dt.datetime.now(UTC))


def test_plain_files_commit_time_is_the_newest_file_and_partitions_are_hive_folders(tmp_path: Path) -> None:
    import os

    base = tmp_path / "external" / "orders"
    assert last_commit_time("files", str(base / "*.parquet")) is None
    (base / "day=2024-01-05").mkdir(parents=True)
    old, new = base / "day=2024-01-05" / "part-0.parquet", base / "day=2024-01-05" / "part-1.parquet"
    old.write_bytes(b"x")
    new.write_bytes(b"y")
    os.utime(old, (1_700_000_000, 1_700_000_000))
    os.utime(new, (1_700_000_100, 1_700_000_100))
    newest = dt.datetime.fromtimestamp(1_700_000_100, UTC)
    assert last_commit_time("files", str(base)) == newest
    assert last_commit_time("parquet", str(base / "**" / "*.parquet")) == newest
    assert last_commit_time("files", str(old)) == dt.datetime.fromtimestamp(1_700_000_000, UTC)
    assert partition_exists("files", str(base), {"day": "2024-01-05"})
    assert not partition_exists("files", str(base), {"day": "2024-01-06"})
