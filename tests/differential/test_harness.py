"""The differential harness's own comparison logic: it must be lenient only where intended."""

from __future__ import annotations

import datetime as dt
import decimal
import importlib.util
import sys
from pathlib import Path

import pyarrow as pa
import pytest


def _load_harness():
    name = "weir_differential_harness"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("harness.py"))
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


h = _load_harness()
REL = ("main", "t")


def compare(left: pa.Table, right: pa.Table, lwin=(), rwin=(), opaque=frozenset(), types=True) -> list[str]:
    return h.compare_table(REL, left, right, list(lwin), list(rwin), set(opaque), check_types=types)


def values(left: pa.Table, right: pa.Table, **kw) -> list[str]:
    """Compare values only (the type check is tested on its own)."""
    return compare(left, right, types=False, **kw)


def test_equal_tables_in_any_row_and_column_order() -> None:
    a = pa.table({"id": [1, 2, 2], "Name": ["x", "y", "y"]})
    b = pa.table({"name": ["y", "x", "y"], "ID": [2, 1, 2]})
    assert compare(a, b) == []


def test_duplicate_counts_matter() -> None:
    a = pa.table({"id": [1, 2, 2]})
    b = pa.table({"id": [1, 1, 2]})
    problems = values(a, b)
    assert len(problems) == 1
    assert "only in dbt: {id=2}" in problems[0] and "only in weir: {id=1}" in problems[0]


def test_decimal_float_int_within_tolerance() -> None:
    a = pa.table({"v": pa.array([decimal.Decimal("12.50"), decimal.Decimal("0.3")], pa.decimal128(10, 2))})
    b = pa.table({"v": [12.5, 0.1 + 0.2]})
    assert values(a, b) == []
    assert values(pa.table({"v": [3]}), pa.table({"v": [3.0]})) == []
    assert values(pa.table({"v": [1.0]}), pa.table({"v": [1.0 + 1e-6]})) != []


def test_big_integers_compare_exactly() -> None:
    assert values(pa.table({"v": [2**53 + 1]}), pa.table({"v": [2**53]})) != []


def test_nan_equals_null_but_not_zero() -> None:
    assert values(pa.table({"v": [float("nan")]}), pa.table({"v": pa.array([None], pa.float64())})) == []
    assert values(pa.table({"v": [0.0]}), pa.table({"v": pa.array([None], pa.float64())})) != []


def test_types_that_must_not_be_confused() -> None:
    assert values(pa.table({"v": [True]}), pa.table({"v": [1]})) != []
    assert values(pa.table({"v": ["1"]}), pa.table({"v": [1]})) != []
    assert values(pa.table({"v": ["00123"]}), pa.table({"v": ["123"]})) != []
    assert values(pa.table({"v": [""]}), pa.table({"v": pa.array([None], pa.string())})) != []
    d = dt.date(2024, 1, 1)
    assert values(pa.table({"v": [d]}), pa.table({"v": [dt.datetime(2024, 1, 1)]})) != []


def test_timestamps_tz_aware_vs_naive_utc() -> None:
    aware = pa.array([dt.datetime(2024, 1, 1, 12, tzinfo=dt.UTC)], pa.timestamp("us", tz="UTC"))
    naive = pa.array([dt.datetime(2024, 1, 1, 12)], pa.timestamp("us"))
    ns = pa.array([dt.datetime(2024, 1, 1, 12)], pa.timestamp("ns"))
    assert values(pa.table({"t": aware}), pa.table({"t": naive})) == []
    assert values(pa.table({"t": ns}), pa.table({"t": naive})) == []


def _result(phase: int, start: dt.datetime, seconds: float):
    t0 = start.replace(tzinfo=dt.UTC).timestamp()
    return h.PhaseResult(phase, [], {}, t0, t0 + seconds)


def test_wall_clock_values_compare_by_phase() -> None:
    dbt_runs = [_result(1, dt.datetime(2030, 1, 1, 10, 0, 0), 20), _result(2, dt.datetime(2030, 1, 1, 10, 1, 0), 20)]
    weir_runs = [_result(1, dt.datetime(2030, 1, 1, 10, 5, 0), 5), _result(2, dt.datetime(2030, 1, 1, 10, 6, 0), 5)]
    dw, ww = h.clock_windows(dbt_runs), h.clock_windows(weir_runs)
    a = pa.table({"t": [dt.datetime(2030, 1, 1, 10, 0, 7), dt.datetime(2024, 1, 1)]})
    b = pa.table({"t": [dt.datetime(2030, 1, 1, 10, 5, 1), dt.datetime(2024, 1, 1)]})
    assert compare(a, b, dw, ww) == []
    c = pa.table({"t": [dt.datetime(2030, 1, 1, 10, 6, 1), dt.datetime(2024, 1, 1)]})  # weir's phase 2
    assert compare(a, c, dw, ww) != []


