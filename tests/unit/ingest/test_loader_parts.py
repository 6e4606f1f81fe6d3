"""Loader pieces without a database: cursor state, tie-aligned batches, key predicates,
SQL type mapping, secrets never shown, and loads from an in-memory source."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from weir.errors import ConfigError
from weir.formats.delta import DeltaFormat
from weir.ingest.base import after_cursor, cursor_state, rebatch
from weir.ingest.loader import _tie_aligned, key_predicate, load
from weir.ingest.postgres import arrow_type as pg_type
from weir.ingest.sql import scrub
from weir.sql.relation import Relation


def test_cursor_state_keeps_the_largest_value_and_round_trips():
    ts = pa.timestamp("us", tz="UTC")
    batch = pa.record_batch({"u": pa.array([datetime.datetime(2024, 1, 2, tzinfo=datetime.UTC),
                                            datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC), None], ts)})
    state = cursor_state({}, batch, "u")
    assert state["cursor"] == "2024-01-02T00:00:00+00:00"
    assert cursor_state(state, batch.slice(1), "u") == state  # never moves back
    assert after_cursor(batch, "u", state).num_rows == 0
    assert after_cursor(batch, "u", {"cursor": "2024-01-01T00:00:00+00:00"}).num_rows == 1


def _batches(values: list[int], size: int) -> Iterator[pa.RecordBatch]:
    yield from rebatch(iter([pa.record_batch({"c": values, "i": list(range(len(values)))})]), size)


def test_commit_boundaries_fall_between_distinct_cursor_values():
    values = [1, 1, 2, 2, 2, 2, 2, 3, 4, 4]
    out = [b.column("c").to_pylist() for b in _tie_aligned(_batches(values, 3), "c")]
    assert [v for b in out for v in b] == values
    for a, b in itertools.pairwise(out):
        assert a[-1] != b[0]  # no value is split over two commits


def test_key_predicates_quote_values():
    rows = pa.record_batch({"k": [1, 2], "s": ["a'b", "c"]})
    assert key_predicate(rows, ["k"]) == '"k" IN (1, 2)'
    assert key_predicate(rows, ["k", "s"]) == '("k" = 1 AND "s" = \'a\'\'b\') OR ("k" = 2 AND "s" = \'c\')'


@pytest.mark.parametrize(("display", "type_", "how"), [
    ("int4", pa.int32(), "plain"),
    ("numeric(12,2)", pa.decimal128(12, 2), "plain"),
    ("numeric", pa.decimal128(38, 9), "numeric"),
    ("timestamptz", pa.timestamp("us", tz="UTC"), "plain"),
    ("timestamp", pa.timestamp("us"), "plain"),
    ("int8[]", pa.list_(pa.int64()), "json"),
    ("jsonb", pa.string(), "text"),
    ("uuid", pa.string(), "text"),
    ("bytea", pa.binary(), "plain"),
])
def test_postgres_type_mapping(display, type_, how):
    assert pg_type(display) == (type_, how)


def test_secrets_are_scrubbed_from_messages():
    text = 'connection to "postgresql://app:s3cret@db:5432/shop" failed for password s3cret'
    assert "s3cret" not in scrub(text, ["s3cret"])
    assert "s3cret" not in scrub("mysql://root:s3cret@host/db", [])


class ListSource:
    """A Source over Python rows (the protocol needs nothing more)."""

    def __init__(self, rows: list[dict[str, Any]], schema: pa.Schema, cursor: str | None = None,
                 primary_key: tuple[str, ...] = (), batch: int = 2) -> None:
        self.name, self.cursor, self.primary_key = "mem.rows", cursor, primary_key
        self.rows, self._schema, self.batch = rows, schema, batch

    def schema(self) -> pa.Schema:
        return self._schema

    def read(self, state: dict[str, Any]) -> Iterator[pa.RecordBatch]:
        rows = sorted(self.rows, key=lambda r: r[self.cursor]) if self.cursor else self.rows
        if self.cursor and state.get("cursor") is not None:
            rows = [r for r in rows if r[self.cursor] >= int(state["cursor"])]
        for i in range(0, len(rows), self.batch):
            yield pa.RecordBatch.from_pylist(rows[i:i + self.batch], schema=self._schema)

    def next_state(self, state: dict[str, Any], batch: pa.RecordBatch) -> dict[str, Any]:
        return cursor_state(state, batch, self.cursor)

    def describe(self) -> str:
        return "in-memory rows"


SCHEMA = pa.schema([("id", pa.int64()), ("v", pa.string()), ("u", pa.int64())])


def _read(tmp_path: Any) -> list[tuple[Any, ...]]:
    sql = DeltaFormat(str(tmp_path)).scan_sql(Relation("raw", "rows"))
    return duckdb.connect().execute(f"select * from ({sql}) order by id").fetchall()


def test_incremental_load_appends_only_new_rows(tmp_path):
    rows = [{"id": i, "v": f"v{i}", "u": i // 3} for i in range(7)]
    src = ListSource(rows, SCHEMA, cursor="u")
    first = load(src, "raw.rows", warehouse=str(tmp_path))
    assert first.mode == "incremental" and first.rows_written == 7 and first.state["cursor"] == "2"
    src.rows = rows + [{"id": 7, "v": "v7", "u": 3}]
    second = load(src, "raw.rows", warehouse=str(tmp_path))
    assert second.rows_read == 2 and second.rows_written == 1  # the row at the mark is read again, not written
    assert [r[0] for r in _read(tmp_path)] == list(range(8))


def test_merge_updates_by_key_and_full_replaces(tmp_path):
    src = ListSource([{"id": 1, "v": "a", "u": 1}, {"id": 2, "v": "b", "u": 1}], SCHEMA, primary_key=("id",))
    load(src, "raw.rows", warehouse=str(tmp_path))
    src.rows = [{"id": 2, "v": "B", "u": 2}, {"id": 3, "v": "c", "u": 2}]
    load(src, "raw.rows", warehouse=str(tmp_path))
    assert _read(tmp_path) == [(1, "a", 1), (2, "B", 2), (3, "c", 2)]
    load(src, "raw.rows", warehouse=str(tmp_path), mode="full")
    assert _read(tmp_path) == [(2, "B", 2), (3, "c", 2)]


def test_bad_options_are_config_errors(tmp_path):
    src = ListSource([], SCHEMA)
    with pytest.raises(ConfigError, match="mode incremental needs a cursor"):
        load(src, "raw.rows", warehouse=str(tmp_path), mode="incremental")
    with pytest.raises(ConfigError, match=r"'schema\.table'"):
        load(src, "rows", warehouse=str(tmp_path))


def test_decimal_cursor_round_trip():
    batch = pa.record_batch({"c": pa.array([Decimal("1.50"), Decimal("2.25")], pa.decimal128(5, 2))})
    state = cursor_state({}, batch, "c")
    assert after_cursor(batch, "c", state).num_rows == 0
