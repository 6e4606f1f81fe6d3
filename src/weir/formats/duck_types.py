"""DuckDB type names for Arrow types: the casts of a pointer view's SELECT."""

from __future__ import annotations

import pyarrow as pa


def q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def duck_type(t: pa.DataType) -> str:
    if pa.types.is_boolean(t):
        return "BOOLEAN"
    if pa.types.is_int8(t):
        return "TINYINT"
    if pa.types.is_int16(t):
        return "SMALLINT"
    if pa.types.is_int32(t):
        return "INTEGER"
    if pa.types.is_int64(t):
        return "BIGINT"
    if pa.types.is_float32(t):
        return "FLOAT"
    if pa.types.is_float64(t):
        return "DOUBLE"
    if pa.types.is_decimal(t):
        return f"DECIMAL({t.precision},{t.scale})"  # type: ignore[attr-defined]
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "VARCHAR"
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return "BLOB"
    if pa.types.is_date(t):
        return "DATE"
    if pa.types.is_timestamp(t):
        return "TIMESTAMPTZ" if t.tz else "TIMESTAMP"  # type: ignore[attr-defined]
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return f"{duck_type(t.value_type)}[]"  # type: ignore[attr-defined]
    if pa.types.is_struct(t):
        fields = ", ".join(f"{q(f.name)} {duck_type(f.type)}" for f in t)  # type: ignore[attr-defined]
        return f"STRUCT({fields})"
    if pa.types.is_map(t):
        return f"MAP({duck_type(t.key_type)}, {duck_type(t.item_type)})"  # type: ignore[attr-defined]
    return "VARCHAR"


def file_list(paths: list[str]) -> str:
    """A DuckDB list literal of file paths."""
    return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"


def empty_select(schema: pa.Schema) -> str:
    """A SELECT with the columns of ``schema`` and no rows."""
    nulls = ", ".join(f"cast(null as {duck_type(f.type)}) as {q(f.name)}" for f in schema)
    return f"select {nulls} where false"
