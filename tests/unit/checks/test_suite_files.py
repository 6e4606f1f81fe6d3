"""Suite files and expectation arguments: both YAML shapes, GE's JSON, and errors that name
the file, the line and a did-you-mean."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from weir.checks import Expectation, ExpectationError, expect, load_suite


def write(tmp_path: Path, text: str, name: str = "suite.yml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def error_of(path: Path) -> str:
    with pytest.raises(ExpectationError) as err:
        load_suite(path)
    return str(err.value)


def test_yaml_shapes_and_ge_json_form(tmp_path: Path) -> None:
    path = write(tmp_path, """
name: orders_suite
expectations:
  - expect_column_values_to_not_be_null: {column: order_id}
  - expect_column_values_to_be_between: {column: amount, min_value: 0, max_value: 100000, mostly: 0.99}
  - expectation_type: expect_column_values_to_be_in_set
    kwargs: {column: status, value_set: [a, b]}
  - type: expect_table_row_count_to_be_between
    kwargs: {min_value: 1}
    severity: warning
""")
    suite = load_suite(path)
    assert suite.name == "orders_suite" and len(suite) == 4
    assert suite.expectations[1] == Expectation("expect_column_values_to_be_between", column="amount",
                                                min_value=0, max_value=100000, mostly=0.99)
    assert suite.expectations[3].severity == "warn"
    assert suite.expectations[2].line == 6


def test_ge_json_suite_file(tmp_path: Path) -> None:
    data = {"expectation_suite_name": "ge", "meta": {}, "expectations": [
        {"expectation_type": "expect_column_values_to_be_unique", "kwargs": {"column": "id"}, "meta": {}}]}
    suite = load_suite(write(tmp_path, json.dumps(data, indent=2), "ge.json"))
    assert suite.name == "ge" and suite.expectations[0] == expect.column_values_to_be_unique("id")
    assert suite.to_dict()["expectations"][0] == {"expectation_type": "expect_column_values_to_be_unique",
                                                  "kwargs": {"column": "id"}}


def test_dicts_lists_and_python_builders() -> None:
    e = expect.column_values_to_be_between("amount", 0, 10, mostly=0.5)
    assert e.kwargs == {"column": "amount", "min_value": 0, "max_value": 10, "mostly": 0.5}
    assert load_suite([e, {"expect_column_values_to_not_be_null": {"column": "x"}}]).expectations[0] is e
    assert load_suite({"name": "n", "expectations": []}).name == "n"
    assert Expectation("column_values_to_be_unique", column="a").type == "expect_column_values_to_be_unique"
    with pytest.raises(AttributeError, match="did you mean 'column_values_to_not_be_null'"):
        _ = expect.column_values_to_not_be_nul


def test_unknown_expectation_did_you_mean(tmp_path: Path) -> None:
    path = write(tmp_path, "name: s\nexpectations:\n  - expect_column_values_to_not_be_null: {column: a}\n"
                           "  - expect_column_values_to_be_betwen: {column: a}\n")
    assert error_of(path) == (f"{path}:4: unknown expectation 'expect_column_values_to_be_betwen'\n"
                              "  hint: did you mean 'expect_column_values_to_be_between'?")


def test_unknown_argument_points_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "expectations:\n  - expect_column_values_to_be_between:\n      column: a\n"
                           "      min_value: 0\n      max_vale: 10\n")
    assert error_of(path) == (f"{path}:5: expect_column_values_to_be_between: unknown argument 'max_vale'\n"
                              "  hint: did you mean 'max_value'?")


@pytest.mark.parametrize("kwargs,message", [
    ("{column: a, min_value: [1]}", "min_value: unsupported value of type list"),
    ("{column: 3, min_value: 1}", "column: Input should be a valid string"),
    ("{column: a}", "give min_value, max_value or both"),
    ("{column: a, min_value: 5, max_value: 1}", "min_value 5 is greater than max_value 1"),
    ("{column: a, min_value: 1, mostly: 1.5}", "mostly: Input should be less than or equal to 1"),
    ("{column: a, min_value: 1, severity: fatal}", "severity: Input should be 'error' or 'warn'"),
    ("{column: a, min_value: 1, where: 'drop table x'}", "where: must be a predicate"),
    ("{min_value: 1}", "missing argument 'column'"),
])
def test_bad_arguments(tmp_path: Path, kwargs: str, message: str) -> None:
    path = write(tmp_path, f"expectations:\n  - expect_column_values_to_be_between: {kwargs}\n")
    text = error_of(path)
    assert text.startswith(f"{path}:2: expect_column_values_to_be_between: ") and message in text


def test_regex_that_does_not_compile(tmp_path: Path) -> None:
    path = write(tmp_path, "expectations:\n  - expect_column_values_to_match_regex:\n      column: a\n"
                           "      regex: '([a-z]+'\n")
    assert error_of(path).startswith(f"{path}:4: expect_column_values_to_match_regex: regex: does not compile")


def test_mostly_only_on_row_level_expectations(tmp_path: Path) -> None:
    path = write(tmp_path, "expectations:\n  - expect_column_mean_to_be_between: "
                           "{column: a, min_value: 1, mostly: 0.5}\n")
    assert "'mostly' applies only to row-level expectations" in error_of(path)


def test_bad_max_age() -> None:
    with pytest.raises(ExpectationError, match="'2x' is not an age"):
        expect.column_max_to_be_within_age("ts", "2x")
    assert expect.column_max_to_be_within_age("ts", "1d12h").max_age.total_seconds() == 129600  # type: ignore[union-attr]


def test_yaml_syntax_and_shape_errors(tmp_path: Path) -> None:
    assert error_of(write(tmp_path, "expectations: [\n  - a: {b\n")).startswith(f"{tmp_path / 'suite.yml'}:")
    assert "unknown suite key 'expectatons'" in error_of(write(tmp_path, "name: x\nexpectatons: []\n"))
    path = write(tmp_path, "expectations:\n  - {expect_column_values_to_be_unique: {column: a}, x: 1}\n")
    assert error_of(path).startswith(f"{path}:2: an expectation is one")
    with pytest.raises(ExpectationError, match="cannot read suite"):
        load_suite(tmp_path / "missing.yml")
