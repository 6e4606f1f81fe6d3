"""Arrow types spelled for DuckDB (pointer views) and Spark (DDL), through one walk."""

from __future__ import annotations

import pyarrow as pa
import pytest

from weir.sql.arrow_types import DUCKDB, SPARK, spell

NESTED = pa.struct([("a", pa.int32()), ('b "x"', pa.list_(pa.map_(pa.string(), pa.decimal128(10, 2))))])


@pytest.mark.parametrize(("arrow", "duckdb", "spark"), [
    (pa.bool_(), "BOOLEAN", "boolean"),
    (pa.int16(), "SMALLINT", "smallint"),
    (pa.uint8(), "UTINYINT", "smallint"),
    (pa.uint64(), "UBIGINT", "bigint"),
    (pa.float32(), "FLOAT", "float"),
    (pa.large_string(), "VARCHAR", "string"),
    (pa.large_binary(), "BLOB", "binary"),
    (pa.date32(), "DATE", "date"),
    (pa.timestamp("us"), "TIMESTAMP", "timestamp_ntz"),
    (pa.timestamp("us", tz="UTC"), "TIMESTAMPTZ", "timestamp"),
    (pa.decimal128(38, 9), "DECIMAL(38,9)", "decimal(38,9)"),
    (NESTED, 'STRUCT("a" INTEGER, "b ""x""" MAP(VARCHAR, DECIMAL(10,2))[])',
     'struct<`a`:int, `b "x"`:array<map<string,decimal(10,2)>>>'),
    (pa.null(), "VARCHAR", "string"),
])
def test_spellings(arrow: pa.DataType, duckdb: str, spark: str) -> None:
    assert spell(arrow, DUCKDB) == duckdb
    assert spell(arrow, SPARK) == spark


def test_the_spellings_are_valid_types() -> None:
    import duckdb as db

    for t in (pa.uint8(), NESTED, pa.timestamp("us", tz="UTC"), pa.list_(pa.int64())):
        assert db.sql(f"select cast(null as {spell(t, DUCKDB)}) as x").fetchall() == [(None,)]
