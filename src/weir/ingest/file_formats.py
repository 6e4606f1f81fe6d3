"""Readers of CSV, JSON lines and Parquet files: a schema from a file, then the file as
bounded Arrow batches, with malformed lines handed to ``on_bad`` instead of failing.

Line numbers of refused rows (the ``line`` of the quarantine payload):

* CSV, wrong number of fields: pyarrow's record number (header included, 1-based); it
  equals the physical line unless a quoted value spans lines.
* CSV, a value that does not convert to the column type: the same record number, counted
  from the rows read before it.
* JSON lines: the physical line (1-based); blank lines are skipped but counted.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.json as pjson
import pyarrow.parquet as pq

JSON_ROWS = 10_000  # records per JSON-lines piece
_INFER = (pa.int64(), pa.float64(), pa.bool_(), pa.date32(), pa.timestamp("us"))


@dataclass(frozen=True)
class Bad:
    """A line or record a reader refused."""

    file: str
    line: int | None
    raw: str
    error: str


@dataclass(frozen=True)
class FileOptions:
    """How files are parsed (the ``ingest:`` keys of a files source)."""

    format: str = "csv"  # csv | jsonl | parquet
    delimiter: str = ","
    header: bool = True
    column_names: tuple[str, ...] = ()
    quote: str | None = '"'
    escape: str | None = None
    encoding: str = "utf8"
    null_values: tuple[str, ...] = ("", "NULL", "null")
    multiline: bool = True  # quoted CSV values may span lines
    columns: dict[str, pa.DataType] = field(default_factory=dict)  # explicit types
    nested: str = "flatten"  # flatten | json
    block_size: int = 1 << 20


OnBad = Callable[[Bad], None]


# -- CSV -----------------------------------------------------------------------------------------
def _csv_reader(stream: Any, o: FileOptions, names: list[str] | None, on_bad: OnBad | None,
                file: str) -> pcsv.CSVStreamingReader:
    skip = 1 if o.header and o.column_names else 0
    given = list(o.column_names) or None
    read = pcsv.ReadOptions(use_threads=False, block_size=o.block_size, encoding=o.encoding, skip_rows=skip,
                            column_names=given, autogenerate_column_names=not o.header and not given)

    def handler(row: Any) -> str:
        if on_bad is not None:
            on_bad(Bad(file, row.number, row.text, f"expected {row.expected_columns} fields, got "
                       f"{row.actual_columns}"))
        return "skip"

    parse = pcsv.ParseOptions(delimiter=o.delimiter, quote_char=o.quote or False, escape_char=o.escape or False,
                              newlines_in_values=o.multiline, invalid_row_handler=handler)
    convert = pcsv.ConvertOptions(
        column_types={n: pa.string() for n in names} if names else None, null_values=list(o.null_values),
        strings_can_be_null=True)
    return pcsv.open_csv(stream, read_options=read, parse_options=parse, convert_options=convert)


def csv_names(stream: Any, o: FileOptions, file: str) -> list[str]:
    """The column names of a CSV file (its header, the configured names, or f0, f1, ...)."""
    return list(_csv_reader(stream, o, None, None, file).schema.names)


def infer_type(col: pa.Array, complete: bool = False) -> pa.DataType:
    """The first of int64, float64, bool, date, timestamp every value casts to, else string;
    null (the table's type is kept) for a column without values in a ``complete`` sample."""
    values = pc.utf8_trim_whitespace(col.drop_null()) if col.null_count < len(col) else None
    if values is None or len(values) == 0:
        return pa.null() if complete else pa.string()
    for t in _INFER:
        try:
            pc.cast(values, t)
            return t
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
    return pa.string()


def csv_schema(stream: Any, o: FileOptions, names: list[str], file: str) -> pa.Schema:
    """Types inferred from the first block of a CSV file (explicit ``columns`` win)."""
    reader = _csv_reader(stream, o, names, None, file)
    try:
        first = reader.read_next_batch()
    except StopIteration:
        first = pa.RecordBatch.from_pylist([], schema=pa.schema([(n, pa.string()) for n in names]))
    try:
        reader.read_next_batch()
        complete = False
    except StopIteration:
        complete = True  # the whole file was sampled
    return pa.schema([(n, o.columns.get(n) or infer_type(first.column(i), complete)) for i, n in enumerate(names)])


def csv_batches(stream: Any, o: FileOptions, names: list[str], schema: pa.Schema, file: str,
                on_bad: OnBad) -> Iterator[pa.RecordBatch]:
    """The rows of a CSV file typed to ``schema``; refused rows go to ``on_bad``."""
    wrong_shape: list[int] = []
    first_record = 1 + (1 if o.header else 0)

    def shape_bad(bad: Bad) -> None:
        if bad.line is not None:
            wrong_shape.append(bad.line)
        on_bad(bad)

    reader = _csv_reader(stream, o, names, shape_bad, file)
    good = 0
    for batch in reader:
        typed, refused = _convert(batch, schema)
        for index, error in refused:
            row = batch.slice(index, 1).to_pylist()[0]
            on_bad(Bad(file, _record_number(first_record + good + index, wrong_shape), _csv_text(row, o), error))
        good += batch.num_rows
        yield typed


def _record_number(n: int, wrong_shape: list[int]) -> int:
    """The record number of the good row counted ``n`` (skipping the refused records)."""
    seen = 0
    while True:
        before = sum(1 for w in wrong_shape if w <= n + seen)
        if before == seen:
            return n + seen
        seen = before


def _csv_text(row: dict[str, Any], o: FileOptions) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=o.delimiter, quotechar=o.quote or '"', lineterminator="").writerow(
        ["" if v is None else v for v in row.values()])
    return out.getvalue()