def test_opaque_columns_compare_nullness_only() -> None:
    a = pa.table({"k": [1, 2], "h": ["abc", None]})
    b = pa.table({"k": [1, 2], "h": ["xyz", None]})
    assert compare(a, b, opaque={"h"}) == []
    assert compare(a, b) != []
    c = pa.table({"k": [1, 2], "h": [None, "xyz"]})
    assert compare(a, c, opaque={"h"}) != []


def test_column_sets_reported_and_rows_compared_on_the_rest() -> None:
    a = pa.table({"id": [1], "x": [1]})
    b = pa.table({"id": [2], "y": [1]})
    problems = compare(a, b)
    assert any("only in dbt: ['x']" in p and "only in weir: ['y']" in p for p in problems)
    assert any("rows differ" in p for p in problems)


def test_nested_values() -> None:
    a = pa.table({"l": [[1, 2]], "s": [{"a": decimal.Decimal("1.0")}]})
    b = pa.table({"l": [[1, 2]], "s": [{"a": 1.0}]})
    assert values(a, b) == []
    assert values(pa.table({"l": [[1, 2]]}), pa.table({"l": [[2, 1]]})) != []


@pytest.mark.parametrize("project", ["seeds", "snapshots", "schema_change_fail"])
def test_specs_load(project: str) -> None:
    spec = h.load_spec(project)
    assert spec.phases == 3
    assert all(c in h.COMMANDS for cmds in spec.expect_fail.values() for c in cmds)


def test_column_types_must_match_up_to_physical_variants() -> None:
    i32 = pa.table({"v": pa.array([1], pa.int32())})
    i64 = pa.table({"v": pa.array([1], pa.int64())})
    assert any("column types differ" in p and "int32 vs int64" in p for p in compare(i32, i64))
    assert h.compare_table(REL, i32, i64, [], [], set(), check_types=False) == []
    s = pa.table({"v": pa.array(["a"], pa.string())})
    ls = pa.table({"v": pa.array(["a"], pa.large_string())})
    dictionary = pa.table({"v": pa.array(["a"]).dictionary_encode()})
    assert compare(s, ls) == [] and compare(s, dictionary) == []
    us = pa.table({"t": pa.array([dt.datetime(2024, 1, 1)], pa.timestamp("us", tz="UTC"))})
    ns = pa.table({"t": pa.array([dt.datetime(2024, 1, 1)], pa.timestamp("ns", tz="Etc/UTC"))})
    naive = pa.table({"t": pa.array([dt.datetime(2024, 1, 1)], pa.timestamp("us"))})
    assert compare(us, ns) == []
    assert compare(us, naive) != []
    d1 = pa.table({"v": pa.array([decimal.Decimal("1.00")], pa.decimal128(10, 2))})
    d2 = pa.table({"v": pa.array([decimal.Decimal("1.00")], pa.decimal128(38, 2))})
    assert compare(d1, d2) != []


def _engine_phase(tables: dict, returncode: int = 0):
    cmd = h.CommandResult("build", [], returncode, "", "", 0.0)
    return h.PhaseResult(1, [cmd], tables, 0.0, 1.0)


def test_engine_comparison_is_lenient_only_where_the_spark_key_says() -> None:
    """weir on DuckDB vs weir on Spark: a column listed under spark.loose_types may change type,
    one under spark.opaque may change value; any other difference is reported."""
    spec = h.Spec(name="p", phases=1, spark=h.engine_spec(
        {"loose_types": {"main.t": ["n"]}, "opaque": {"main.t": ["label"]}},
        lambda v: tuple(str(v).split(".", 1))))
    duck = pa.table({"n": pa.array([1], pa.int64()), "label": ["duckdb:x"], "v": pa.array([1], pa.int64())})
    spark = pa.table({"n": pa.array([1], pa.int32()), "label": ["default:x"], "v": pa.array([1], pa.int64())})
    assert h.compare_engines(spec, [_engine_phase({REL: duck})], [_engine_phase({REL: spark})]) == []
    retyped = spark.set_column(2, "v", pa.array([1], pa.int32()))
    problems = h.compare_engines(spec, [_engine_phase({REL: duck})], [_engine_phase({REL: retyped})])
    assert len(problems) == 1 and "v: int64 vs int32" in problems[0]
    failed = h.compare_engines(spec, [_engine_phase({REL: duck})], [_engine_phase({REL: spark}, returncode=1)])
    assert failed and "should succeed; duckdb exit 0, spark exit 1" in failed[0]
