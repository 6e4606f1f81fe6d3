"""Files source: CSV, JSON lines and Parquet from local paths or ``s3://`` globs.

Only new or changed files are loaded (identity = path + size + mtime). Which files are
in the table is committed *with* the data: every table commit's app state carries the
manifest of loaded files (zlib-compressed JSON, ~15-40 bytes a file), the files completed
by that commit (``added``) and, when a file is cut over several commits, how far into it
the table is (``partial``: rows and refused lines already committed). A load killed at any
point reruns from the last commit: no file is loaded twice, none is skipped, and a big
file resumes after its committed rows.

    from weir.ingest import load, files
    load(files.files("s3://landing/orders/*.csv", delimiter=";"), into="raw.orders", project=".")

A changed file (same path, new size or mtime) is read again and its rows appended; use
``mode: merge`` with a ``primary_key`` to upsert them instead. Malformed CSV lines and JSON
records go to ``<table>__quarantine`` (payload: file, line, raw text; reason: the error).
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.fs as pafs

from weir.errors import ConfigError
from weir.ingest import file_formats as ff
from weir.ingest.base import IngestError, SourceUnavailable, _concat
from weir.ingest.filesystems import FileEntry, inner, list_files
from weir.ingest.schema import Quarantined

FORMATS = ("csv", "jsonl", "parquet")
_EXTENSIONS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
               ".parquet": "parquet", ".pq": "parquet"}
_BAD_SCHEMA = pa.schema([("file", pa.string()), ("line", pa.int64()), ("raw", pa.string())])


def detect_format(path: str) -> str:
    """The format a path's extension names (``.csv.gz`` is csv)."""
    name = path.lower().removesuffix(".gz").removesuffix(".bz2").removesuffix(".zst")
    for ext, fmt in _EXTENSIONS.items():
        if name.endswith(ext):
            return fmt
    raise ConfigError(f"cannot tell the format of {path!r} from its extension", hint="set format: csv|jsonl|parquet")


def encode_manifest(files: Mapping[str, Sequence[int]]) -> str:
    """The loaded files as compact text for the commit's app state."""
    rows = sorted([p, *ident] for p, ident in files.items())
    return base64.b64encode(zlib.compress(json.dumps(rows, separators=(",", ":")).encode(), 9)).decode()


def decode_manifest(text: str | None) -> dict[str, list[int]]:
    if not text:
        return {}
    return {r[0]: list(r[1:]) for r in json.loads(zlib.decompress(base64.b64decode(text)))}


