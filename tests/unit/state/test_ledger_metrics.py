"""Ledger migration 2: table metrics and check results, their history queries."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from weir.checks.metrics import MetricValue, TableMetrics
from weir.errors import StateError
from weir.state import Ledger
from weir.state.ledger import MIGRATIONS


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    led = Ledger(tmp_path / "ledger.db")
    yield led
    led.close()


def metrics(rows: float, nulls: float) -> TableMetrics:
    return TableMetrics([MetricValue(None, "row_count", rows), MetricValue("a", "null_count", nulls),
                         MetricValue("b", "null_count", nulls * 2), MetricValue("d", "max", 1.7e9, "2023-11-14")])


def test_migrates_a_version_1_ledger_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript(f"create table schema_version (version integer not null); begin; {MIGRATIONS[0]}; "
                     "insert into schema_version values (1); commit;")
    db.execute("insert into runs values ('r0', 'build', 'p', 'dev', 'success', 1, 2, '{}')")
    db.close()
    led = Ledger(path)
    assert led.runs()[0].run_id == "r0"
    assert led._exec("select max(version) from schema_version")[0][0] == len(MIGRATIONS) >= 2
    led.record_metrics("r1", "model.p.t", "t", metrics(1, 0))
    assert led.metric_history("model.p.t", "row_count") != []
    led.close()
    Ledger(path).close()  # opening again migrates nothing


def test_metric_history_oldest_first_limited_and_excluding_a_run(ledger: Ledger) -> None:
    for i in range(6):
        ledger.record_metrics(f"r{i}", "model.p.t", '"main"."t"', metrics(100 + i, i), recorded_at=1000.0 + i)
    hist = ledger.metric_history("model.p.t", "row_count", None, limit=3)
    assert hist == [("r3", 1003.0, 103.0), ("r4", 1004.0, 104.0), ("r5", 1005.0, 105.0)]
    assert [h[0] for h in ledger.metric_history("model.p.t", "row_count", limit=3, exclude_run_id="r5")] == \
        ["r2", "r3", "r4"]
    assert [h[2] for h in ledger.metric_history("model.p.t", "null_count", "b", limit=2)] == [8.0, 10.0]
    assert ledger.metric_history("model.p.t", "null_count", None) == []  # table-level null_count: none
    assert ledger.metric_history("model.other", "row_count") == []


def test_metric_histories_for_every_column_in_one_call(ledger: Ledger) -> None:
    for i in range(4):
        ledger.record_metrics(f"r{i}", "model.p.t", "t", metrics(10, i), recorded_at=float(i))
    got = ledger.metric_histories("model.p.t", "null_count", limit=2, exclude_run_id="r3")
    assert got == {"a": [("r1", 1.0, 1.0), ("r2", 2.0, 2.0)], "b": [("r1", 1.0, 2.0), ("r2", 2.0, 4.0)]}


def test_recording_metrics_again_in_a_run_replaces_them(ledger: Ledger) -> None:
    ledger.record_metrics("r1", "model.p.t", "t", metrics(10, 0), recorded_at=1.0)
    ledger.record_metrics("r1", "model.p.t", "t", metrics(12, 0), recorded_at=2.0)
    assert ledger.metric_history("model.p.t", "row_count") == [("r1", 2.0, 12.0)]


def test_metric_series_keeps_text_values(ledger: Ledger) -> None:
    ledger.record_metrics("r1", "model.p.t", "t", metrics(10, 0), recorded_at=1.0)
    series = ledger.metric_series("model.p.t")
    assert {(s["column_name"], s["metric"]) for s in series} == {(None, "row_count"), ("a", "null_count"),
                                                                 ("b", "null_count"), ("d", "max")}
    assert next(s for s in series if s["metric"] == "max")["text_value"] == "2023-11-14"


def test_check_results_round_trip_newest_run_first(ledger: Ledger) -> None:
    ledger.record_check_results("r1", "model.p.t", [
        {"check_name": "not_null", "column": "a", "status": "pass", "observed": 0, "unexpected_count": 0,
         "unexpected_percent": 0.0}], recorded_at=1.0)
    ledger.record_check_results("r2", "model.p.t", [
        {"check_name": "accepted_values", "column_name": "s", "severity": "warn", "status": "warn",
         "observed": ["x", "y"], "unexpected_count": 3, "unexpected_percent": 1.5, "message": "3 rows"},
        {"check_name": "quarantine", "status": "warn", "unexpected_count": 3}], recorded_at=2.0)
    hist = ledger.check_history("model.p.t")
    assert [(h["run_id"], h["check_name"]) for h in hist] == [("r2", "accepted_values"), ("r2", "quarantine"),
                                                              ("r1", "not_null")]
    assert hist[0]["observed"] == ["x", "y"] and hist[0]["unexpected_percent"] == 1.5
    assert hist[1]["severity"] == "error" and hist[1]["column_name"] is None
    assert hist[2]["column_name"] == "a" and hist[2]["observed"] == 0
    assert [h["run_id"] for h in ledger.check_history("model.p.t", limit=1)] == ["r2", "r2"]


def test_a_check_result_without_status_is_rejected_whole(ledger: Ledger) -> None:
    with pytest.raises(StateError, match="check_name and status"):
        ledger.record_check_results("r1", "model.p.t", [{"check_name": "ok", "status": "pass"},
                                                        {"check_name": "bad"}])
    assert ledger.check_history("model.p.t") == []


def test_checked_nodes_and_quality_runs(ledger: Ledger) -> None:
    ledger.start_run("r1", "build", "p", "dev", {})
    ledger.finish_run("r1", "success")
    ledger.record_metrics("r1", "model.p.t", '"main"."t"', metrics(1, 0), recorded_at=10.0)
    ledger.record_check_results("r1", "model.p.u", [{"check_name": "unique", "status": "fail"}], recorded_at=11.0)
    ledger.record_check_results("r2", "model.p.t", [{"check_name": "unique", "status": "pass"}], recorded_at=12.0)
    nodes = ledger.checked_nodes()
    assert [(n["unique_id"], n["relation"], n["last_run_id"]) for n in nodes] == [
        ("model.p.t", '"main"."t"', "r2"), ("model.p.u", None, "r1")]
    runs = ledger.quality_runs()
    assert [(r["run_id"], r["command"], r["status"], r["nodes"]) for r in runs] == [
        ("r2", None, None, ["model.p.t"]), ("r1", "build", "success", ["model.p.t", "model.p.u"])]
