"""Metrics gathered while streaming equal the ones a separate scan computes."""

from __future__ import annotations

import pytest

from weir.checks.metrics import collect_metrics
from weir.checks.stream_metrics import StreamMetrics
from weir.engines.duckdb import DuckDBEngine


@pytest.fixture
def engine() -> DuckDBEngine:
    e = DuckDBEngine(None, threads=1)
    e.execute("""create table t as select
        range as id,
        case when range % 7 = 0 then null else range % 100 end as n,
        cast(range as decimal(10, 2)) / 4 as amount,
        'x' || range as label,
        date '2024-01-01' + cast(range % 30 as integer) as day,
        timestamp '2024-01-01 00:00:00' + to_seconds(range) as at
        from range(2500)""")
    return e


def test_stream_metrics_match_a_scan(engine: DuckDBEngine) -> None:
    watched = StreamMetrics(engine.reader("select * from t", batch_rows=1000))
    drained = watched.reader().read_all()
    assert drained.num_rows == 2500
    result = watched.result()
    assert result is not None
    streamed = {(m.column, m.metric): (m.value, m.text) for m in result.rows}
    scanned = {(m.column, m.metric): (m.value, m.text)
               for m in collect_metrics(engine, "t", distinct=False).rows}
    assert streamed.keys() == scanned.keys()
    for key, (value, text) in scanned.items():
        got_value, got_text = streamed[key]
        assert got_text == text, key
        assert got_value == pytest.approx(value, rel=1e-9), key


def test_empty_stream(engine: DuckDBEngine) -> None:
    watched = StreamMetrics(engine.reader("select * from t where false"))
    watched.reader().read_all()
    result = watched.result()
    assert result is not None and result.value("row_count") == 0
    assert result.value("min", "n") is None


def test_integers_beyond_double_precision(engine: DuckDBEngine) -> None:
    watched = StreamMetrics(engine.reader("select 9007199254740993::bigint as big"))
    assert watched.reader().read_all().num_rows == 1
    result = watched.result()
    assert result is not None and result.value("max", "big") == pytest.approx(9007199254740993)
