"""Each expectation's semantics on small DuckDB tables: pass, fail, mostly, where, nulls,
empty tables (GE's rules; see docs/quality.md)."""

from __future__ import annotations

import datetime as dt

import pytest

from weir.checks import expect, run_suite
from weir.checks.results import CheckResult, SuiteResult
from weir.engines.duckdb import DuckDBEngine


@pytest.fixture(scope="module")
def engine() -> DuckDBEngine:
    eng = DuckDBEngine(None, threads=1)
    eng.execute("""create table t as select * from (values
        (1, 'a',  5.0, 1, date '2024-01-01', 'x1'),
        (2, 'b', 50.0, 3, date '2024-01-02', 'x2'),
        (2, null, 500.0, 2, date '2024-01-03', 'y'),
        (3, 'c', null, null, null, null),
        (3, 'c', 7.5, 1, date '2024-01-05', 'x33'),
        (3, 'd', 8.0, 9, date '2024-01-06', 'x4'),
        (null, 'zz', 9.0, 0, date '2024-01-07', 'x5')
    ) v(id, s, amt, k, d, code)""")
    eng.execute("create table empty as select * from t where false")
    return eng


def one(engine: DuckDBEngine, e: object, table: str = "t", **kw: object) -> CheckResult:
    result = run_suite(engine, table, [e], **kw)  # type: ignore[arg-type]
    assert len(result.results) == 1
    return result.results[0]


def test_not_null_counts_nulls_over_all_rows(engine: DuckDBEngine) -> None:
    r = one(engine, expect.column_values_to_not_be_null("id"))
    assert (r.success, r.element_count, r.unexpected_count) == (False, 7, 1)
    assert r.unexpected_percent == pytest.approx(100 / 7)
    assert r.samples == [{"id": None, "s": "zz", "amt": 9.0, "k": 0, "d": dt.date(2024, 1, 7), "code": "x5"}]


def test_not_null_mostly_and_where(engine: DuckDBEngine) -> None:
    assert one(engine, expect.column_values_to_not_be_null("id", mostly=0.85)).success
    assert not one(engine, expect.column_values_to_not_be_null("id", mostly=0.86)).success
    r = one(engine, expect.column_values_to_not_be_null("id", where="k > 0"))
    assert (r.success, r.element_count, r.unexpected_count) == (True, 5, 0)


def test_unique_counts_every_row_of_a_repeated_value(engine: DuckDBEngine) -> None:
    # ids 1,2,2,3,3,3,null: GE counts the 5 rows holding 2 or 3, over 6 non-null values
    for strategy in ("distinct", "window"):
        r = one(engine, expect.column_values_to_be_unique("id"), unique_strategy=strategy)
        assert (r.success, r.unexpected_count, r.missing_count) == (False, 5, 1)
        assert r.unexpected_percent == pytest.approx(500 / 6)
        assert sorted(s["id"] for s in r.samples) == [2, 2, 3, 3, 3]
        assert all(not k.startswith("_weir") for s in r.samples for k in s)


def test_unique_mostly_uses_the_exact_count(engine: DuckDBEngine) -> None:
    assert one(engine, expect.column_values_to_be_unique("id", mostly=1 / 6)).success
    assert not one(engine, expect.column_values_to_be_unique("id", mostly=0.2)).success


def test_unique_where_only_compares_checked_rows(engine: DuckDBEngine) -> None:
    # among rows with k <> 1 the ids are 2, 2, 3 (and a null k row is outside the check)
    r = one(engine, expect.column_values_to_be_unique("id", where="k <> 1"))
    assert (r.unexpected_count, r.element_count) == (2, 4)
    assert one(engine, expect.column_values_to_be_unique("id", where="k >= 3")).success


def test_unique_passes_without_duplicates_in_one_query(engine: DuckDBEngine) -> None:
    result = run_suite(engine, "t", [expect.column_values_to_be_unique("d"),
                                     expect.column_values_to_not_be_null("s", where="id = 1")])
    assert result.success and result.queries == 1


def test_between_ignores_nulls_and_respects_strictness(engine: DuckDBEngine) -> None:
    r = one(engine, expect.column_values_to_be_between("amt", 5, 50))
    assert (r.success, r.unexpected_count, r.missing_count, r.element_count) == (False, 1, 1, 7)
    assert r.unexpected_percent == pytest.approx(100 / 6)
    assert [s["amt"] for s in r.samples] == [500.0]
    r = one(engine, expect.column_values_to_be_between("amt", 5, 50, strict_min=True, strict_max=True))
    assert r.unexpected_count == 3
    assert one(engine, expect.column_values_to_be_between("amt", max_value=500)).success
    assert one(engine, expect.column_values_to_be_between("amt", 5, 50, mostly=0.8)).success


