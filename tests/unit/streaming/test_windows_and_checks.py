"""Window aggregation combined across batches and row checks on a batch (no broker)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from weir.formats.delta import DeltaFormat
from weir.project.streams import WindowSpec
from weir.sql.relation import Relation
from weir.streaming.checks import check_batch, load_checks
from weir.streaming.errors import StreamError
from weir.streaming.sink import TableSink, app_positions
from weir.streaming.windows import WindowWriter, parse_aggregates


def _events(rows: list[tuple[str, str, float]], first_offset: int) -> pa.Table:
    return pa.table({"user": [r[0] for r in rows], "at": [r[1] for r in rows], "amount": [r[2] for r in rows],
                     "_kafka_topic": ["t"] * len(rows), "_kafka_partition": pa.array([0] * len(rows), pa.int32()),
                     "_kafka_offset": pa.array(range(first_offset, first_offset + len(rows)), pa.int64())})


def test_tumbling_windows_add_up_across_batches_and_late_events_go_aside(tmp_path: Path) -> None:
    fmt = DeltaFormat(str(tmp_path))
    spec = WindowSpec.model_validate({"time_column": "at", "size": "1m", "watermark": "0s", "group_by": ["user"],
                                      "aggregates": {"n": "count(*)", "total": "sum(amount)", "lo": "min(amount)"}})
    main = TableSink(fmt, Relation(schema="main", identifier="w"), "app")
    writer = WindowWriter(spec, fmt, Relation(schema="main", identifier="w__late"), "app")
    con = duckdb.connect()
    writer.write(con, main, _events([("a", "2024-01-01 10:00:05", 2.0), ("a", "2024-01-01 10:00:30", 1.0)], 0),
                 0, {"t/0": 2}, {})
    late, _ = writer.write(con, main, _events([("a", "2024-01-01 10:00:50", 5.0), ("a", "2024-01-01 10:01:10", 3.0)],
                                              2), 1, {"t/0": 4}, {})
    assert late == 0
    late, _ = writer.write(con, main, _events([("a", "2024-01-01 10:00:59", 9.0)], 4), 2, {"t/0": 5}, {})
    assert late == 1
    rows = duckdb.sql(f"select strftime(window_start, '%H:%M'), user, n, total, lo from "
                      f"({fmt.scan_sql(main.relation)}) order by 1").fetchall()
    assert rows == [("10:00", "a", 3, 8.0, 1.0), ("10:01", "a", 1, 3.0, 3.0)]
    assert app_positions(fmt, main.relation, "app")[2]["watermark"] == "2024-01-01T10:01:10"


def test_only_combinable_aggregates_are_allowed() -> None:
    assert parse_aggregates({"n": "count(*)", "m": "max(x)"}) == {"n": ("count", "COUNT(*)"), "m": ("max", "MAX(x)")}
    with pytest.raises(StreamError, match="cannot be combined across batches"):
        parse_aggregates({"a": "avg(x)"})
    with pytest.raises(StreamError, match="cannot be combined across batches"):
        parse_aggregates({"d": "count(distinct x)"})


def test_checks_split_rows_and_name_every_failed_expectation() -> None:
    exps = load_checks([{"expect_column_values_to_not_be_null": {"column": "id"}},
                        {"expect_column_values_to_be_in_set": {"column": "s", "value_set": ["a"]}},
                        {"expect_column_values_to_be_between": {"column": "id", "max_value": 5, "severity": "warn"}}],
                       "s", "streams/s.yml")
    t = pa.table({"id": [1, None, 9], "s": ["a", "b", "a"]})
    out = check_batch(duckdb.connect(), t, exps)
    assert sorted(out.good.column("id").to_pylist()) == [1, 9]
    assert out.bad.column("__weir_errors").to_pylist() == ["not_be_null(id); be_in_set(s)"]
    assert out.warned == 1


def test_table_level_expectations_are_refused_on_streams() -> None:
    with pytest.raises(StreamError, match="checks a whole table, not rows of a batch"):
        load_checks([{"expect_table_row_count_to_be_between": {"min_value": 1}}], "s", "streams/s.yml")


def test_positions_come_from_the_newest_commit_naming_each_partition(tmp_path: Path) -> None:
    fmt = DeltaFormat(str(tmp_path))
    sink = TableSink(fmt, Relation(schema="main", identifier="x"), "app")
    rows = pa.table({"a": [1]})
    sink.append(rows, 0, {"t/0": 10, "t/1": 5}, {})
    sink.append(rows, 1, {"t/1": 8}, {})  # another process, owning only t/1
    sink.append(rows, 2, {"t/2": 3}, {})
    version, positions, _ = app_positions(fmt, sink.relation, "app", ["t/0", "t/1", "t/2"])
    assert version == 2 and positions == {"t/0": 10, "t/1": 8, "t/2": 3}
