"""MySQL / MariaDB source (PyMySQL): an unbuffered server-side cursor (``SSCursor``)
fetched ``batch_size`` rows at a time into Arrow, so memory stays bounded.

Types: tinyint/smallint/mediumint/int/bigint -> int8/16/32/32/64 (unsigned -> the next
wider signed type, bigint unsigned -> decimal(20,0)), float/double -> float32/64,
decimal(p,s) -> decimal128(p,s), date -> date32, datetime -> timestamp[us], timestamp ->
timestamp[us, UTC] (the session runs in UTC), char/varchar/text/json/enum/set -> string,
binary/varbinary/blob -> binary, bit -> int64, time -> string, year -> int16.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import unquote, urlparse

import pyarrow as pa

from weir.errors import ConfigError, MissingExtraError
from weir.ingest.base import IngestError
from weir.ingest.sql import SqlSource, connect_error, resolve_connection

_BINARY_CHARSET = 63
_AUTH_CODES = (1045, 1044, 1698)  # access denied (user/password, database), no password for root


def _pymysql() -> Any:
    try:
        import pymysql
    except ImportError:
        raise MissingExtraError("pymysql", "mysql") from None
    return pymysql


def arrow_type(type_code: int, length: int, scale: int, unsigned: bool, charset: int) -> pa.DataType:
    """The Arrow type of a MySQL result column (PyMySQL's field type code and flags)."""
    from pymysql.constants import FIELD_TYPE as T

    ints = {T.TINY: 8, T.SHORT: 16, T.INT24: 32, T.LONG: 32, T.LONGLONG: 64}
    if type_code in ints:
        bits = ints[type_code]
        if unsigned:
            return {8: pa.int16(), 16: pa.int32(), 32: pa.int64()}.get(bits, pa.decimal128(20, 0))
        return {8: pa.int8(), 16: pa.int16(), 32: pa.int32(), 64: pa.int64()}[bits]
    if type_code in (T.DECIMAL, T.NEWDECIMAL):
        precision = length - (1 if scale else 0) - (0 if unsigned else 1)
        return pa.decimal128(max(1, min(precision, 38)), scale)
    simple = {T.FLOAT: pa.float32(), T.DOUBLE: pa.float64(), T.DATE: pa.date32(), T.NEWDATE: pa.date32(),
              T.DATETIME: pa.timestamp("us"), T.TIMESTAMP: pa.timestamp("us", tz="UTC"), T.YEAR: pa.int16(),
              T.BIT: pa.int64(), T.TIME: pa.string(), T.JSON: pa.string()}
    if type_code in simple:
        return simple[type_code]
    blobs = (T.TINY_BLOB, T.MEDIUM_BLOB, T.LONG_BLOB, T.BLOB, T.VAR_STRING, T.STRING, T.VARCHAR, T.GEOMETRY)
    if type_code in blobs and charset == _BINARY_CHARSET:
        return pa.binary()
    return pa.string()


def _convert(values: list[Any], type_: pa.DataType) -> pa.Array:
    if pa.types.is_string(type_):
        values = [v if v is None or isinstance(v, str) else
                  v.decode() if isinstance(v, bytes) else str(v) for v in values]
    elif pa.types.is_integer(type_) and any(isinstance(v, bytes) for v in values):  # BIT(n)
        values = [None if v is None else int.from_bytes(v, "big") for v in values]
    return pa.array(values, type=type_)


class MySQLSource(SqlSource):
    kind = "mysql"
    quote_char = "`"

    def _params(self) -> tuple[dict[str, Any], list[str]]:
        resolved = resolve_connection(self.connection)
        if isinstance(resolved, str):
            dsn = resolved
            url = urlparse(dsn)
            if url.scheme not in ("mysql", "mariadb", "mysql+pymysql"):
                raise ConfigError(f"mysql source {self.name}: dsn must look like mysql://user:password@host:port/db")
            resolved = {"host": url.hostname or "localhost", "port": url.port or 3306,
                        "user": unquote(url.username or ""), "password": unquote(url.password or ""),
                        "database": url.path.lstrip("/") or None}
            return resolved, [dsn, str(resolved["password"])]
        params = dict(resolved)
        if "dbname" in params:
            params["database"] = params.pop("dbname")
        if "port" in params:
            params["port"] = int(params["port"])
        return params, [str(params.get("password") or "")]

    def where(self) -> str:
        try:
            p, _ = self._params()
        except Exception:  # an unresolvable setting: say nothing of it
            return "the configured connection"
        return f"{p.get('user', '')}@{p.get('host', 'localhost')}:{p.get('port', 3306)}/{p.get('database') or ''}"

    def connect(self, *, unbuffered: bool = False) -> Any:
        pymysql = _pymysql()
        params, secrets = self._params()
        cursorclass = pymysql.cursors.SSCursor if unbuffered else pymysql.cursors.Cursor
        try:
            conn = pymysql.connect(connect_timeout=10, cursorclass=cursorclass, charset="utf8mb4",
                                   init_command="set time_zone = '+00:00'", **params)
        except pymysql.err.OperationalError as exc:
            code = exc.args[0] if exc.args else None
            raise connect_error("mysql", self.name, self.where(), exc, secrets, auth=code in _AUTH_CODES) from None
        return conn

    def schema(self) -> pa.Schema:
        if self._schema is None:
            from pymysql.constants import FLAG

            pymysql = _pymysql()
            conn = self.connect()
            try:
                with conn.cursor() as cur:
                    try:
                        cur.execute(f"select * from {self.from_sql()} limit 0")
                    except pymysql.err.MySQLError as exc:
                        raise IngestError(f"mysql source {self.name}: {exc.args[-1]}") from None
                    fields = [pa.field(f.name, arrow_type(f.type_code, f.length, f.scale,
                                                          bool(f.flags & FLAG.UNSIGNED), f.charsetnr))
                              for f in cur._result.fields]
            finally:
                conn.close()
            self._schema = pa.schema(fields)
            self.check_columns(self._schema)
        return self._schema

    def read(self, state: dict[str, Any]) -> Iterator[pa.RecordBatch]:
        pymysql = _pymysql()
        schema = self.schema()
        query, params = self.select_sql([self.q(n) for n in schema.names], state)
        conn = self.connect(unbuffered=True)
        try:
            with conn.cursor() as cur:
                try:
                    cur.execute(query, params or None)
                    while rows := cur.fetchmany(self.batch_size):
                        columns = list(zip(*rows, strict=True))
                        yield pa.RecordBatch.from_arrays(
                            [_convert(list(c), f.type) for c, f in zip(columns, schema, strict=True)], schema=schema)
                except pymysql.err.MySQLError as exc:
                    raise IngestError(f"mysql source {self.name}: reading failed: {exc.args[-1]}") from None
        finally:
            conn.close()


def table(connection: Mapping[str, Any] | str, table: str | None = None, *, query: str | None = None,
          cursor: str | None = None, primary_key: Sequence[str] = (), batch_size: int = 100_000,
          name: str | None = None) -> MySQLSource:
    """A MySQL/MariaDB table (``"db.table"`` or ``"table"``) or ``query=`` as a source."""
    return MySQLSource(connection, table=table, query=query, cursor=cursor, primary_key=primary_key,
                       batch_size=batch_size, name=name)



__all__ = ["MySQLSource", "arrow_type", "table"]
