"""``weir.check(data, suite)`` on pandas, polars, Arrow and files (CSV, Parquet, Delta)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import weir
from weir.checks import expect
from weir.errors import ConfigError

SUITE = {"name": "s", "expectations": [
    {"expect_column_values_to_not_be_null": {"column": "a"}},
    {"expect_column_values_to_be_between": {"column": "b", "min_value": 0, "max_value": 10}},
    {"expect_column_values_to_be_unique": {"column": "a"}},
]}
TABLE = pa.table({"a": [1, 2, None, 2], "b": [1.0, 20.0, 3.0, None]})


def verdicts(result: weir.checks.SuiteResult) -> list[tuple[bool, int | None]]:  # type: ignore[name-defined]
    return [(r.success, r.unexpected_count) for r in result.results]


EXPECTED = [(False, 1), (False, 1), (False, 2)]


def test_arrow_pandas_polars() -> None:
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    for data in (TABLE, TABLE.to_pandas(), pl.from_arrow(TABLE), TABLE.to_reader()):
        result = weir.check(data, SUITE)
        assert verdicts(result) == EXPECTED, type(data)
        assert not result.success
    assert weir.check(pd.DataFrame({"a": [1, 2]}), [expect.column_values_to_be_unique("a")]).success


def test_files(tmp_path: Path) -> None:
    csv = tmp_path / "t.csv"
    csv.write_text("a,b\n1,1.0\n2,20.0\n,3.0\n2,\n")
    pq.write_table(TABLE, tmp_path / "t.parquet")
    for path in (csv, str(tmp_path / "t.parquet")):
        assert verdicts(weir.check(path, SUITE)) == EXPECTED


def test_delta_folder(tmp_path: Path) -> None:
    from deltalake import write_deltalake

    write_deltalake(str(tmp_path / "d"), TABLE)
    write_deltalake(str(tmp_path / "d"), pa.table({"a": [7], "b": [1.0]}), mode="append")
    result = weir.check(tmp_path / "d", SUITE)
    assert verdicts(result) == EXPECTED
    assert result.results[0].element_count == 5


def test_suite_file_path_and_errors(tmp_path: Path) -> None:
    suite = tmp_path / "s.yml"
    suite.write_text("expectations:\n  - expect_column_values_to_not_be_null: {column: a}\n")
    assert not weir.check(TABLE, suite).success
    with pytest.raises(ConfigError, match="no such file"):
        weir.check(tmp_path / "nope.parquet", suite)
    with pytest.raises(ConfigError, match="cannot check a dict"):
        weir.check({"a": [1]}, suite)
