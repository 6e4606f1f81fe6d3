"""Seed column types, as dbt (agate's type tester + dbt-duckdb) infers them from raw CSV text.

The expectations were checked against dbt-core 1.x + dbt-duckdb: agate tries Number, Date
(``%Y-%m-%d``), DateTime (``%Y-%m-%d %H:%M:%S``), ISO-8601 datetime, Boolean (true/false), then
Text; a Number column is ``integer`` unless some value has decimal places once normalized.
"""

from __future__ import annotations

import pytest

from weir.materialize.seeds import infer_type


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # integers
        (["1", "2", "3"], "INTEGER"),
        (["-3", "4", "0"], "INTEGER"),
        ([" 4 ", "5"], "INTEGER"),
        # leading zeros are still numbers to agate: 007 -> 7
        (["007", "010"], "INTEGER"),
        # agate's Number also strips group separators, currency and percent signs
        (["1,000", "2"], "INTEGER"),
        (["$5", "3"], "INTEGER"),
        (["10%"], "INTEGER"),
        # decimals
        (["1.5", "2"], "DOUBLE"),
        (["1.50"], "DOUBLE"),
        (["-0.5"], "DOUBLE"),
        (["1", "2.25", "3"], "DOUBLE"),
        # dates and datetimes
        (["2024-01-15", "1999-12-31"], "DATE"),
        (["2024-01-15 09:30:00", "2024-02-29 23:59:59"], "TIMESTAMP"),
        (["2024-01-15T09:30:00"], "TIMESTAMP"),
        (["2024-01-15T09:30:00Z"], "TIMESTAMP"),
        (["2024-01-15T09:30"], "TIMESTAMP"),
        (["2024-01-15T09:30:00.123+02:00"], "TIMESTAMP"),
        # booleans: only true/false, any case
        (["true", "false"], "BOOLEAN"),
        (["True", "FALSE", "true"], "BOOLEAN"),
        # text
        (["abc", "def"], "VARCHAR"),
        (["abc", "1"], "VARCHAR"),
        (["yes", "no"], "VARCHAR"),
        (["true", "1"], "VARCHAR"),
        (["Y", "N"], "VARCHAR"),
    ],
)
def test_infer_type(values: list[str], expected: str) -> None:
    assert infer_type(values) == expected


def test_date_mixed_with_datetime_is_text() -> None:
    # neither Date, DateTime (fixed format) nor ISO-8601 (needs a T) accepts both
    assert infer_type(["2024-01-15", "2024-01-15 09:30:00"]) == "VARCHAR"


def test_space_separated_datetime_with_fraction_is_text() -> None:
    # agate's DateTime has a fixed format without fractions, and ISO-8601 needs a T
    assert infer_type(["2024-01-15 09:30:00.5"]) == "VARCHAR"


def test_impossible_date_is_text() -> None:
    assert infer_type(["2024-02-30"]) == "VARCHAR"


def test_slash_dates_are_text() -> None:
    assert infer_type(["2000/01/01"]) == "VARCHAR"


def test_empty_and_null_values_are_ignored() -> None:
    assert infer_type(["", "3", "null"]) == "INTEGER"
    assert infer_type(["", "1.5"]) == "DOUBLE"
    assert infer_type(["2024-01-15", "", "NULL"]) == "DATE"
    assert infer_type(["true", "null", ""]) == "BOOLEAN"
    assert infer_type(["x", ""]) == "VARCHAR"


def test_all_null_column_is_integer() -> None:
    assert infer_type(["", "", ""]) == "INTEGER"
    assert infer_type(["null", "NULL", ""]) == "INTEGER"


def test_no_rows_is_integer() -> None:
    assert infer_type([]) == "INTEGER"


def test_whitespace_only_is_null() -> None:
    assert infer_type(["  ", "5"]) == "INTEGER"


def test_whole_decimals_are_integer_like_dbt() -> None:
    # agate measures decimal places of the *normalized* value: 1.0 has none, so dbt makes
    # the column INTEGER (`dbt seed` on x=1.0,2.0 gives an INTEGER column with 1 and 2)
    assert infer_type(["1.0", "2.0"]) == "INTEGER"
    assert infer_type(["0.0", "3"]) == "INTEGER"
    assert infer_type(["1.0", "2.5"]) == "DOUBLE"
