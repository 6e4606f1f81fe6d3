"""Anomaly detection: robust bands, degenerate histories, weekdays, ledger history, config."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from weir.checks.anomaly import anomaly_config, check_anomalies, detect
from weir.checks.metrics import MetricValue, TableMetrics
from weir.errors import ConfigError
from weir.state import Ledger

STEADY = [100.0, 102.0, 98.0, 101.0, 99.0, 100.0, 103.0, 97.0]


def test_mad_flags_a_drop_and_reports_the_band() -> None:
    a = detect(STEADY, 60.0, metric="row_count")
    assert a is not None
    assert a.method == "mad" and a.metric == "row_count" and a.column is None
    # median 100, MAD 1.5 -> sigma 1.5/0.6745; band = 100 +- 3.5 * sigma
    sigma = 1.5 / 0.6745
    assert a.low == pytest.approx(100 - 3.5 * sigma) and a.high == pytest.approx(100 + 3.5 * sigma)
    assert a.score == pytest.approx(-40 / sigma)
    assert a.history_size == len(STEADY)
    assert "row_count = 60 is outside the expected" in a.message


def test_values_inside_the_band_are_not_anomalies() -> None:
    assert detect(STEADY, 104.0) is None
    assert detect(STEADY, 96.0) is None


def test_mad_resists_an_outlier_in_history_that_zscore_does_not() -> None:
    history = [*STEADY, 1000.0]
    assert detect(history, 120.0, method="mad") is not None
    assert detect(history, 120.0, method="zscore") is None  # the outlier inflated the std


def test_zscore_band() -> None:
    a = detect(STEADY, 110.0, method="zscore")
    assert a is not None and a.method == "zscore"
    mean = sum(STEADY) / len(STEADY)
    assert a.low < mean < a.high and a.score > 3


def test_threshold_is_configurable() -> None:
    assert detect(STEADY, 110.0) is not None  # 4.5 robust sigmas
    assert detect(STEADY, 110.0, threshold=5) is None


def test_constant_history_same_value_is_fine_changed_value_is_an_anomaly() -> None:
    for method in ("mad", "zscore"):
        assert detect([500.0] * 6, 500.0, method=method) is None
        a = detect([500.0] * 6, 501.0, method=method)
        assert a is not None and a.score == math.inf and a.low == a.high == 500.0
        assert "constant history" in a.message
        below = detect([0.0] * 6, -1.0, method=method)
        assert below is not None and below.score == -math.inf


def test_zero_mad_falls_back_to_mean_absolute_deviation() -> None:
    history = [100.0, 100.0, 100.0, 100.0, 100.0, 104.0]  # MAD 0, mean abs deviation 4/6
    sigma = 1.2533 * 4 / 6
    assert detect(history, 101.0) is None  # 1 / 0.836 = 1.2 sigma
    a = detect(history, 104.0)  # 4 / 0.836 = 4.8 sigma
    assert a is not None and a.score == pytest.approx(4 / sigma)


def test_short_history_is_never_an_anomaly() -> None:
    assert detect([1.0, 1.0, 1.0, 1.0], 1000.0) is None
    assert detect([1.0, 1.0, 1.0, 1.0], 1000.0, min_history=3) is not None
    assert detect([None, None, 1.0, float("nan"), 1.0, 1.0, 1.0], 1000.0) is None  # 4 usable points


def _ts(day: int) -> float:
    return dt.datetime(2024, 1, day, 12, tzinfo=dt.UTC).timestamp()


MONDAY = dt.datetime(2024, 1, 1, 12, tzinfo=dt.UTC)  # 2024-01-01 is a Monday


def _weekly(days: int) -> tuple[list[float], list[float]]:
    """Daily runs from MONDAY: about 1000 rows on weekdays, about 100 on Sundays."""
    values, stamps = [], []
    for i in range(days):
        at = MONDAY + dt.timedelta(days=i)
        values.append(100.0 + i % 3 if at.weekday() == 6 else 1000.0 + i % 5)
        stamps.append(at.timestamp())
    return values, stamps


def test_weekday_compares_only_the_same_weekday() -> None:
    history, stamps = _weekly(35)  # five Sundays among them
    sunday = (MONDAY + dt.timedelta(days=41)).timestamp()
    assert dt.datetime.fromtimestamp(sunday, tz=dt.UTC).weekday() == 6
    assert detect(history, 101.0, weekday=True, timestamps=stamps, current_at=sunday) is None
    assert detect(history, 101.0) is not None  # against all days, a Sunday looks like a drop
    assert detect(history, 1000.0, weekday=True, timestamps=stamps, current_at=sunday) is not None
    with pytest.raises(ValueError, match="timestamp"):
        detect(history, 1.0, weekday=True)


def test_unknown_method_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown anomaly method"):
        detect(STEADY, 1.0, method="iqr")


# -- config ---------------------------------------------------------------------------
def test_config_defaults_and_disabling() -> None:
    cfg = anomaly_config(None)
    assert cfg is not None
    assert cfg["metrics"] == ["row_count", "null_count"] and cfg["method"] == "mad"
    assert cfg["window"] == 30 and cfg["severity"] == "warn" and cfg["weekday"] is False
    assert anomaly_config(True) == cfg
    assert anomaly_config(False) is None
    assert anomaly_config({"enabled": False}) is None


@pytest.mark.parametrize(("config", "message"), [
    ({"metric": ["row_count"]}, "did you mean 'metrics'"),
    ({"metrics": ["row_cnt"]}, "did you mean 'row_count'"),
    ({"method": "iqr"}, "unknown anomaly method"),
    ({"severity": "fatal"}, "warn or error"),
    ({"window": 0}, "positive integer"),
    ({"threshold": -1}, "positive number"),
    ("row_count", "must be a mapping"),
])
def test_bad_config_says_what_is_wrong(config: object, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        anomaly_config(config)
    assert message in str(info.value)


# -- against the ledger ----------------------------------------------------------------
@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    led = Ledger(tmp_path / "ledger.db")
    yield led
    led.close()


def table(rows: float, nulls_a: float, nulls_b: float = 0, mean: float = 5.0) -> TableMetrics:
    return TableMetrics([MetricValue(None, "row_count", rows), MetricValue("a", "null_count", nulls_a),
                         MetricValue("b", "null_count", nulls_b), MetricValue("a", "mean", mean)])


def test_check_anomalies_reads_history_and_leaves_out_the_current_run(ledger: Ledger) -> None:
    for i in range(8):
        ledger.record_metrics(f"r{i}", "model.p.t", "t", table(1000 + 10 * (i % 3), 0), recorded_at=_ts(i + 1))
    current = table(400, 0, 0, mean=50.0)
    # recorded before checking: the current run must not be its own history
    ledger.record_metrics("now", "model.p.t", "t", current, recorded_at=_ts(9))
    found = check_anomalies(ledger, "model.p.t", current, None, run_id="now")
    assert [(a.metric, a.column, a.severity) for a in found] == [("row_count", None, "warn")]
    # mean is not watched by default; it is when configured, with the configured severity
    found = check_anomalies(ledger, "model.p.t", current, {"metrics": ["mean"], "severity": "error"}, run_id="now")
    assert [(a.metric, a.column, a.severity) for a in found] == [("mean", "a", "error")]
    row = found[0].as_check_result()
    assert row["check_name"] == "anomaly_mean" and row["status"] == "fail" and row["column_name"] == "a"
    ledger.record_check_results("now", "model.p.t", [row])
    assert ledger.check_history("model.p.t")[0]["observed"]["value"] == 50.0


def test_check_anomalies_null_counts_per_column_and_column_filter(ledger: Ledger) -> None:
    for i in range(6):
        ledger.record_metrics(f"r{i}", "model.p.t", "t", table(1000, 0, 0), recorded_at=_ts(i + 1))
    current = table(1000, 25, 7)
    found = check_anomalies(ledger, "model.p.t", current, {})
    assert sorted((a.metric, a.column) for a in found) == [("null_count", "a"), ("null_count", "b")]
    found = check_anomalies(ledger, "model.p.t", current, {"columns": ["b"]})
    assert [(a.metric, a.column) for a in found] == [("null_count", "b")]
    assert check_anomalies(ledger, "model.p.t", current, False) == []


def test_check_anomalies_needs_enough_history(ledger: Ledger) -> None:
    for i in range(4):
        ledger.record_metrics(f"r{i}", "model.p.t", "t", table(1000, 0), recorded_at=_ts(i + 1))
    assert check_anomalies(ledger, "model.p.t", table(1, 1000), None) == []
    assert check_anomalies(ledger, "model.p.t", table(1, 1000), {"min_history": 4}) != []


def test_check_anomalies_window_limits_history(ledger: Ledger) -> None:
    # an old regime of 10 rows, then 5 runs at 1000: with window 5 only the new regime counts
    for i in range(30):
        ledger.record_metrics(f"r{i}", "model.p.t", "t", table(10 if i < 25 else 1000, 0), recorded_at=_ts(i + 1))
    assert check_anomalies(ledger, "model.p.t", table(1000, 0), {"metrics": ["row_count"]}) != []
    assert check_anomalies(ledger, "model.p.t", table(1000, 0), {"metrics": ["row_count"], "window": 5}) == []


def test_check_anomalies_weekday(ledger: Ledger) -> None:
    history, stamps = _weekly(35)
    for i, (rows, at) in enumerate(zip(history, stamps, strict=True)):
        ledger.record_metrics(f"r{i}", "model.p.t", "t", table(rows, 0), recorded_at=at)
    sunday = (MONDAY + dt.timedelta(days=41)).timestamp()
    cfg = {"metrics": ["row_count"], "weekday": True}
    assert check_anomalies(ledger, "model.p.t", table(100, 0), cfg, at=sunday) == []
    assert check_anomalies(ledger, "model.p.t", table(1000, 0), cfg, at=sunday) != []
    assert check_anomalies(ledger, "model.p.t", table(100, 0), {**cfg, "weekday": False}, at=sunday) != []
    # a Sunday compared with too few Sundays is not judged
    assert check_anomalies(ledger, "model.p.t", table(1000, 0), {**cfg, "window": 4}, at=sunday) == []
