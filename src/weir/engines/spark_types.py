"""Type names between Spark, Arrow and weir's SQL (DuckDB spelling): columns are
reported with DuckDB names so the materializations' casts read the same on both engines."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from weir.sql.arrow_types import SPARK, spell

_SIMPLE = {
    "string": "VARCHAR", "bigint": "BIGINT", "int": "INTEGER", "smallint": "SMALLINT", "tinyint": "TINYINT",
    "double": "DOUBLE", "float": "FLOAT", "boolean": "BOOLEAN", "date": "DATE", "timestamp_ntz": "TIMESTAMP",
    "timestamp": "TIMESTAMP WITH TIME ZONE", "binary": "BLOB", "void": "INTEGER",
}


def duck_type(spark_type: Any) -> str:
    """A Spark DataType as weir's (DuckDB) type name."""
    name = spark_type.simpleString()
    if name in _SIMPLE:
        return _SIMPLE[name]
    if name.startswith("decimal"):
        return name.upper()
    kind = type(spark_type).__name__
    if kind == "ArrayType":
        return f"{duck_type(spark_type.elementType)}[]"
    if kind == "MapType":
        return f"MAP({duck_type(spark_type.keyType)}, {duck_type(spark_type.valueType)})"
    if kind == "StructType":
        return "STRUCT(" + ", ".join(f'"{f.name}" {duck_type(f.dataType)}' for f in spark_type.fields) + ")"
    return "VARCHAR"


def spark_ddl(t: pa.DataType) -> str:
    """An Arrow type as a Spark DDL type (for empty tables and casts on read)."""
    return spell(t, SPARK)


def arrow_schema(spark_schema: Any) -> pa.Schema:
    """The Arrow schema of a Spark DataFrame's schema, every field nullable (as the
    embedded engine writes them, so both engines can append to one table)."""
    from pyspark.sql.pandas.types import to_arrow_schema

    # TIMESTAMP (with local time zone) is stored as UTC instants: the session runs in UTC
    schema = to_arrow_schema(spark_schema, timezone="UTC")
    return pa.schema([pa.field(f.name, f.type, nullable=True) for f in schema])


__all__ = ["arrow_schema", "duck_type", "spark_ddl"]
