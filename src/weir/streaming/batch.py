"""A micro-batch on its way from messages to tables: Kafka metadata columns, the SQL
transform (DuckDB over the Arrow batch, named ``batch``), CDC flags and dead-letter rows."""

from __future__ import annotations

import time
from collections.abc import Sequence

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from weir.streaming.errors import StreamError
from weir.streaming.source import RawBatch

META = ("_kafka_topic", "_kafka_partition", "_kafka_offset", "_kafka_key", "_kafka_timestamp")
DEAD_LETTER_SCHEMA = pa.schema([
    ("topic", pa.string()), ("partition", pa.int32()), ("offset", pa.int64()), ("key", pa.string()),
    ("error", pa.string()), ("stage", pa.string()), ("payload", pa.string()), ("run_id", pa.string()),
    ("recorded_at", pa.timestamp("us", tz="UTC")),
])


def _text(values: Sequence[bytes | None]) -> list[str | None]:
    return [None if v is None else v.decode("utf-8", "replace") for v in values]


def with_metadata(raw: RawBatch, rows: pa.Table, index: Sequence[int]) -> pa.Table:
    """``rows`` (decoded from messages ``index``) plus the messages' Kafka coordinates."""
    idx = pa.array(index, pa.int64())
    meta = {
        "_kafka_topic": pa.array(raw.topics, pa.string()).take(idx),
        "_kafka_partition": pa.array(raw.partitions, pa.int32()).take(idx),
        "_kafka_offset": pa.array(raw.offsets, pa.int64()).take(idx),
        "_kafka_key": pa.array(_text(raw.keys), pa.string()).take(idx),
        "_kafka_timestamp": pa.array(raw.timestamps, pa.int64()).take(idx).cast(pa.timestamp("ms", tz="UTC")),
    }
    for name, column in meta.items():
        if name not in rows.column_names:
            rows = rows.append_column(name, column)
    return rows


def drop_metadata(rows: pa.Table) -> pa.Table:
    return rows.drop_columns([c for c in META if c in rows.column_names])


def run_sql(con: duckdb.DuckDBPyConnection, rows: pa.Table, sql: str, what: str) -> pa.Table:
    """``sql`` over ``rows`` registered as ``batch``; strings come back as plain Arrow strings."""
    con.register("batch", rows)
    try:
        out = con.sql(sql).to_arrow_table()
    except duckdb.Error as exc:
        raise StreamError(f"{what} failed: {exc}", hint="the batch is the table `batch`; its columns are "
                          + ", ".join(rows.column_names)) from None
    finally:
        con.unregister("batch")
    return plain_types(out)


def plain_types(table: pa.Table) -> pa.Table:
    """View and large types (DuckDB's Arrow export) as the plain ones the formats store."""
    fields = []
    for f in table.schema:
        t = f.type
        if pa.types.is_string_view(t) or pa.types.is_large_string(t):
            t = pa.string()
        elif pa.types.is_binary_view(t) or pa.types.is_large_binary(t):
            t = pa.binary()
        fields.append(pa.field(f.name, t))
    schema = pa.schema(fields)
    return table if schema == table.schema else table.cast(schema)


def dead_letters(raw: RawBatch, bad: Sequence[tuple[int, str]], stage: str, run_id: str) -> pa.Table:
    """Dead-letter rows for messages ``bad`` (index in ``raw``, error)."""
    if not bad:
        return DEAD_LETTER_SCHEMA.empty_table()
    idx = [i for i, _ in bad]
    now = pa.scalar(int(time.time() * 1e6), pa.timestamp("us", tz="UTC"))
    return pa.table({
        "topic": [raw.topics[i] for i in idx], "partition": [raw.partitions[i] for i in idx],
        "offset": [raw.offsets[i] for i in idx], "key": _text([raw.keys[i] for i in idx]),
        "error": [e for _, e in bad], "stage": [stage] * len(idx),
        "payload": _text([raw.values[i] for i in idx]), "run_id": [run_id] * len(idx),
        "recorded_at": pa.array([now.value] * len(idx), pa.timestamp("us", tz="UTC")),
    }, schema=DEAD_LETTER_SCHEMA)


def failed_rows(rows: pa.Table, errors: pa.Array, stage: str, run_id: str) -> pa.Table:
    """Dead letters for rows that failed checks: the row itself (JSON) is the payload."""
    if rows.num_rows == 0:
        return DEAD_LETTER_SCHEMA.empty_table()
    import json

    def col(name: str, typ: pa.DataType) -> pa.Array:
        if name in rows.column_names:
            return rows.column(name).cast(typ)
        return pa.nulls(rows.num_rows, typ)

    body = drop_metadata(rows)
    payload = [json.dumps(r, default=str) for r in body.to_pylist()]
    now = int(time.time() * 1e6)
    return pa.table({
        "topic": col("_kafka_topic", pa.string()), "partition": col("_kafka_partition", pa.int32()),
        "offset": col("_kafka_offset", pa.int64()), "key": col("_kafka_key", pa.string()),
        "error": errors, "stage": [stage] * rows.num_rows, "payload": payload,
        "run_id": [run_id] * rows.num_rows,
        "recorded_at": pa.array([now] * rows.num_rows, pa.timestamp("us", tz="UTC")),
    }, schema=DEAD_LETTER_SCHEMA)


def last_per_key(rows: pa.Table, keys: list[str]) -> pa.Table:
    """One row per key: the newest message's (by partition offset), as a CDC upsert wants."""
    if rows.num_rows < 2:
        return rows
    order = "_kafka_offset" if "_kafka_offset" in rows.column_names else None
    pos = pa.array(range(rows.num_rows), pa.int64())
    ranked = rows.append_column("__weir_pos", pos)
    by = (ranked.column(order) if order else pos)
    ranked = ranked.append_column("__weir_ord", by)
    last = ranked.group_by(keys, use_threads=False).aggregate([("__weir_ord", "max")])
    joined = ranked.join(last, keys=keys)
    keep = joined.filter(pc.equal(joined.column("__weir_ord"), joined.column("__weir_ord_max")))
    keep = keep.sort_by("__weir_pos").drop_columns(["__weir_pos", "__weir_ord", "__weir_ord_max"])
    return keep.select(rows.column_names)