def _convert(batch: pa.RecordBatch, schema: pa.Schema) -> tuple[pa.RecordBatch, list[tuple[int, str]]]:
    """``batch`` (all text) cast to ``schema``; rows whose values do not convert are split off."""
    arrays: list[pa.Array] = []
    refused: dict[int, str] = {}
    for f in schema:
        col = batch.column(f.name) if f.name in batch.schema.names else pa.nulls(batch.num_rows, pa.string())
        if pa.types.is_string(f.type):
            arrays.append(col)
            continue
        if pa.types.is_null(f.type):  # only inferred when no row of the file has a value
            arrays.append(pa.nulls(batch.num_rows))
            continue
        trimmed = pc.utf8_trim_whitespace(col)
        try:
            arrays.append(pc.cast(trimmed, f.type))
            continue
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        values = []
        for i, v in enumerate(trimmed.to_pylist()):
            try:
                values.append(pc.cast(pa.array([v], pa.string()), f.type)[0].as_py())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                refused.setdefault(i, f"column {f.name!r}: {v!r} is not a valid {f.type}")
                values.append(None)
        arrays.append(pa.array(values, type=f.type))
    typed = pa.RecordBatch.from_arrays(arrays, schema=schema)
    if refused:
        keep = pa.array([i not in refused for i in range(batch.num_rows)])
        typed = typed.filter(keep)
    return typed, sorted(refused.items())


# -- JSON lines --------------------------------------------------------------------------------------
def json_lines(stream: Any, chunk: int = 1 << 20) -> Iterator[tuple[int, bytes]]:
    """(line number, line) of a stream, without the newline; blank lines skipped."""
    number, rest = 0, b""
    while True:
        data = stream.read(chunk)
        if not data:
            break
        lines = (rest + data).split(b"\n")
        rest = lines.pop()
        for line in lines:
            number += 1
            if line.strip():
                yield number, line.rstrip(b"\r")
    if rest.strip():
        yield number + 1, rest


def _parse(line: bytes, encoding: str) -> dict[str, Any]:
    record = json.loads(line.decode(encoding))
    if not isinstance(record, dict):
        raise ValueError(f"a JSON object was expected, got {type(record).__name__}")
    return record


def _as_json(record: dict[str, Any]) -> dict[str, Any]:
    """Nested objects and lists as JSON text (``nested: json``)."""
    return {k: json.dumps(v, sort_keys=True) if isinstance(v, dict | list) else v for k, v in record.items()}


