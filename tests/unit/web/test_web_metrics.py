"""/metrics from the run ledger: every family a scrape returns is read back with the
Prometheus text parser and its values compared with what the ledger holds."""

from __future__ import annotations

from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from weir.state.ledger import Ledger
from weir.state.pipelines import PipelineStore
from weir.web.metrics import render_metrics


def _samples(ledger: Ledger) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = render_metrics(ledger).decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for fam in text_string_to_metric_families(text) for s in fam.samples}


def _fill(ledger: Ledger) -> None:
    uid = "model.p.orders"
    for i, (run, status, rows) in enumerate([("r1", "success", 10), ("r2", "error", None), ("r3", "success", 12)]):
        ledger.start_run(run, "build", "p", "dev", {})
        t = 1000.0 + 100 * i
        ledger.flush([(run, uid, "orders", "model", status, rows, 0.5 + i, None, None, t, t + 0.5 + i)],
                     [] if rows is None else [(run, uid, '"main"."orders"', "delta", i, "WRITE", "v1", t,
                                               rows + 2, rows, 0, 4096 * (i + 1), 1),
                                              (run, uid, '"main"."orders__quarantine"', "delta", 0, "WRITE", "v1",
                                               t, 2, 2, None, 100, 1)])
        ledger.finish_run(run, status)
    ledger.record_check_results("r1", uid, [{"check_name": "not_null_orders_id", "status": "pass"}])
    ledger.record_check_results("r3", uid, [{"check_name": "not_null_orders_id", "status": "fail",
                                             "unexpected_count": 3}])


def test_node_table_and_check_metrics(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.db")
    _fill(ledger)
    s = _samples(ledger)
    node = (("node", "model.p.orders"),)
    assert s[("weir_runs_total", (("command", "build"), ("status", "success")))] == 2
    assert s[("weir_node_runs_total", (("node", "model.p.orders"), ("status", "success")))] == 2
    assert s[("weir_node_runs_total", (("node", "model.p.orders"), ("status", "error")))] == 1
    assert s[("weir_node_duration_seconds", node)] == 2.5  # the newest run (r3)
    assert s[("weir_node_rows_written", node)] == 12
    assert s[("weir_node_rows_in", node)] == 14 + 2  # table + quarantine of run r3
    assert s[("weir_node_bytes_written", node)] == 4096 * 3 + 100
    assert s[("weir_node_files_written", node)] == 2
    assert s[("weir_table_version", (("format", "delta"), ("table", "main.orders")))] == 2
    assert s[("weir_table_bytes_written_total", (("table", "main.orders"),))] == 4096 + 4096 * 3
    check = (("check", "not_null_orders_id"), ("node", "model.p.orders"))
    assert s[("weir_check_results_total", (*check, ("status", "pass")))] == 1
    assert s[("weir_check_results_total", (*check, ("status", "fail")))] == 1


def test_pipeline_task_and_stream_metrics(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.db")
    store = PipelineStore(ledger)
    for n, (date, state) in enumerate([("2024-01-01", "success"), ("2024-01-02", "failed"),
                                       ("2024-01-03", "running")]):
        run_id = f"run{n}"
        store.create_run(run_id, "etl", date, date, date, run_type="scheduled")
        store.write(instances=[(run_id, "extract", -1, "success" if state != "failed" else "failed", 2, 4,
                                10.0 * n, 10.0 * n + 1.5 + n, 1.5 + n, None, 0)])
        store.set_run_state(run_id, state)
    ledger._write([("insert into stream_batches values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [("s1", "clicks", 1, 1.0, 2.0, 100, 5000, 98, 2, 0, 0, 0.5, 7, 1, None),
                     ("s1", "clicks", 2, 3.0, 4.0, 50, 2500, 50, 0, 0, 0, 0.25, 3, 2, None)])])
    s = _samples(ledger)
    assert s[("weir_pipeline_runs_total", (("pipeline", "etl"), ("state", "success")))] == 1
    assert s[("weir_pipeline_runs_total", (("pipeline", "etl"), ("state", "failed")))] == 1
    assert s[("weir_pipeline_runs_active", (("pipeline", "etl"), ("state", "running")))] == 1
    task = (("pipeline", "etl"), ("task", "extract"))
    assert s[("weir_task_duration_seconds", task)] == 3.5  # newest finished instance
    assert s[("weir_task_tries", task)] == 2
    assert s[("weir_task_instances_total", (("pipeline", "etl"), ("state", "success"), ("task", "extract")))] == 2
    stream = (("stream", "clicks"),)
    assert s[("weir_stream_messages_total", stream)] == 150
    assert s[("weir_stream_dead_letters_total", stream)] == 2
    assert s[("weir_stream_bytes_total", stream)] == 7500
    assert s[("weir_stream_lag", stream)] == 3


def test_an_empty_ledger_scrapes_without_samples(tmp_path: Path) -> None:
    text = render_metrics(Ledger(tmp_path / "ledger.db")).decode()
    assert "# TYPE weir_node_runs_total counter" in text and "# TYPE weir_table_version gauge" in text
    assert not [line for line in text.splitlines() if line and not line.startswith("#")]
