"""A disk spool for record sources (REST, MongoDB): records are written as JSON lines to a
temporary file, then DuckDB infers one schema over *all* of them and streams them back
as Arrow batches in cursor order (sorting spills to disk), so memory stays bounded and a
field first seen on the last page still gets a column.

Types: numbers, booleans, ISO dates/timestamps (with a zone -> UTC timestamps), nested
objects -> structs (flattened by the loader), arrays -> lists; a field whose values mix
objects and scalars, UUIDs and other DuckDB-only types -> text.
"""

from __future__ import annotations

import datetime
import decimal
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from weir.errors import ConfigError
from weir.ingest.base import cursor_state

_PLAIN = ("BIGINT", "INTEGER", "DOUBLE", "BOOLEAN", "VARCHAR", "DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE",
          "HUGEINT", "UBIGINT", "FLOAT", "SMALLINT", "TINYINT")


def jsonable(value: Any) -> Any:
    """JSON for values ``json`` cannot write (datetimes, decimals, bytes, ObjectId ...)."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    return str(value)  # ObjectId, Decimal128, UUID, ...


def as_json_text(record: dict[str, Any]) -> dict[str, Any]:
    """Nested objects and arrays of ``record`` as JSON text (``nested: json``)."""
    return {k: json.dumps(v, default=jsonable, sort_keys=True) if isinstance(v, dict | list) else v
            for k, v in record.items()}


class Spool:
    """Records in, typed Arrow batches out. Use as a context manager (removes its files)."""

    def __init__(self, nested: str = "flatten") -> None:
        self.nested = nested
        self.dir = tempfile.mkdtemp(prefix="weir-spool-")
        self.path = os.path.join(self.dir, "records.jsonl")
        self._file = open(self.path, "w", encoding="utf-8")
        self.count = 0
        self._schema: pa.Schema | None = None
        self._select = "*"

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, records: list[dict[str, Any]]) -> None:
        for r in records:
            if self.nested == "json":
                r = as_json_text(r)
            self._file.write(json.dumps(r, default=jsonable, separators=(",", ":")) + "\n")
        self.count += len(records)

    def finish(self) -> None:
        if not self._file.closed:
            self._file.close()

    def close(self) -> None:
        self.finish()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _connect(self) -> Any:
        import duckdb

        con = duckdb.connect()
        con.execute(f"set temp_directory = '{self.dir}'")
        con.execute("set memory_limit = '1GB'")
        con.execute("set preserve_insertion_order = true")
        con.execute("set threads = 2")
        return con

    def _from(self) -> str:
        path = self.path.replace("'", "''")
        return (f"read_json('{path}', format='newline_delimited', sample_size=-1, map_inference_threshold=-1, "
                "maximum_depth=-1)")

    def schema(self) -> pa.Schema:
        """The Arrow schema of all spooled records."""
        if self._schema is None:
            self.finish()
            if self.count == 0:
                self._schema = pa.schema([])
                return self._schema
            con = self._connect()
            try:
                cols = con.sql(f"describe select * from {self._from()}").fetchall()
                select = []
                for name, type_, *_ in cols:
                    q = '"' + name.replace('"', '""') + '"'
                    plain = type_ in _PLAIN or type_.startswith(("STRUCT", "DECIMAL")) or type_.endswith("[]")
                    bad_nested = "JSON" in type_ or "UUID" in type_ or "MAP(" in type_
                    if type_ == "NULL" or (type_ in ("NULL[]", "JSON[]") and not con.sql(
                            f"select bool_or(len({q}) > 0) from {self._from()}").fetchall()[0][0]):
                        select.append(f"null as {q}")  # no value tells the type: the table's type is kept
                    else:
                        select.append(q if plain and not bad_nested else f"cast({q} as varchar) as {q}")
                self._select = ", ".join(select)
                empty = con.sql(f"select {self._select} from {self._from()} limit 0").to_arrow_table()
                self._schema = _utc(empty.schema)
            finally:
                con.close()
        return self._schema

    def batches(self, order_by: str | None, rows: int) -> Iterator[pa.RecordBatch]:
        """The records as batches of up to ``rows``, in ``order_by``'s order when given."""
        schema = self.schema()
        if self.count == 0:
            return
        con = self._connect()
        try:
            order = ""
            if order_by:
                order = ' order by "' + order_by.replace('"', '""') + '" nulls first'
            reader = con.sql(f"select {self._select} from {self._from()}{order}").to_arrow_reader(rows)
            for batch in reader:
                yield _cast(batch, schema)
        finally:
            con.close()


def _utc(schema: pa.Schema) -> pa.Schema:
    return pa.schema([pa.field(f.name, pa.timestamp(f.type.unit, tz="UTC"))
                      if pa.types.is_timestamp(f.type) and f.type.tz else f for f in schema])


def _cast(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    if batch.schema == schema:
        return batch
    return pa.RecordBatch.from_arrays([pc.cast(c, f.type) for c, f in zip(batch.columns, schema, strict=True)],
                                      schema=schema)


class SpooledSource:
    """The reading half of a source whose ``prepare(state)`` fills ``self._spool`` with all
    the records of a run (REST, MongoDB): schema over every record, batches in cursor order."""

    name: str
    cursor: str | None
    batch_size: int
    _spool: Spool | None
    #: what a record is called in errors ("records", "documents")
    _record_noun: str = "records"

    def prepare(self, state: dict[str, Any]) -> None:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def schema(self) -> pa.Schema:
        if self._spool is None:
            self.prepare({})
        assert self._spool is not None
        return self._spool.schema()

    def read(self, state: dict[str, Any]) -> Iterator[pa.RecordBatch]:
        if self._spool is None:
            self.prepare(state)
        assert self._spool is not None
        try:
            if self.cursor and self._spool.count and self.cursor not in self._spool.schema().names:
                raise ConfigError(f"{self.describe()}: cursor field {self.cursor!r} is not in the {self._record_noun}",
                                  hint=f"use a top-level field: {', '.join(self._spool.schema().names)}")
            yield from self._spool.batches(self.cursor, self.batch_size)
        finally:
            self._spool.close()
            self._spool = None

    def next_state(self, state: dict[str, Any], batch: pa.RecordBatch) -> dict[str, Any]:
        return cursor_state(state, batch, self.cursor)
