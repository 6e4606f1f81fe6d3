"""DuckDB type names for Arrow types: the casts of a pointer view's SELECT."""

from __future__ import annotations

import pyarrow as pa

from weir.sql.arrow_types import DUCKDB, spell


def q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def duck_type(t: pa.DataType) -> str:
    """An Arrow type as a DuckDB type name."""
    return spell(t, DUCKDB)


def file_list(paths: list[str]) -> str:
    """A DuckDB list literal of file paths."""
    return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"


def empty_select(schema: pa.Schema) -> str:
    """A SELECT with the columns of ``schema`` and no rows."""
    nulls = ", ".join(f"cast(null as {duck_type(f.type)}) as {q(f.name)}" for f in schema)
    return f"select {nulls} where false"
