"""Arrow types spelled as SQL types: one walk over Arrow's type tree, the spelling per
dialect (DuckDB's for pointer views and empty selects, Spark's DDL for reads and casts)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pyarrow is heavy to import; only its types are named here
    import pyarrow as pa


@dataclass(frozen=True)
class Spelling:
    """How a dialect writes each kind of Arrow type; ``{}`` slots take the parts."""

    names: dict[str, str]  # scalar kind (see _KINDS) -> type name
    decimal: str  # "...{p}...{s}..."
    timestamp: str
    timestamptz: str
    array: str
    map: str
    struct: str
    field: Callable[[str, str], str]  # (name, type) -> one struct field
    default: str  # types without a spelling (e.g. unions) are read as text


#: Arrow predicates in the order they are tried; the first that holds names the kind
_KINDS = (
    ("boolean", "is_boolean"), ("int8", "is_int8"), ("int16", "is_int16"), ("int32", "is_int32"),
    ("int64", "is_int64"), ("uint8", "is_uint8"), ("uint16", "is_uint16"), ("uint32", "is_uint32"),
    ("uint64", "is_uint64"), ("float32", "is_float32"), ("float64", "is_float64"),
    ("string", "is_string"), ("string", "is_large_string"), ("string", "is_string_view"),
    ("binary", "is_binary"), ("binary", "is_large_binary"), ("date", "is_date"),
)


def spell(t: pa.DataType, how: Spelling) -> str:
    """``t`` as a type name of the dialect ``how`` describes."""
    import pyarrow as pa

    types: Any = pa.types
    for kind, predicate in _KINDS:
        if getattr(types, predicate)(t) and kind in how.names:
            return how.names[kind]
    if types.is_decimal(t):
        return how.decimal.format(p=t.precision, s=t.scale)
    if types.is_timestamp(t):
        return how.timestamptz if t.tz else how.timestamp
    if types.is_list(t) or types.is_large_list(t):
        return how.array.format(spell(t.value_type, how))
    if types.is_map(t):
        return how.map.format(spell(t.key_type, how), spell(t.item_type, how))
    if types.is_struct(t):
        return how.struct.format(", ".join(how.field(f.name, spell(f.type, how)) for f in t))
    return how.default


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


DUCKDB = Spelling(
    names={"boolean": "BOOLEAN", "int8": "TINYINT", "int16": "SMALLINT", "int32": "INTEGER", "int64": "BIGINT",
           "uint8": "UTINYINT", "uint16": "USMALLINT", "uint32": "UINTEGER", "uint64": "UBIGINT",
           "float32": "FLOAT", "float64": "DOUBLE", "string": "VARCHAR", "binary": "BLOB", "date": "DATE"},
    decimal="DECIMAL({p},{s})", timestamp="TIMESTAMP", timestamptz="TIMESTAMPTZ", array="{}[]", map="MAP({}, {})",
    struct="STRUCT({})", field=lambda name, type_: f"{_quoted(name)} {type_}", default="VARCHAR",
)

SPARK = Spelling(
    # Spark has no unsigned integers: each takes the next wider signed type (uint64 may overflow)
    names={"boolean": "boolean", "int8": "tinyint", "int16": "smallint", "int32": "int", "int64": "bigint",
           "uint8": "smallint", "uint16": "int", "uint32": "bigint", "uint64": "bigint",
           "float32": "float", "float64": "double", "string": "string", "binary": "binary", "date": "date"},
    decimal="decimal({p},{s})", timestamp="timestamp_ntz", timestamptz="timestamp", array="array<{}>",
    map="map<{},{}>", struct="struct<{}>", field=lambda name, type_: f"`{name}`:{type_}", default="string",
)

__all__ = ["DUCKDB", "SPARK", "Spelling", "spell"]