class FilesSource:
    """Files matching a path or glob, read with ``options``; see the module docstring."""

    kind = "files"
    cursor: str | None = None
    tracks_position = True

    def __init__(self, path: str, *, options: ff.FileOptions | None = None, name: str | None = None,
                 storage_options: Mapping[str, Any] | None = None, primary_key: Sequence[str] = (),
                 batch_size: int = 100_000, file_column: str | None = None) -> None:
        self.path = path
        self.options = options or ff.FileOptions(format=detect_format(path))
        if self.options.format not in FORMATS:
            raise ConfigError(f"files source {name or path}: unknown format {self.options.format!r}",
                              hint=f"use one of: {', '.join(FORMATS)}")
        self.name = name or path
        self.storage_options = dict(storage_options or {})
        self.primary_key = tuple(primary_key)
        self.batch_size = int(batch_size)
        self.file_column = file_column
        self._fs: pafs.FileSystem | None = None
        self._pending: list[FileEntry] = []
        self._loaded: dict[str, list[int]] = {}
        self._partial: dict[str, Any] = {}
        self._names: dict[str, list[str]] = {}
        self._schema: pa.Schema | None = None
        self._refused: list[ff.Bad] = []
        self._after: dict[str, Any] = {}
        self.files_matched = 0

    # -- the Source protocol -----------------------------------------------------------------------
    def describe(self) -> str:
        return f"files source {self.name} ({self.path}, {self.options.format})"

    def __repr__(self) -> str:
        return f"<{self.describe()}>"

    def prepare(self, state: dict[str, Any]) -> None:
        """List the files and pick those not in the state's manifest; infer their schema."""
        self._fs, found = list_files(self.path, self.storage_options, self.describe())
        self.files_matched = len(found)
        self._loaded = decode_manifest(state.get("files"))
        self._partial = dict(state.get("partial") or {})
        self._pending = [f for f in found if self._loaded.get(f.path) != f.identity]
        self._schema = self._infer()

    def schema(self) -> pa.Schema:
        if self._schema is None:
            self.prepare({})
        assert self._schema is not None
        return self._schema

    def next_state(self, state: dict[str, Any], batch: pa.RecordBatch) -> dict[str, Any]:
        return dict(self._after)

    def take_quarantined(self) -> list[Quarantined]:
        bad, self._refused = self._refused, []
        out: dict[str, list[ff.Bad]] = {}
        for b in bad:
            out.setdefault(b.error if len(out) < 1000 else "malformed rows", []).append(b)
        return [Quarantined(reason, None, pa.Table.from_pylist(
            [{"file": b.file, "line": b.line, "raw": b.raw} for b in items], schema=_BAD_SCHEMA))
            for reason, items in out.items()]

    def read(self, state: dict[str, Any]) -> Iterator[pa.RecordBatch]:
        if self._fs is None:
            self.prepare(state)
        schema = self.schema()
        loaded = dict(self._loaded)
        held: list[pa.RecordBatch] = []
        rows = 0
        added: list[str] = []
        for entry in self._pending:
            resume = self._partial if self._partial.get("path") == entry.path and \
                self._partial.get("id") == entry.identity else {}
            done_rows, done_bad = int(resume.get("rows", 0)), int(resume.get("bad", 0))
            counter = {"bad": 0}
            for piece in self._file_batches(entry, schema, done_rows, done_bad, counter):
                held.append(piece)
                rows += piece.num_rows
                done_rows += piece.num_rows
                if rows >= self.batch_size:
                    partial = {"path": entry.path, "id": entry.identity, "rows": done_rows,
                               "bad": done_bad + counter["bad"]}
                    yield self._emit(held, schema, loaded, added, partial)
                    held, rows, added = [], 0, []
            loaded[entry.path] = entry.identity
            added.append(entry.path)
        if held or added:
            yield self._emit(held, schema, loaded, added, None)

    # -- helpers -----------------------------------------------------------------------------------
    def _emit(self, held: list[pa.RecordBatch], schema: pa.Schema, loaded: dict[str, list[int]], added: list[str],
              partial: dict[str, Any] | None) -> pa.RecordBatch:
        self._after = {"files": encode_manifest(loaded), "file_count": len(loaded), "added": sorted(added)}
        if partial:
            self._after["partial"] = partial
        return _concat(held) if held else pa.RecordBatch.from_pylist([], schema=schema)

    def _open(self, entry: FileEntry, *, random_access: bool = False) -> Any:
        assert self._fs is not None
        where = inner(self._fs, entry.path)
        try:
            if random_access:
                return self._fs.open_input_file(where)
            return self._fs.open_input_stream(where, compression="detect")
        except OSError as exc:
            raise SourceUnavailable(f"{self.describe()}: cannot open {entry.path}: {' '.join(str(exc).split())}",
                                    hint="was the file removed while loading? rerun the load") from None

    def _infer(self) -> pa.Schema:
        o = self.options
        schema: pa.Schema | None = None
        for entry in self._pending:
            try:
                if o.format == "parquet":
                    found = ff.parquet_schema(self._open(entry, random_access=True))
                elif o.format == "jsonl":
                    found = ff.jsonl_schema(self._open(entry), o)
                else:
                    names = self._names[entry.path] = ff.csv_names(self._open(entry), o, entry.path)
                    found = ff.csv_schema(self._open(entry), o, names, entry.path)
            except (pa.ArrowInvalid, OSError) as exc:
                raise IngestError(f"{self.describe()}: cannot read {entry.path}: {' '.join(str(exc).split())}",
                                  hint=f"is it a {o.format} file?") from None
            schema = ff._unify(schema, found)
        if schema is None:
            schema = pa.schema([(n, t) for n, t in o.columns.items()])
        if self.file_column:
            schema = schema.append(pa.field(self.file_column, pa.string()))
        return schema

    def _file_batches(self, entry: FileEntry, schema: pa.Schema, skip_rows: int, skip_bad: int,
                      counter: dict[str, int]) -> Iterator[pa.RecordBatch]:
        """The rows of one file after the first ``skip_rows`` (and refused lines after ``skip_bad``)."""
        o = self.options
        seen = {"bad": 0}

        def on_bad(bad: ff.Bad) -> None:
            seen["bad"] += 1
            if seen["bad"] > skip_bad:
                self._refused.append(bad)
                counter["bad"] += 1

        data_schema = pa.schema([f for f in schema if f.name != self.file_column])
        try:
            if o.format == "parquet":
                batches = ff.parquet_batches(self._open(entry, random_access=True), min(self.batch_size, 65_536))
            elif o.format == "jsonl":
                batches = ff.jsonl_batches(self._open(entry), o, data_schema, entry.path, on_bad)
            else:
                names = self._names.get(entry.path) or ff.csv_names(self._open(entry), o, entry.path)
                batches = ff.csv_batches(self._open(entry), o, names, data_schema, entry.path, on_bad)
            for batch in batches:
                if skip_rows >= batch.num_rows:
                    skip_rows -= batch.num_rows
                    continue
                batch, skip_rows = batch.slice(skip_rows), 0
                batch = ff.shape(batch, data_schema)
                if self.file_column:
                    batch = batch.append_column(self.file_column, pa.array([entry.path] * batch.num_rows, pa.string()))
                yield batch
        except (pa.ArrowInvalid, OSError) as exc:
            raise IngestError(f"{self.describe()}: reading {entry.path} failed: {' '.join(str(exc).split())}") \
                from None