def test_between_on_dates_with_text_bounds(engine: DuckDBEngine) -> None:
    r = one(engine, expect.column_values_to_be_between("d", "2024-01-02", "2024-01-06"))
    assert r.unexpected_count == 2


def test_in_set_and_not_in_set(engine: DuckDBEngine) -> None:
    r = one(engine, expect.column_values_to_be_in_set("s", ["a", "b", "c", "d", None]))
    assert (r.unexpected_count, r.missing_count) == (1, 1)
    assert r.samples[0]["s"] == "zz"
    r = one(engine, expect.column_values_to_not_be_in_set("s", ["c"]))
    assert r.unexpected_count == 2
    assert one(engine, expect.column_values_to_not_be_in_set("s", [])).success
    assert one(engine, expect.column_values_to_be_in_set("s", [])).unexpected_count == 6


def test_match_regex_searches_like_ge(engine: DuckDBEngine) -> None:
    r = one(engine, expect.column_values_to_match_regex("code", r"x\d"))
    assert (r.unexpected_count, r.missing_count) == (1, 1)
    assert one(engine, expect.column_values_to_match_regex("code", r"^x\d$")).unexpected_count == 2
    # a non-text column is matched on its text
    assert one(engine, expect.column_values_to_match_regex("id", r"^[123]$")).success


def test_value_lengths(engine: DuckDBEngine) -> None:
    r = one(engine, expect.column_value_lengths_to_be_between("code", 2, 2))
    assert r.unexpected_count == 2
    assert one(engine, expect.column_value_lengths_to_be_between("code", min_value=1)).success


def test_of_type(engine: DuckDBEngine) -> None:
    r = one(engine, expect.column_values_to_be_of_type("id", "INTEGER"))
    assert r.success and r.observed_value == "INTEGER"
    assert one(engine, expect.column_values_to_be_of_type("amt", "decimal")).success
    assert not one(engine, expect.column_values_to_be_of_type("s", "BIGINT")).success


def test_compound_unique_and_ignore_row_if(engine: DuckDBEngine) -> None:
    r = one(engine, expect.compound_columns_to_be_unique(["id", "s"]))
    assert (r.success, r.unexpected_count) == (False, 2)  # (3, 'c') twice
    assert {(s["id"], s["s"]) for s in r.samples} == {(3, "c")}
    for strategy in ("distinct", "window"):
        r = one(engine, expect.compound_columns_to_be_unique(["id", "k"]), unique_strategy=strategy)
        assert r.unexpected_count == 0
        r = one(engine, expect.compound_columns_to_be_unique(["s", "code"], where="id = 3"),
                unique_strategy=strategy)
        assert (r.element_count, r.unexpected_count) == (3, 0)


def test_pair_greater_than(engine: DuckDBEngine) -> None:
    r = one(engine, expect.column_pair_values_a_to_be_greater_than_b("id", "k"))
    # id > k fails on (1,1), (2,3), (2,2), (3,9), and on (3,null), (null,0): a row with one
    # value missing is still checked (only both missing is ignored by default)
    assert (r.unexpected_count, r.element_count, r.missing_count) == (6, 7, 0)
    r = one(engine, expect.column_pair_values_a_to_be_greater_than_b("id", "k", or_equal=True,
                                                                      ignore_row_if="either_value_is_missing"))
    assert (r.unexpected_count, r.missing_count) == (2, 2)


def test_table_row_count(engine: DuckDBEngine) -> None:
    r = one(engine, expect.table_row_count_to_be_between(1, 7))
    assert r.success and r.observed_value == 7
    assert not one(engine, expect.table_row_count_to_be_between(1, 7, strict_max=True)).success
    assert one(engine, expect.table_row_count_to_be_between(max_value=2, where="id = 3 and s = 'c'")).success


def test_table_columns_to_match_set(engine: DuckDBEngine) -> None:
    cols = ["id", "s", "amt", "k", "d", "code"]
    assert one(engine, expect.table_columns_to_match_set(list(reversed(cols)))).success
    r = one(engine, expect.table_columns_to_match_set(["id", "s", "other"]))
    assert not r.success and "missing other" in r.message and r.observed_value == cols
    assert one(engine, expect.table_columns_to_match_set(["id", "s"], exact_match=False)).success


