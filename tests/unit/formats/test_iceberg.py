"""Iceberg tables on a local warehouse: what a reader of the table sees after each write,
merge, restore and maintenance step, read the way the engine reads it (the scan SQL)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from weir.errors import FormatError
from weir.formats.base import AppCommit
from weir.formats.iceberg import IcebergFormat
from weir.sql.relation import Relation

REL = Relation("main", "items")


@pytest.fixture
def fmt(tmp_path: Path) -> IcebergFormat:
    return IcebergFormat(str(tmp_path / "lake"), catalog_file=tmp_path / "catalog.db")


def batch(*ids: int, tag: str = "v", **extra: list[object]) -> pa.RecordBatchReader:
    return pa.table({"id": list(ids), "val": [f"{tag}{i}" for i in ids], **extra}).to_reader()


def read(fmt: IcebergFormat, rel: Relation = REL) -> list[tuple[object, ...]]:
    return sorted(duckdb.sql(fmt.scan_sql(rel)).fetchall(), key=repr)


def test_missing_table(fmt: IcebergFormat) -> None:
    assert not fmt.exists(REL)
    assert fmt.version(REL) is None
    assert fmt.history(REL) == []
    assert fmt.app_state(REL, "s") is None
    with pytest.raises(FormatError, match="does not exist"):
        fmt.scan_sql(REL)
    with pytest.raises(FormatError, match="does not exist"):
        fmt.merge(REL, batch(1), keys=["id"], metadata={})


def test_overwrite_append_and_versions(fmt: IcebergFormat) -> None:
    c1 = fmt.write(REL, batch(1, 2), mode="overwrite", metadata={"weir.run_id": "r1"}, schema_mode="overwrite")
    assert c1.rows_written == 2 and fmt.exists(REL)
    assert read(fmt) == [(1, "v1"), (2, "v2")]
    c2 = fmt.write(REL, batch(3), mode="append", metadata={"weir.run_id": "r2"})
    assert c2.version is not None and c1.version is not None and c2.version > c1.version
    assert fmt.version(REL) == c2.version
    assert read(fmt) == [(1, "v1"), (2, "v2"), (3, "v3")]
    c3 = fmt.write(REL, batch(9), mode="overwrite", metadata={"weir.run_id": "r3"}, schema_mode="overwrite")
    assert c3.version is not None and c3.version > c2.version
    assert read(fmt) == [(9, "v9")]
    # the commit's own scan SQL is the current version's
    assert sorted(duckdb.sql(c3.scan).fetchall()) == [(9, "v9")]


def test_predicate_overwrite_replaces_only_matching_rows(fmt: IcebergFormat) -> None:
    fmt.write(REL, batch(1, 2, 3, 4), mode="overwrite", metadata={})
    fmt.write(REL, batch(2, 3, tag="new"), mode="overwrite", predicate='"id" = 2 or ("id" >= 3 and "id" < 4)',
              metadata={})
    assert read(fmt) == [(1, "v1"), (2, "new2"), (3, "new3"), (4, "v4")]


def test_untranslatable_predicate_is_refused_clearly(fmt: IcebergFormat) -> None:
    fmt.write(REL, batch(1), mode="overwrite", metadata={})
    with pytest.raises(FormatError, match=r"uses \"UPPER\(val\) = 'X'\", which weir cannot translate"):
        fmt.write(REL, batch(1), mode="overwrite", predicate="upper(val) = 'X'", metadata={})
    assert read(fmt) == [(1, "v1")]  # nothing committed


def test_merge_upserts_on_keys(fmt: IcebergFormat) -> None:
    fmt.write(REL, batch(1, 2, 3), mode="overwrite", metadata={})
    commit = fmt.merge(REL, batch(2, 4, tag="m"), keys=["id"], metadata={"weir.run_id": "m1"})
    assert read(fmt) == [(1, "v1"), (2, "m2"), (3, "v3"), (4, "m4")]
    assert commit.version == fmt.version(REL)
    assert commit.rows_written == 2


def test_merge_on_composite_keys_and_delete_matched(fmt: IcebergFormat) -> None:
    rows = pa.table({"k1": [1, 1, 2], "k2": ["a", "b", "a"], "n": [10, 20, 30]})
    fmt.write(REL, rows.to_reader(), mode="overwrite", metadata={})
    fmt.merge(REL, pa.table({"k1": [1, 3], "k2": ["b", "c"], "n": [21, 40]}).to_reader(), keys=["k1", "k2"],
              metadata={})
    assert read(fmt) == [(1, "a", 10), (1, "b", 21), (2, "a", 30), (3, "c", 40)]
    # delete+insert: every row of key k1=1 goes, the batch's rows come in
    fmt.merge(REL, pa.table({"k1": [1], "k2": ["z"], "n": [99]}).to_reader(), keys=["k1"], metadata={},
              delete_matched=True)
    assert read(fmt) == [(1, "z", 99), (2, "a", 30), (3, "c", 40)]


def test_merge_update_columns_keeps_other_columns(fmt: IcebergFormat) -> None:
    fmt.write(REL, pa.table({"id": [1, 2], "a": ["a1", "a2"], "b": ["b1", "b2"]}).to_reader(), mode="overwrite",
              metadata={})
    new = pa.table({"id": [2, 3], "a": ["A2", "A3"], "b": ["B2", "B3"]})
    fmt.merge(REL, new.to_reader(), keys=["id"], metadata={}, update_columns=["a"])
    assert read(fmt) == [(1, "a1", "b1"), (2, "A2", "b2"), (3, "A3", "B3")]
    fmt.merge(REL, pa.table({"id": [1, 4], "a": ["x", "x"], "b": ["y", "y"]}).to_reader(), keys=["id"],
              metadata={}, update_columns=[])  # insert new keys only
    assert read(fmt) == [(1, "a1", "b1"), (2, "A2", "b2"), (3, "A3", "B3"), (4, "x", "y")]


def test_app_state_rides_in_the_commit(fmt: IcebergFormat) -> None:
    fmt.write(REL, batch(1), mode="append", metadata={}, app=AppCommit("stream", 1, {"p0": 1}))
    fmt.write(REL, batch(2), mode="append", metadata={})  # another writer, no state
    fmt.merge(REL, batch(2, 3), keys=["id"], metadata={}, app=AppCommit("stream", 2, {"p0": 3}))
    empty = pa.table({"id": pa.array([], pa.int64()), "val": pa.array([], pa.string())}).to_reader()
    fmt.merge(REL, empty, keys=["id"], metadata={}, app=AppCommit("loader", 5, {"cursor": "x"}))  # no rows
    assert fmt.app_state(REL, "stream") == AppCommit("stream", 2, {"p0": 3})
    assert fmt.app_state(REL, "loader") == AppCommit("loader", 5, {"cursor": "x"})
    assert read(fmt) == [(1, "v1"), (2, "v2"), (3, "v3")]
    assert fmt.app_state(REL, "other") is None
    assert fmt.supports_app_commits


def test_history_newest_first_with_weir_metadata(fmt: IcebergFormat) -> None:
    fmt.write(REL, batch(1), mode="overwrite", metadata={"weir.run_id": "r1", "weir.node": "model.p.items"})
    fmt.write(REL, batch(2), mode="append", metadata={"weir.run_id": "r2"})
    history = fmt.history(REL)
    assert [h["weir.run_id"] for h in history] == ["r2", "r1"]
    assert history[0]["version"] > history[1]["version"]
    assert history[0]["operation"] == "append" and history[1]["weir.node"] == "model.p.items"
    assert isinstance(history[0]["timestamp"], int)
    assert len(fmt.history(REL, limit=1)) == 1


def test_schema_evolution_on_append_and_merge(fmt: IcebergFormat) -> None:
    fmt.write(REL, batch(1), mode="overwrite", metadata={})
    fmt.write(REL, batch(2, extra=[True]), mode="append", metadata={}, schema_mode="merge")
    assert fmt.schema(REL).names == ["id", "val", "extra"]
    assert read(fmt) == [(1, "v1", None), (2, "v2", True)]
    fmt.merge(REL, pa.table({"id": [1], "val": ["m"], "extra": [False], "more": [1.5]}).to_reader(), keys=["id"],
              metadata={}, merge_schema=True)
    assert read(fmt) == [(1, "m", False, 1.5), (2, "v2", True, None)]


def test_full_overwrite_replaces_the_schema(fmt: IcebergFormat) -> None:
    fmt.write(REL, pa.table({"id": [1], "old": ["x"], "n": [1]}).to_reader(), mode="overwrite", metadata={},
              schema_mode="overwrite")
    fmt.write(REL, pa.table({"n": ["now text"], "id": [2]}).to_reader(), mode="overwrite", metadata={},
              schema_mode="overwrite")
    assert fmt.schema(REL).names == ["n", "id"]
    assert read(fmt) == [("now text", 2)]


def test_types_round_trip(fmt: IcebergFormat) -> None:
    import datetime as dt
    import decimal

    data = pa.table({
        "d": pa.array([dt.date(2024, 1, 2)]),
        "ts": pa.array([dt.datetime(2024, 1, 2, 3, 4, 5)], pa.timestamp("ns")),
        "tz": pa.array([dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)], pa.timestamp("us", tz="Europe/Paris")),
        "dec": pa.array([decimal.Decimal("12.34")], pa.decimal128(10, 2)),
        "small": pa.array([7], pa.int16()),
        "tags": pa.array([["a", "b"]]),
    })
    fmt.write(REL, data.to_reader(), mode="overwrite", metadata={})
    row = duckdb.sql(f"select d, ts, tz = timestamptz '2024-01-02 03:04:05+00', dec, small, tags "
                     f"from ({fmt.scan_sql(REL)})").fetchall()[0]
    assert row == (dt.date(2024, 1, 2), dt.datetime(2024, 1, 2, 3, 4, 5), True, decimal.Decimal("12.34"), 7,
                   ["a", "b"])


def test_restore_brings_back_an_old_version_as_a_new_commit(fmt: IcebergFormat) -> None:
    v1 = fmt.write(REL, batch(1, 2), mode="overwrite", metadata={}).version
    fmt.merge(REL, batch(2, 3, tag="m"), keys=["id"], metadata={})
    before = fmt.version(REL)
    assert v1 is not None and before is not None
    commit = fmt.restore(REL, v1, metadata={"weir.command": "table restore"})
    assert commit.version is not None and commit.version > before
    assert read(fmt) == [(1, "v1"), (2, "v2")]
    assert fmt.history(REL, limit=1)[0]["weir.restored_version"] == str(v1)
    with pytest.raises(FormatError, match="has no version 999"):
        fmt.restore(REL, 999)


def test_optimize_compacts_files_and_keeps_rows(fmt: IcebergFormat) -> None:
    for i in range(4):
        fmt.write(REL, batch(i), mode="append", metadata={})
    assert fmt.scan_sql(REL).count(".parquet") == 4
    metrics = fmt.optimize(REL, metadata={"weir.command": "table optimize"})
    assert metrics["numFilesRemoved"] == 4 and metrics["numFilesAdded"] == 1
    assert fmt.scan_sql(REL).count(".parquet") == 1
    assert read(fmt) == [(0, "v0"), (1, "v1"), (2, "v2"), (3, "v3")]


def test_vacuum_deletes_only_files_of_expired_versions(fmt: IcebergFormat, tmp_path: Path) -> None:
    fmt.write(REL, batch(1), mode="overwrite", metadata={})
    fmt.write(REL, batch(2), mode="overwrite", metadata={})
    assert fmt.vacuum(REL, retain_hours=24) == []  # everything is younger than a day
    planned = fmt.vacuum(REL, retain_hours=0, dry_run=True)
    old_data = [f for f in planned if f.endswith(".parquet")]
    assert len(old_data) == 1 and Path(old_data[0].removeprefix("file://")).exists()
    assert fmt.vacuum(REL, retain_hours=0) == planned
    assert not Path(old_data[0].removeprefix("file://")).exists()
    assert read(fmt) == [(2, "v2")]
    assert [h["version"] for h in fmt.history(REL)] == [fmt.version(REL)]


def test_partitioned_table_and_partition_overwrite(fmt: IcebergFormat) -> None:
    data = pa.table({"day": ["d1", "d1", "d2"], "n": [1, 2, 3]})
    fmt.write(REL, data.to_reader(), mode="overwrite", metadata={}, partition_by=["day"])
    fmt.write(REL, pa.table({"day": ["d2"], "n": [30]}).to_reader(), mode="overwrite", predicate="day = 'd2'",
              metadata={}, partition_by=["day"])
    assert read(fmt) == [("d1", 1), ("d1", 2), ("d2", 30)]


def test_drop_removes_the_table(fmt: IcebergFormat) -> None:
    fmt.write(REL, batch(1), mode="overwrite", metadata={})
    fmt.drop(REL)
    assert not fmt.exists(REL)
