"""The columnar read path of the PostgreSQL source: the ADBC PostgreSQL driver (PyPI
``adbc-driver-postgresql``, part of the ``postgres`` extra) runs ``COPY (SELECT ...) TO
STDOUT (FORMAT binary)`` and decodes it into Arrow record batches in C++ — no Python
object per row, no text formatting or parsing.

The batches are then cast, vectorized, to weir's type mapping where ADBC's differs:
numerics (and numeric arrays) are sent as text and become decimal128(p, s), timestamptz
is normalised to UTC. Columns weir keeps as text (json, uuid, time, interval, enums,
...) are cast to text by the server, as on the CSV path, and ``oid`` is widened to bigint
there (ADBC would read it as a signed int32).

Reading runs in threads ahead of the writer (``weir.ingest.pipe.merge``), so while
delta-rs encodes Parquet the next batch is already on its way. With ``streams=N`` (default
1) a read that needs no order (no cursor) of a plain table is split over N COPYs of disjoint ``ctid`` ranges
(TID range scans, PostgreSQL 14+), each on its own connection and all in one snapshot
(``pg_export_snapshot``), so the rows are exactly those one COPY would give while the
server formats them on several cores.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from weir.ingest.base import IngestError
from weir.ingest.pipe import merge
from weir.ingest.sql import connect_error, scrub

if TYPE_CHECKING:
    from weir.ingest.postgres import PostgresSource

#: session settings that make server-side ``::text`` casts match the CSV path's
SESSION_OPTIONS = "-c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=iso_8601"
#: bytes of COPY data ADBC decodes into one record batch (its default is 16 MiB)
BATCH_BYTES = 16 << 20
#: a table is split over several COPY streams only where each gets this many 8 KiB pages
MIN_PAGES_PER_STREAM = 1024


def available() -> bool:
    """True when the ADBC PostgreSQL driver can be imported."""
    try:
        import adbc_driver_manager  # noqa: F401
        import adbc_driver_postgresql  # noqa: F401
    except ImportError:
        return False
    return True


def conninfo(params: Mapping[str, Any] | str) -> str:
    """A libpq connection string for ``params`` (a DSN or a mapping), with weir's session options."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    base = dict(conninfo_to_dict(params)) if isinstance(params, str) else {k: v for k, v in params.items()}
    options = " ".join(part for part in (str(base.pop("options", "") or ""), SESSION_OPTIONS) if part)
    base.setdefault("connect_timeout", 10)
    return str(make_conninfo("", **base, options=options))


def server_expression(column: str, how: str, type_display: str) -> str:
    """What the SELECT list reads for a column (``how`` as ``postgres.arrow_type`` says):
    as is, or cast by the server. Numerics are sent as text: the server formats them for
    less than ADBC's binary-numeric decoding costs, and Arrow parses text into decimal128
    quickly."""
    base, array = type_display.split("(")[0].strip().removesuffix("[]"), type_display.endswith("[]")
    if how == "text":
        return f"{column}::text"
    if how == "numeric":
        return f"{column}::numeric(38,9)::text"
    if base == "numeric":  # numeric(p,s), numeric[] and numeric(p,s)[]
        if not array:
            return f"{column}::text"
        return f"{column}::text[]" if "(" in type_display else f"{column}::numeric(38,9)[]::text[]"
    if base == "oid" and not array:
        return f"{column}::int8"
    return column  # arrays ("json" on the CSV path) come natively as Arrow lists


def read(src: PostgresSource, state: dict[str, Any]) -> Iterator[pa.RecordBatch]:
    """The rows ``src`` reads from ``state`` on, as batches of its schema (any batch size)."""
    schema = src.schema()
    columns = [src.adbc_column(f.name) for f in schema]
    params, secrets = src.connection_params()
    info = conninfo(params)
    with shared_snapshot(src) as (snapshot, ranges):
        streams = [_stream(src, info, src.copy_query(columns, state, where=r), snapshot, secrets) for r in ranges]
        for batch in merge(streams, name=f"weir-read-{src.name}"):
            try:  # here, not in the reader threads: they are the busier side
                yield to_schema(batch, schema)
            except pa.ArrowInvalid as exc:
                raise IngestError(f"postgres source {src.name}: reading failed: {exc}") from None


def _stream(src: PostgresSource, info: str, query: str, snapshot: str | None,
            secrets: list[str]) -> Iterator[pa.RecordBatch]:
    import adbc_driver_manager

    try:
        conn = connect(info, snapshot)
    except adbc_driver_manager.Error as exc:
        text = str(exc)
        auth = "authentication failed" in text or ("role" in text and "does not exist" in text)
        raise connect_error("postgres", src.name, src.where(), exc, secrets, auth=auth) from None
    try:
        yield from conn.batches(query)
    except (adbc_driver_manager.Error, OSError) as exc:  # OSError: failed after the first batch
        detail = scrub(" ".join(str(exc).split()), secrets)
        raise IngestError(f"postgres source {src.name}: reading failed: {detail}") from None
    finally:
        conn.close()