def test_column_aggregates(engine: DuckDBEngine) -> None:
    r = one(engine, expect.column_mean_to_be_between("amt", 96, 97))
    assert r.success and r.observed_value == pytest.approx(579.5 / 6)
    assert one(engine, expect.column_min_to_be_between("amt", 5, 5)).observed_value == 5
    assert not one(engine, expect.column_max_to_be_between("amt", max_value=100)).success
    assert one(engine, expect.column_sum_to_be_between("amt", 579.5, 579.5)).success
    assert one(engine, expect.column_max_to_be_between("d", "2024-01-07", "2024-01-07")).success
    r = one(engine, expect.column_mean_to_be_between("amt", 0, 10, where="id = 3"))
    assert r.observed_value == pytest.approx(7.75)


def test_proportion_of_unique_values(engine: DuckDBEngine) -> None:
    r = one(engine, expect.column_proportion_of_unique_values_to_be_between("id", 0.5, 0.5))
    assert r.success and r.observed_value == pytest.approx(3 / 6)


def test_freshness(engine: DuckDBEngine) -> None:
    now = dt.datetime(2024, 1, 8, 12, tzinfo=dt.UTC)
    r = one(engine, expect.column_max_to_be_within_age("d", "2d"), now=now)
    assert r.success and r.observed_value == dt.datetime(2024, 1, 7)
    r = one(engine, expect.column_max_to_be_within_age("d", "24h"), now=now)
    assert not r.success and "1d12h old" in r.message
    assert one(engine, expect.column_max_to_be_within_age("d", "1d12h"), now=now).success


def test_empty_table_semantics(engine: DuckDBEngine) -> None:
    result = run_suite(engine, "empty", [
        expect.column_values_to_not_be_null("id"),
        expect.column_values_to_be_unique("id"),
        expect.column_values_to_be_between("amt", 0, 1),
        expect.column_pair_values_a_to_be_greater_than_b("id", "k"),
        expect.table_row_count_to_be_between(0, 10),
        expect.table_row_count_to_be_between(1),
        expect.column_mean_to_be_between("amt", 0, 1),
        expect.column_sum_to_be_between("amt", 0, 1),
        expect.column_proportion_of_unique_values_to_be_between("id", 0, 1),
        expect.column_max_to_be_within_age("d", "1d"),
    ])
    got = [(r.success, r.unexpected_percent, r.observed_value) for r in result.results]
    assert got == [(True, None, None)] * 4 + [(True, None, 0), (False, None, 0), (False, None, None),
                                             (False, None, None), (True, None, 0.0), (False, None, None)]
    assert result.queries == 1  # failed aggregates fetch no samples


def test_severity_warn_does_not_fail_the_suite(engine: DuckDBEngine) -> None:
    result = run_suite(engine, "t", [expect.column_values_to_not_be_null("id", severity="warn"),
                                     expect.column_values_to_not_be_null("s", where="id = 1")])
    assert result.success and result.statistics == {"evaluated": 2, "successful": 1, "failed": 0,
                                                     "warnings": 1}
    assert result.results[0].status == "warn"


def test_samples_are_limited_and_only_for_failures(engine: DuckDBEngine) -> None:
    result = run_suite(engine, "t", [expect.column_values_to_be_in_set("id", [9]),
                                     expect.column_values_to_be_in_set("id", [1, 2, 3])], sample_limit=2)
    assert len(result.results[0].samples) == 2 and result.results[1].samples == []
    assert result.queries == 2
    none = run_suite(engine, "t", [expect.column_values_to_be_in_set("id", [9])], sample_limit=0)
    assert none.results[0].samples == [] and none.queries == 1


def test_suite_result_renders(engine: DuckDBEngine) -> None:
    result: SuiteResult = run_suite(engine, "t", [expect.column_values_to_not_be_null("id")], name="orders")
    text = str(result)
    assert text.startswith("suite suite on orders: FAILED") and "FAIL  not_be_null(id): 1 of 7 rows null" in text
    data = result.to_dict()
    assert data["success"] is False and data["results"][0]["samples"][0]["d"] == "2024-01-07"
    assert '"unexpected_count": 1' in result.to_json()
