"""``/metrics``: the run ledger in the Prometheus text format, read on every scrape by a custom
collector, so runs of every process that writes the ledger show (``weir build``, pipelines,
the scheduler, ``weir stream``).

Counters (``*_total``) count what the ledger holds; gauges describe a node's, task's, table's
or stream's newest run. Labels: ``node`` is the node's unique id, ``table`` the relation as
people write it (``main.orders``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from weir.checks.report import display_name
from weir.errors import MissingExtraError
from weir.state.ledger import Ledger

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

#: the newest row per node of node_results (window functions: SQLite >= 3.25)
_LATEST_NODE = (
    "select unique_id, status, duration_s, rows_affected, finished_at, run_id from ("
    "select n.*, row_number() over (partition by unique_id order by started_at desc) as rn "
    "from node_results n where resource_type <> 'test') where rn = 1"
)
_NODE_WRITES = (  # rows in / bytes of each node's newest run, summed over its commits in that run
    "select v.unique_id, sum(v.rows_in), sum(v.bytes_written), sum(v.files_added) from table_versions v join ("
    "select unique_id, run_id from (select unique_id, run_id, row_number() over (partition by unique_id "
    "order by written_at desc) as rn from table_versions) where rn = 1) as last "
    "on last.unique_id = v.unique_id and last.run_id = v.run_id group by v.unique_id"
)


def _families(ledger: Ledger) -> Iterator[Any]:
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

    q = ledger._exec

    runs = CounterMetricFamily("weir_runs", "Runs of weir commands (build, run, test, ...) by status.",
                               labels=["command", "status"])
    for command, status, n in q("select command, status, count(*) from runs group by command, status"):
        runs.add_metric([command, status], n)
    yield runs

    node_runs = CounterMetricFamily("weir_node_runs", "Node executions by status (tests included).",
                                    labels=["node", "status"])
    for uid, status, n in q("select unique_id, status, count(*) from node_results group by unique_id, status"):
        node_runs.add_metric([uid, status], n)
    yield node_runs

    duration = GaugeMetricFamily("weir_node_duration_seconds", "Duration of the node's newest run.", labels=["node"])
    rows_out = GaugeMetricFamily("weir_node_rows_written", "Rows the node's newest run wrote.", labels=["node"])
    last = GaugeMetricFamily("weir_node_last_run_timestamp_seconds", "When the node's newest run finished.",
                             labels=["node"])
    for uid, _status, secs, rows, finished, _run in q(_LATEST_NODE):
        if secs is not None:
            duration.add_metric([uid], secs)
        if rows is not None:
            rows_out.add_metric([uid], rows)
        if finished is not None:
            last.add_metric([uid], finished)
    yield from (duration, rows_out, last)

    rows_in = GaugeMetricFamily("weir_node_rows_in", "Rows that reached the node's table writes in its newest "
                                "run (published plus quarantined; a merge's source rows).", labels=["node"])
    nbytes = GaugeMetricFamily("weir_node_bytes_written", "Data bytes the node's newest run added to its tables.",
                               labels=["node"])
    files = GaugeMetricFamily("weir_node_files_written", "Data files the node's newest run added.", labels=["node"])
    for uid, r_in, b, f in q(_NODE_WRITES):
        if r_in is not None:
            rows_in.add_metric([uid], r_in)
        if b is not None:
            nbytes.add_metric([uid], b)
        if f is not None:
            files.add_metric([uid], f)
    yield from (rows_in, nbytes, files)

    version = GaugeMetricFamily("weir_table_version", "Newest table version weir committed.",
                                labels=["table", "format"])
    for rel, fmt, v in q("select relation, format, max(version) from table_versions where version is not null "
                         "group by relation, format"):
        version.add_metric([display_name(rel), fmt], v)
    yield version
    written = CounterMetricFamily("weir_table_bytes_written", "Data bytes weir committed to the table.",
                                  labels=["table"])
    for rel, b in q("select relation, sum(bytes_written) from table_versions where bytes_written is not null "
                    "group by relation"):
        written.add_metric([display_name(rel)], b)
    yield written

    checks = CounterMetricFamily("weir_check_results", "Check and test results by status.",
                                 labels=["check", "node", "status"])
    for name, uid, status, n in q("select check_name, unique_id, status, count(*) from check_results "
                                  "group by check_name, unique_id, status"):
        checks.add_metric([name, uid, status], n)
    yield checks

    pruns = CounterMetricFamily("weir_pipeline_runs", "Finished pipeline runs by final state.",
                                labels=["pipeline", "state"])
    for pid, state, n in q("select pipeline_id, state, count(*) from pipeline_runs "
                           "where state in ('success', 'failed') group by pipeline_id, state"):
        pruns.add_metric([pid, state], n)
    yield pruns
    active = GaugeMetricFamily("weir_pipeline_runs_active", "Pipeline runs not finished, by state.",
                               labels=["pipeline", "state"])
    for pid, state, n in q("select pipeline_id, state, count(*) from pipeline_runs "
                           "where state not in ('success', 'failed') group by pipeline_id, state"):
        active.add_metric([pid, state], n)
    yield active

    task_secs = GaugeMetricFamily("weir_task_duration_seconds", "Duration of the task's newest finished run.",
                                  labels=["pipeline", "task"])
    task_tries = GaugeMetricFamily("weir_task_tries", "Tries the task's newest finished run took.",
                                   labels=["pipeline", "task"])
    for pid, task, secs, tries in q(
            "select pipeline_id, task_id, duration_s, try_number from (select r.pipeline_id, t.task_id, "
            "t.duration_s, t.try_number, row_number() over (partition by r.pipeline_id, t.task_id "
            "order by t.finished_at desc) as rn from task_instances t join pipeline_runs r on r.run_id = t.run_id "
            "where t.finished_at is not null and t.map_index = -1) where rn = 1"):
        if secs is not None:
            task_secs.add_metric([pid, task], secs)
        task_tries.add_metric([pid, task], tries)
    yield from (task_secs, task_tries)
    tasks = CounterMetricFamily("weir_task_instances", "Finished task instances by state.",
                                labels=["pipeline", "task", "state"])
    for pid, task, state, n in q(
            "select r.pipeline_id, t.task_id, t.state, count(*) from task_instances t join pipeline_runs r "
            "on r.run_id = t.run_id where t.state in ('success', 'failed', 'skipped', 'upstream_failed') "
            "group by r.pipeline_id, t.task_id, t.state"):
        tasks.add_metric([pid, task, state], n)
    yield tasks

    yield from _streams(q)


def _streams(q: Any) -> Iterator[Any]:
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

    msgs = CounterMetricFamily("weir_stream_messages", "Messages a stream consumed.", labels=["stream"])
    written = CounterMetricFamily("weir_stream_rows_written", "Rows a stream committed.", labels=["stream"])
    dead = CounterMetricFamily("weir_stream_dead_letters", "Messages a stream sent to dead letters.",
                               labels=["stream"])
    nbytes = CounterMetricFamily("weir_stream_bytes", "Message bytes a stream consumed.", labels=["stream"])
    batches = CounterMetricFamily("weir_stream_batches", "Micro-batches a stream committed.", labels=["stream"])
    for stream, m, w, d, b, n in q("select stream, sum(messages), sum(written), sum(dead_letters), sum(bytes), "
                                   "count(*) from stream_batches group by stream"):
        msgs.add_metric([stream], m)
        written.add_metric([stream], w)
        dead.add_metric([stream], d)
        nbytes.add_metric([stream], b)
        batches.add_metric([stream], n)
    yield from (msgs, written, dead, nbytes, batches)
    lag = GaugeMetricFamily("weir_stream_lag", "Consumer lag after the stream's newest batch (approximate).",
                            labels=["stream"])
    latency = GaugeMetricFamily("weir_stream_latency_seconds", "End-to-end latency of the stream's newest batch.",
                                labels=["stream"])
    for stream, lg, lat in q("select stream, lag, latency_s from (select stream, lag, latency_s, row_number() "
                             "over (partition by stream order by finished_at desc) as rn from stream_batches) "
                             "where rn = 1"):
        if lg is not None:
            lag.add_metric([stream], lg)
        if lat is not None:
            latency.add_metric([stream], lat)
    yield from (lag, latency)


class LedgerCollector:
    """A prometheus_client collector over one run ledger."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def collect(self) -> Iterator[Any]:
        yield from _families(self.ledger)


def render_metrics(ledger: Ledger) -> bytes:
    """The ledger's metrics in the Prometheus text exposition format."""
    try:
        from prometheus_client import CollectorRegistry, generate_latest
    except ImportError:
        raise MissingExtraError("prometheus-client", "ui") from None
    registry = CollectorRegistry(auto_describe=False)
    registry.register(LedgerCollector(ledger))  # type: ignore[arg-type]
    return generate_latest(registry)
