"""The columnar read path of the PostgreSQL source: the ADBC PostgreSQL driver (PyPI
``adbc-driver-postgresql``, part of the ``postgres`` extra) runs ``COPY (SELECT ...) TO
STDOUT (FORMAT binary)`` and decodes it into Arrow record batches in C++ — no Python
object per row, no text formatting or parsing.

The batches are then cast, vectorized, to weir's type mapping where ADBC's differs:
numerics (and numeric arrays) are sent as text and become decimal128(p, s), timestamptz
is normalised to UTC. Columns weir keeps as text (json, uuid, time, interval, enums,
...) are cast to text by the server, as on the CSV path, and ``oid`` is widened to bigint
there (ADBC would read it as a signed int32).

Reading runs in a thread ahead of the writer (``weir.ingest.pipe.prefetch``), so while
delta-rs encodes Parquet the next batch is already on its way.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

#: session settings that make server-side ``::text`` casts match the CSV path's
SESSION_OPTIONS = "-c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=iso_8601"
#: bytes of COPY data ADBC decodes into one record batch (its default is 16 MiB)
BATCH_BYTES = 16 << 20


def available() -> bool:
    """True when the ADBC PostgreSQL driver can be imported."""
    try:
        import adbc_driver_postgresql.dbapi  # noqa: F401
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


def connect(info: str) -> Any:
    import adbc_driver_postgresql.dbapi as dbapi

    return dbapi.connect(info)


def batches(conn: Any, query: str, schema: pa.Schema, *, batch_bytes: int = BATCH_BYTES) -> Iterator[pa.RecordBatch]:
    """The rows of ``query`` as record batches of ``schema`` (streamed; ``conn`` stays open)."""
    cur = conn.cursor()
    try:
        cur.adbc_statement.set_options(**{"adbc.postgresql.batch_size_hint_bytes": str(batch_bytes)})
        cur.execute(query)
        reader = cur.fetch_record_batch()
        for batch in reader:
            yield to_schema(batch, schema)
    finally:
        cur.close()


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