def connect(info: str, snapshot: str | None = None) -> Connection:
    """An ADBC connection; in a transaction on ``snapshot`` (an exported one) when given."""
    conn = Connection(info)
    if snapshot is None:
        return conn
    try:
        conn.begin()
        conn.execute("set transaction isolation level repeatable read")
        conn.execute("set transaction snapshot '" + snapshot.replace("'", "''") + "'")
    except BaseException:
        conn.close()
        raise
    return conn


class Connection:
    """One ADBC PostgreSQL connection, through the driver manager's low-level API (its
    DB-API module imports pandas and polars: seconds of start-up for nothing here)."""

    def __init__(self, info: str) -> None:
        import adbc_driver_manager as adbc
        import adbc_driver_postgresql

        self._adbc = adbc
        self._db = adbc_driver_postgresql.connect(info)
        try:
            self._conn = adbc.AdbcConnection(self._db)
        except BaseException:
            self._db.close()
            raise

    def begin(self) -> None:
        """Leave autocommit: the driver opens a transaction (ended by ``close``)."""
        self._conn.set_autocommit(False)

    def execute(self, sql: str) -> None:
        stmt = self._adbc.AdbcStatement(self._conn)
        try:
            stmt.set_sql_query(sql)
            stmt.execute_update()
        finally:
            stmt.close()

    def batches(self, sql: str, *, batch_bytes: int = BATCH_BYTES) -> Iterator[pa.RecordBatch]:
        """The rows of ``sql`` as ADBC's record batches (streamed)."""
        stmt = self._adbc.AdbcStatement(self._conn)
        try:
            stmt.set_options(**{"adbc.postgresql.batch_size_hint_bytes": str(batch_bytes)})
            stmt.set_sql_query(sql)
            stream, _ = stmt.execute_query()
            reader = pa.RecordBatchReader.from_stream(stream)
            try:
                yield from reader
            finally:
                reader.close()
        finally:
            stmt.close()

    def close(self) -> None:
        try:
            self._conn.close()
        finally:
            self._db.close()


@contextmanager
def shared_snapshot(src: PostgresSource) -> Iterator[tuple[str | None, list[str]]]:
    """(exported snapshot, one ctid predicate per stream) for reading ``src``; (None, [""])
    for one plain COPY: when rows must come in cursor order, for queries, small tables,
    partitioned parents, servers before 14 (no TID range scans)."""
    if src.cursor or src.table is None or src.streams <= 1:
        yield None, [""]
        return
    conn = src.connect()
    try:
        conn.execute("begin isolation level repeatable read")
        row = conn.execute("select c.relkind::text, pg_relation_size(c.oid) / current_setting('block_size')::int8, "
                           "current_setting('server_version_num')::int from pg_class c where c.oid = %s::regclass",
                           (src.from_sql(),)).fetchone()
        kind, pages, version = row if row else ("", 0, 0)
        streams = min(src.streams, pages // MIN_PAGES_PER_STREAM) if kind in ("r", "m") and version >= 140000 else 1
        if streams <= 1:
            yield None, [""]
        else:
            snapshot = conn.execute("select pg_export_snapshot()").fetchone()[0]
            yield snapshot, ctid_ranges(pages, streams)  # the snapshot lives while this transaction does
    finally:
        conn.close()


def ctid_ranges(pages: int, streams: int) -> list[str]:
    """Predicates splitting a table of ``pages`` pages into ``streams`` ctid ranges that
    cover every row (the first and last are open-ended: pages added meanwhile are read)."""
    step = -(-pages // streams)
    cuts = [f"'({i * step},0)'::tid" for i in range(1, streams)]
    preds = [f"ctid < {cuts[0]}"]
    preds += [f"ctid >= {lo} and ctid < {hi}" for lo, hi in itertools.pairwise(cuts)]
    return [*preds, f"ctid >= {cuts[-1]}"]


def to_schema(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """``batch`` with ``schema``'s names and types (vectorized casts where ADBC's types differ)."""
    arrays = []
    for col, f in zip(batch.columns, schema, strict=True):
        try:
            arrays.append(_cast(col, f.type))
        except pa.ArrowInvalid as exc:  # NaN in a numeric column, ...
            raise pa.ArrowInvalid(f"column {f.name!r} cannot be read as {f.type}: {exc}") from None
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _cast(col: pa.Array, type_: pa.DataType) -> pa.Array:
    if col.type == type_:
        return col
    if isinstance(col, pa.ExtensionArray):
        col = col.storage
    return pc.cast(col, type_)