def options_from(config: Mapping[str, Any], path: str) -> ff.FileOptions:
    """FileOptions from the keys of an ``ingest:`` block (or the Python API's keywords)."""
    fmt = str(config.get("format") or detect_format(path))
    nulls = config.get("null_values")
    nested = str(config.get("nested") or "flatten")
    if nested not in ("flatten", "json"):
        raise ConfigError(f"nested: {nested!r} is not flatten or json")
    delimiter = str(config.get("delimiter") or ("\t" if path.lower().split("?")[0].endswith(".tsv") else ","))
    quote = config.get("quote", '"')
    return ff.FileOptions(
        format=fmt, delimiter=delimiter, header=bool(config.get("header", True)),
        column_names=tuple(config.get("column_names") or ()), quote=quote or None,
        escape=config.get("escape") or None, encoding=str(config.get("encoding") or "utf8"),
        null_values=tuple(str(v) for v in nulls) if nulls is not None else ff.FileOptions.null_values,
        multiline=bool(config.get("multiline", True)),
        columns={str(k): arrow_type(str(v)) for k, v in (config.get("columns") or {}).items()}, nested=nested)


def arrow_type(name: str) -> pa.DataType:
    """An Arrow type from a SQL type name (``bigint``, ``decimal(10,2)``, ``timestamp``, ...), via DuckDB."""
    import re

    import duckdb

    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_ ]*(\(\s*\d+\s*(,\s*\d+\s*)?\))?", name.strip()):
        raise ConfigError(f"column type {name!r} is not a SQL type name", hint="e.g. bigint, double, "
                          "decimal(10,2), varchar, date, timestamp, boolean")
    con = duckdb.connect()
    try:
        return con.sql(f"select cast(null as {name}) as c").to_arrow_table().schema.field("c").type
    except duckdb.Error as exc:
        raise ConfigError(f"unknown column type {name!r}: {exc}") from None
    finally:
        con.close()


def files(path: str, *, format: str | None = None, name: str | None = None,
          storage_options: Mapping[str, Any] | None = None, primary_key: Sequence[str] = (),
          batch_size: int = 100_000, file_column: str | None = None, **options: Any) -> FilesSource:
    """Files matching ``path`` (a local path, glob or ``s3://`` URL) as a source; ``options``
    are the CSV/JSON keys of the ingest block (delimiter, header, quote, encoding,
    null_values, columns, nested, ...)."""
    config = {**options, "format": format} if format else options
    return FilesSource(path, options=options_from(config, path), name=name, storage_options=storage_options,
                       primary_key=primary_key, batch_size=batch_size, file_column=file_column)


__all__ = ["FilesSource", "decode_manifest", "encode_manifest", "files", "options_from"]