def _unify(a: pa.Schema | None, b: pa.Schema) -> pa.Schema:
    if a is None:
        return b
    try:
        return pa.unify_schemas([a, b], promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # a conflict: the first type wins, the rest unified
        for f in b:
            try:
                a = pa.unify_schemas([a, pa.schema([f])], promote_options="permissive")
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                continue
        return a


def _records_schema(records: list[dict[str, Any]]) -> pa.Schema | None:
    try:
        return pa.Table.from_pylist(records).schema
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
        out = None
        for r in records:
            try:
                out = _unify(out, pa.Table.from_pylist([r]).schema)
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
                continue
        return out


def _fast(o: FileOptions) -> bool:
    """pyarrow's JSON reader applies: UTF-8 and nested objects kept as structs."""
    return o.nested == "flatten" and o.encoding.lower().replace("-", "") == "utf8"


def _pa_json(lines: list[bytes], schema: pa.Schema | None = None) -> pa.Table:
    data = b"\n".join(lines)
    parse = pjson.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore" if schema else "infer")
    read = pjson.ReadOptions(use_threads=False, block_size=max(len(data) + 1, 1 << 20))
    return pjson.read_json(io.BytesIO(data), read_options=read, parse_options=parse)


def _fast_schema(lines: list[bytes]) -> pa.Schema | None:
    try:
        return _pa_json(lines).schema
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # a bad line or a type conflict: line by line
        out = None
        for line in lines:
            try:
                out = _unify(out, _pa_json([line]).schema)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                continue
        return out


def jsonl_schema(stream: Any, o: FileOptions) -> pa.Schema:
    """The unified schema of every record of a JSON-lines file (one full pass)."""
    schema: pa.Schema | None = None
    if _fast(o):
        lines: list[bytes] = []
        for _, line in json_lines(stream):
            lines.append(line)
            if len(lines) >= JSON_ROWS:
                schema, lines = _unify(schema, _fast_schema(lines) or pa.schema([])), []
        if lines:
            schema = _unify(schema, _fast_schema(lines) or pa.schema([]))
        return _typed(schema, o)
    chunk: list[dict[str, Any]] = []
    for _, line in json_lines(stream):
        try:
            record = _parse(line, o.encoding)
        except ValueError:
            continue
        chunk.append(_as_json(record) if o.nested == "json" else record)
        if len(chunk) >= JSON_ROWS:
            found = _records_schema(chunk)
            schema = _unify(schema, found) if found is not None else schema
            chunk = []
    if chunk:
        found = _records_schema(chunk)
        schema = _unify(schema, found) if found is not None else schema
    return _typed(schema, o)


def _typed(schema: pa.Schema | None, o: FileOptions) -> pa.Schema:
    schema = schema or pa.schema([])
    # a field with only nulls or empty lists tells no type: null keeps the table's type
    return pa.schema([pa.field(f.name, o.columns.get(f.name) or (pa.null() if _untyped(f.type) else f.type))
                      for f in schema])


def _untyped(t: pa.DataType) -> bool:
    return pa.types.is_null(t) or (pa.types.is_list(t) and pa.types.is_null(t.value_type))


def jsonl_batches(stream: Any, o: FileOptions, schema: pa.Schema, file: str, on_bad: OnBad) -> Iterator[pa.RecordBatch]:
    """The records of a JSON-lines file typed to ``schema``; unparsable ones go to ``on_bad``."""
    if _fast(o):
        yield from _fast_batches(stream, schema, file, on_bad)
        return
    pending: list[tuple[int, bytes, dict[str, Any]]] = []
    nulls = [f.name for f in schema if pa.types.is_null(f.type)]

    def flush() -> pa.RecordBatch:
        if nulls:
            for _, _, r in pending:
                r.update({k: None for k in nulls if k in r})
        records = [r for _, _, r in pending]
        try:
            return pa.RecordBatch.from_pylist(records, schema=schema)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
            kept = []
            for number, line, r in pending:
                try:
                    pa.RecordBatch.from_pylist([r], schema=schema)
                    kept.append(r)
                except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError) as exc:
                    on_bad(Bad(file, number, line.decode(o.encoding, "replace"), f"does not fit the schema: {exc}"))
            return pa.RecordBatch.from_pylist(kept, schema=schema)

    for number, line in json_lines(stream):
        try:
            record = _parse(line, o.encoding)
        except ValueError as exc:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
            on_bad(Bad(file, number, line.decode(o.encoding, "replace"), f"malformed JSON: {exc}"))
            continue
        pending.append((number, line, _as_json(record) if o.nested == "json" else record))
        if len(pending) >= JSON_ROWS:
            yield flush()
            pending = []
    if pending:
        yield flush()


def _fast_batches(stream: Any, schema: pa.Schema, file: str, on_bad: OnBad) -> Iterator[pa.RecordBatch]:
    """pyarrow's JSON reader over pieces of lines; a piece that fails is read line by line."""
    typed = pa.schema([f for f in schema if not pa.types.is_null(f.type)])  # null fields: added by shape()
    pending: list[tuple[int, bytes]] = []

    def flush() -> Iterator[pa.RecordBatch]:
        try:
            yield from _pa_json([line for _, line in pending], typed).to_batches()
            return
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
        for number, line in pending:
            try:
                yield from _pa_json([line], typed).to_batches()
            except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
                on_bad(Bad(file, number, line.decode("utf-8", "replace"), f"malformed JSON record: {exc}"))

    for number, line in json_lines(stream):
        pending.append((number, line))
        if len(pending) >= JSON_ROWS:
            yield from flush()
            pending = []
    if pending:
        yield from flush()


# -- Parquet --------------------------------------------------------------------------------------
def parquet_schema(source: Any) -> pa.Schema:
    return pq.ParquetFile(source).schema_arrow


def parquet_batches(source: Any, rows: int) -> Iterator[pa.RecordBatch]:
    yield from pq.ParquetFile(source).iter_batches(batch_size=rows)


def shape(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """``batch`` with exactly the columns of ``schema`` (missing ones null, types cast)."""
    if batch.schema == schema:
        return batch
    arrays = []
    for f in schema:
        if f.name in batch.schema.names:
            col = batch.column(f.name)
            arrays.append(col if col.type == f.type else pc.cast(col, f.type))
        else:
            arrays.append(pa.nulls(batch.num_rows, f.type))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)
