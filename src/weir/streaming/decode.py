"""Message values -> Arrow rows, in bulk: JSON (pyarrow's parser over the concatenated
values), Avro (fastavro, with a schema file) or raw bytes.

A value that cannot be decoded never stops the batch: it comes back as a *bad* message
(index and error) for the dead letters. JSON type drift is judged against the expected
schema (the table's columns): a new field is a new column, a wrong type is a bad message.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.json as pj

from weir.errors import MissingExtraError
from weir.streaming.errors import StreamError

#: a bad message: its index in the batch and what was wrong with it
Bad = tuple[int, str]


@dataclass
class Decoded:
    """Rows of the good messages (``rows[i]`` came from message ``index[i]``) and the bad ones."""

    rows: pa.Table
    index: list[int]
    bad: list[Bad] = field(default_factory=list)


def _fix_types(table: pa.Table) -> pa.Table:
    """Columns the table formats cannot hold: all-null columns become strings."""
    for i, f in enumerate(table.schema):
        if pa.types.is_null(f.type):
            table = table.set_column(i, pa.field(f.name, pa.string()), table.column(i).cast(pa.string()))
    return table


class JsonDecoder:
    """One JSON object per message; ``expected`` fixes the types of known columns."""

    def __init__(self) -> None:
        self.expected: pa.Schema | None = None

    def _parse(self, lines: Sequence[bytes], schema: pa.Schema | None) -> pa.Table:
        opts = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="infer") if schema else None
        data = b"\n".join(lines)
        block = max(1 << 20, len(data) + 1)  # one block: types are inferred over the whole batch
        table = pj.read_json(io.BytesIO(data), read_options=pj.ReadOptions(block_size=block, use_threads=True),
                             parse_options=opts)
        if table.num_rows != len(lines):
            raise ValueError("a value holds more than one JSON document or a newline inside one")
        return table

    def decode(self, values: Sequence[bytes | None]) -> Decoded:
        index = [i for i, v in enumerate(values) if v]
        bad: list[Bad] = [(i, "empty message value") for i, v in enumerate(values) if not v]
        if not index:
            return Decoded(pa.table({}), [], bad)
        try:
            rows = self._parse([values[i] for i in index], self.expected)  # type: ignore[misc]
            return Decoded(_fix_types(rows), index, bad)
        except (pa.ArrowInvalid, ValueError):
            pass
        # slow path: find the culprits; compact JSON lines first, then split halves
        lines: list[bytes] = []
        keep: list[int] = []
        for i in index:
            try:
                obj = json.loads(values[i])  # type: ignore[arg-type]
            except (ValueError, UnicodeDecodeError) as exc:
                bad.append((i, f"not valid JSON: {exc}"))
                continue
            if not isinstance(obj, dict):
                bad.append((i, f"not a JSON object: a {type(obj).__name__}"))
                continue
            lines.append(json.dumps(obj, separators=(",", ":")).encode())
            keep.append(i)
        schema = self.expected
        tables, good, misfits = self._bisect(lines, keep, schema)
        try:
            rows = pa.concat_tables(tables, promote_options="permissive") if tables else pa.table({})
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            # no table yet and the batch disagrees with itself: the largest agreeing part sets the types
            schema = max(tables, key=lambda t: t.num_rows).schema
            tables, good, misfits = self._bisect(lines, keep, schema)
            rows = pa.concat_tables(tables, promote_options="permissive")
        return Decoded(_fix_types(rows), good, sorted(bad + misfits))

    def _bisect(self, lines: list[bytes], idx: list[int], schema: pa.Schema | None
                ) -> tuple[list[pa.Table], list[int], list[Bad]]:
        """Parse in halves until every part parses or is one bad message."""
        tables: list[pa.Table] = []
        good: list[int] = []
        bad: list[Bad] = []
        todo = [(lines, idx)]
        while todo:
            part, part_idx = todo.pop()
            if not part:
                continue
            try:
                tables.append(self._parse(part, schema))
                good.extend(part_idx)
                continue
            except (pa.ArrowInvalid, ValueError) as exc:
                if len(part) == 1:
                    bad.append((part_idx[0], f"does not fit the table's columns: {exc}"))
                    continue
            mid = len(part) // 2
            todo += [(part[mid:], part_idx[mid:]), (part[:mid], part_idx[:mid])]
        return tables, good, bad


class AvroDecoder:
    """Schemaless Avro records with one writer schema from a ``.avsc`` file."""

    def __init__(self, schema_path: Path, confluent: bool = False) -> None:
        try:
            import fastavro
        except ImportError:
            raise MissingExtraError("fastavro", "kafka") from None
        try:
            raw = json.loads(schema_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StreamError(f"cannot read Avro schema {schema_path}: {exc}") from None
        self._schema = fastavro.parse_schema(raw)
        self._read: Callable[..., Any] = fastavro.schemaless_reader
        self.confluent = confluent
        self.expected: pa.Schema | None = None

    def decode(self, values: Sequence[bytes | None]) -> Decoded:
        records, index, bad = [], [], []
        for i, v in enumerate(values):
            if not v:
                bad.append((i, "empty message value"))
                continue
            if self.confluent:
                if len(v) < 5 or v[0] != 0:
                    bad.append((i, "no Confluent wire-format header (magic byte 0 + schema id)"))
                    continue
                v = v[5:]
            try:
                records.append(self._read(io.BytesIO(v), self._schema, None))
                index.append(i)
            except Exception as exc:  # fastavro raises many types for corrupt input
                bad.append((i, f"not valid Avro for the schema: {type(exc).__name__}: {exc}"))
        rows = pa.Table.from_pylist(records) if records else pa.table({})
        return Decoded(_fix_types(rows), index, bad)


class RawDecoder:
    """The value as bytes, untouched."""

    expected: pa.Schema | None = None

    def decode(self, values: Sequence[bytes | None]) -> Decoded:
        return Decoded(pa.table({"value": pa.array(values, type=pa.binary())}), list(range(len(values))), [])


def make_decoder(fmt: str, schema_path: Path | None = None, *, confluent: bool = False
                 ) -> JsonDecoder | AvroDecoder | RawDecoder:
    if fmt == "json":
        return JsonDecoder()
    if fmt == "avro":
        assert schema_path is not None
        return AvroDecoder(schema_path, confluent)
    return RawDecoder()
