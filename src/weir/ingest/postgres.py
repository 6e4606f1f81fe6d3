"""PostgreSQL source: column types from the catalog (psycopg 3), rows read by one of two
paths, both streamed so memory stays bounded by the batch size whatever the table size:

* ``reader="adbc"`` (the default when ``adbc-driver-postgresql`` is installed, as the
  ``postgres`` extra does): binary COPY decoded into Arrow in C++, read in threads ahead
  of the writer; with ``streams=N`` a table read without cursor is split over N COPYs
  of one snapshot, for servers with idle cores (see ``weir.ingest.postgres_adbc``);
* ``reader="csv"`` (the fallback): ``COPY (SELECT ...) TO STDOUT (FORMAT csv)`` through
  psycopg, parsed by ``pyarrow.csv`` in Arrow's threads.

Both give the same table.

Types: smallint/integer/bigint -> int16/32/64, real/double -> float32/64, numeric(p,s)
-> decimal128(p,s) (numeric without precision -> decimal128(38,9)), boolean, text/varchar/
char -> string, date -> date32, timestamp -> timestamp[us], timestamptz -> timestamp[us,
UTC], bytea -> binary, arrays of numbers/text/booleans -> lists, json/jsonb, uuid, time,
interval, enums and anything else -> string (their text form).

    from weir.ingest import load, postgres
    load(postgres.table("postgresql://app@db/shop", "public.orders", cursor="updated_at",
                        primary_key=["order_id"]), into="raw.orders", project=".")
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv

from weir.errors import ConfigError, MissingExtraError
from weir.ingest import postgres_adbc
from weir.ingest.base import IngestError, rebatch
from weir.ingest.sql import SqlSource, connect_error, resolve_connection

_SCALARS: dict[str, pa.DataType] = {
    "int2": pa.int16(), "int4": pa.int32(), "int8": pa.int64(), "float4": pa.float32(), "float8": pa.float64(),
    "bool": pa.bool_(), "text": pa.string(), "varchar": pa.string(), "bpchar": pa.string(), "name": pa.string(),
    "date": pa.date32(), "timestamp": pa.timestamp("us"), "timestamptz": pa.timestamp("us", tz="UTC"),
    "bytea": pa.binary(), "oid": pa.int64(),
}
_AUTH_CODES = ("28P01", "28000")  # invalid_password, invalid_authorization_specification
READERS = ("auto", "adbc", "csv")


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        raise MissingExtraError("psycopg", "postgres") from None
    return psycopg


def arrow_type(type_display: str) -> tuple[pa.DataType, str]:
    """(Arrow type, how the value is selected) of a PostgreSQL column type as psycopg shows it."""
    base = type_display.split("(")[0].strip()
    if type_display.endswith("[]"):  # "int4[]", "numeric(5,1)[]"
        elem, _ = arrow_type(type_display[:-2])
        if pa.types.is_integer(elem) or pa.types.is_floating(elem) or pa.types.is_boolean(elem) \
                or pa.types.is_string(elem) or pa.types.is_decimal(elem):
            return pa.list_(elem), "json"
        return pa.string(), "text"
    if base == "numeric":
        if "(" in type_display:
            p, _, s = type_display.split("(")[1].rstrip(")").partition(",")
            if int(p) <= 38:
                return pa.decimal128(int(p), int(s or 0)), "plain"
            return pa.string(), "text"
        return pa.decimal128(38, 9), "numeric"
    if base in _SCALARS:
        return _SCALARS[base], "plain"
    return pa.string(), "text"


class PostgresSource(SqlSource):
    kind = "postgres"

    def __init__(self, connection: Mapping[str, Any] | str, *, reader: str = "auto", streams: int = 1,
                 **kw: Any) -> None:
        super().__init__(connection, **kw)
        if reader not in READERS:
            raise ConfigError(f"postgres source {self.name}: unknown reader {reader!r}",
                              hint=f"use one of: {', '.join(READERS)}")
        self.reader, self.streams = reader, int(streams)
        self._how: dict[str, str] = {}
        self._pg_type: dict[str, str] = {}

    # -- connection -------------------------------------------------------------------------
    def connection_params(self) -> tuple[dict[str, Any] | str, list[str]]:
        """The resolved connection (a DSN or a mapping) and the secrets it holds."""
        resolved = resolve_connection(self.connection)
        if isinstance(resolved, str):
            return resolved, [resolved]
        return resolved, [str(resolved.get("password") or "")]

    def where(self) -> str:
        resolved = self.connection
        if isinstance(resolved, str):
            from psycopg.conninfo import conninfo_to_dict

            try:
                resolved = conninfo_to_dict(str(resolve_connection(resolved)))
            except Exception:  # an unparsable DSN: say nothing of it
                return "the configured dsn"
        host, port = resolved.get("host", "localhost"), resolved.get("port", 5432)
        return f"{resolved.get('user', '')}@{host}:{port}/{resolved.get('dbname', '')}"

    def connect(self) -> Any:
        psycopg = _psycopg()
        params, secrets = self.connection_params()
        try:
            if isinstance(params, str):
                conn = psycopg.connect(params, autocommit=True, connect_timeout=10)
            else:
                conn = psycopg.connect(autocommit=True, connect_timeout=10, **params)
        except psycopg.OperationalError as exc:
            text = str(exc)
            auth = getattr(exc, "sqlstate", None) in _AUTH_CODES or "authentication failed" in text \
                or ("role" in text and "does not exist" in text) or "password" in text
            raise connect_error("postgres", self.name, self.where(), exc, secrets, auth=auth) from None
        conn.execute("set timezone = 'UTC'")
        conn.execute("set datestyle = 'ISO, YMD'")
        conn.execute("set intervalstyle = 'iso_8601'")
        return conn

    # -- schema ------------------------------------------------------------------------------
    def schema(self) -> pa.Schema:
        if self._schema is None:
            psycopg = _psycopg()
            with self.connect() as conn:
                try:
                    cur = conn.execute(f"select * from {self.from_sql()} limit 0")
                except psycopg.Error as exc:
                    raise IngestError(f"postgres source {self.name}: {' '.join(str(exc).split())}") from None
                fields = []
                for col in cur.description or []:
                    type_, how = arrow_type(col.type_display)
                    fields.append(pa.field(col.name, type_))
                    self._how[col.name] = how
                    self._pg_type[col.name] = col.type_display
            self._schema = pa.schema(fields)
            self.check_columns(self._schema)
        return self._schema

    def _select_list(self) -> list[str]:
        out = []
        for f in self.schema():
            c, how = self.q(f.name), self._how[f.name]
            expr = {"json": f"array_to_json({c})::text", "text": f"{c}::text",
                    "numeric": f"{c}::numeric(38,9)"}.get(how, c)
            out.append(f"{expr} as {c}" if expr != c else c)
        return out

    # -- reading -------------------------------------------------------------------------------
    def uses_adbc(self) -> bool:
        """Whether ``read`` takes the ADBC path (see the module docstring)."""
        if self.reader == "adbc" and not postgres_adbc.available():
            raise MissingExtraError("adbc-driver-postgresql", "postgres")
        return self.reader == "adbc" or (self.reader == "auto" and postgres_adbc.available())

    def copy_query(self, columns: list[str], state: dict[str, Any], where: str = "") -> str:
        """The SELECT (``where``: a predicate for a read without cursor), with the cursor as
        a quoted literal (COPY takes no parameters)."""
        from psycopg import sql as psql

        query, params = self.select_sql(columns, state)
        if params:
            head, _, tail = query.rpartition("%s")
            query = head + psql.Literal(params[0]).as_string(None) + tail
        if where:
            assert not self.cursor, "a read in cursor order is one stream"
            query += f" where {where}"
        return query

    def read(self, state: dict[str, Any]) -> Iterator[pa.RecordBatch]:
        if self.uses_adbc():
            return rebatch(postgres_adbc.read(self, state), self.batch_size)
        return self._read_csv(state)

    def adbc_column(self, name: str) -> str:
        """A column of the SELECT list the ADBC path reads."""
        c = self.q(name)
        expr = postgres_adbc.server_expression(c, self._how[name], self._pg_type.get(name, ""))
        return f"{expr} as {c}" if expr != c else c

    def _read_csv(self, state: dict[str, Any]) -> Iterator[pa.RecordBatch]:
        psycopg = _psycopg()
        schema = self.schema()
        query = self.copy_query(self._select_list(), state)
        with self.connect() as conn:
            csv_types = {f.name: f.type if self._how[f.name] == "plain" and not pa.types.is_binary(f.type)
                         else pa.string() for f in schema}
            options = pcsv.ConvertOptions(column_types=csv_types, true_values=["t"], false_values=["f"],
                                          null_values=[""], strings_can_be_null=True,
                                          quoted_strings_can_be_null=False)
            read = pcsv.ReadOptions(column_names=schema.names, block_size=8 << 20)
            try:
                with conn.cursor().copy(f"copy ({query}) to stdout (format csv)") as copy:
                    reader = pcsv.open_csv(_CopyFile(copy), read_options=read, convert_options=options)
                    yield from rebatch((self._finish(b, schema) for b in reader), self.batch_size)
            except (psycopg.Error, pa.ArrowInvalid) as exc:
                raise IngestError(f"postgres source {self.name}: reading failed: {' '.join(str(exc).split())}") \
                    from None

    def _finish(self, batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
        """Columns CSV cannot carry typed: arrays (sent as JSON) and bytea (sent as hex)."""
        arrays = []
        for f, col in zip(schema, batch.columns, strict=True):
            if self._how[f.name] == "json":
                parse_float = Decimal if pa.types.is_decimal(f.type.value_type) else float
                col = pa.array([None if v is None else json.loads(v, parse_float=parse_float)
                                for v in col.to_pylist()], type=f.type)
            elif pa.types.is_binary(f.type):
                col = pa.array([None if v is None else bytes.fromhex(v[2:]) for v in col.to_pylist()],
                               type=f.type)
            arrays.append(col)
        return pa.RecordBatch.from_arrays(arrays, schema=schema)


class _CopyFile(io.RawIOBase):
    """A readable file over psycopg's COPY rows (pyarrow reads it in big blocks)."""

    def __init__(self, copy: Any) -> None:
        self._rows = iter(copy)
        self._buf = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        view = memoryview(b).cast("B")
        filled = 0
        while filled < len(view):
            if not self._buf:
                chunk = next(self._rows, None)
                if chunk is None:
                    break
                self._buf = memoryview(bytes(chunk))
            n = min(len(view) - filled, len(self._buf))
            view[filled:filled + n] = self._buf[:n]
            self._buf = self._buf[n:]
            filled += n
        return filled


def table(connection: Mapping[str, Any] | str, table: str | None = None, *, query: str | None = None,
          cursor: str | None = None, primary_key: Sequence[str] = (), batch_size: int = 100_000,
          name: str | None = None, reader: str = "auto", streams: int = 1) -> PostgresSource:
    """A PostgreSQL table (``"schema.table"``) or ``query=`` as a source (``reader``,
    ``streams``: see the module docstring)."""
    return PostgresSource(connection, table=table, query=query, cursor=cursor, primary_key=primary_key,
                          batch_size=batch_size, name=name, reader=reader, streams=streams)


__all__ = ["PostgresSource", "arrow_type", "table"]
