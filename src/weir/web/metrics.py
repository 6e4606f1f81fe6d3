"""``/metrics``: the run ledger in the Prometheus text format, read on every scrape by a custom
collector, so runs of every process that writes the ledger show (``weir build``, pipelines,
the scheduler, ``weir stream``).

Counters (``*_total``) count what the ledger holds; gauges describe a node's, task's, table's
or stream's newest run. Labels: ``node`` is the node's unique id, ``table`` the relation as
people write it (``main.orders``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Family:
    kind: str  # "counter" or "gauge"
    name: str
    help: str


@dataclass(frozen=True)
class Query:
    """One ledger query: its first columns are the labels, then one value column per family
    (a NULL value is left out of that family)."""

    sql: str
    labels: tuple[str, ...]
    families: tuple[Family, ...]


def _c(name: str, help_: str) -> Family:
    return Family("counter", name, help_)


def _g(name: str, help_: str) -> Family:
    return Family("gauge", name, help_)


QUERIES = (
    Query("select command, status, count(*) from runs group by command, status", ("command", "status"),
          (_c("weir_runs", "Runs of weir commands (build, run, test, ...) by status."),)),
    Query("select unique_id, status, count(*) from node_results group by unique_id, status", ("node", "status"),
          (_c("weir_node_runs", "Node executions by status (tests included)."),)),
    Query(f"select unique_id, duration_s, rows_affected, finished_at from ({_LATEST_NODE})", ("node",),
          (_g("weir_node_duration_seconds", "Duration of the node's newest run."),
           _g("weir_node_rows_written", "Rows the node's newest run wrote."),
           _g("weir_node_last_run_timestamp_seconds", "When the node's newest run finished."))),
    Query(_NODE_WRITES, ("node",),
          (_g("weir_node_rows_in", "Rows that reached the node's table writes in its newest run "
              "(published plus quarantined; a merge's source rows)."),
           _g("weir_node_bytes_written", "Data bytes the node's newest run added to its tables."),
           _g("weir_node_files_written", "Data files the node's newest run added."))),
    Query("select relation, format, max(version) from table_versions where version is not null "
          "group by relation, format", ("table", "format"),
          (_g("weir_table_version", "Newest table version weir committed."),)),
    Query("select relation, sum(bytes_written) from table_versions where bytes_written is not null "
          "group by relation", ("table",),
          (_c("weir_table_bytes_written", "Data bytes weir committed to the table."),)),
    Query("select check_name, unique_id, status, count(*) from check_results group by check_name, unique_id, status",
          ("check", "node", "status"), (_c("weir_check_results", "Check and test results by status."),)),
    Query("select pipeline_id, state, count(*) from pipeline_runs where state in ('success', 'failed') "
          "group by pipeline_id, state", ("pipeline", "state"),
          (_c("weir_pipeline_runs", "Finished pipeline runs by final state."),)),
    Query("select pipeline_id, state, count(*) from pipeline_runs where state not in ('success', 'failed') "
          "group by pipeline_id, state", ("pipeline", "state"),
          (_g("weir_pipeline_runs_active", "Pipeline runs not finished, by state."),)),
    Query("select pipeline_id, task_id, duration_s, try_number from (select r.pipeline_id, t.task_id, "
          "t.duration_s, t.try_number, row_number() over (partition by r.pipeline_id, t.task_id "
          "order by t.finished_at desc) as rn from task_instances t join pipeline_runs r on r.run_id = t.run_id "
          "where t.finished_at is not null and t.map_index = -1) where rn = 1", ("pipeline", "task"),
          (_g("weir_task_duration_seconds", "Duration of the task's newest finished run."),
           _g("weir_task_tries", "Tries the task's newest finished run took."))),
    Query("select r.pipeline_id, t.task_id, t.state, count(*) from task_instances t join pipeline_runs r "
          "on r.run_id = t.run_id where t.state in ('success', 'failed', 'skipped', 'upstream_failed') "
          "group by r.pipeline_id, t.task_id, t.state", ("pipeline", "task", "state"),
          (_c("weir_task_instances", "Finished task instances by state."),)),
    Query("select stream, sum(messages), sum(written), sum(dead_letters), sum(bytes), count(*) "
          "from stream_batches group by stream", ("stream",),
          (_c("weir_stream_messages", "Messages a stream consumed."),
           _c("weir_stream_rows_written", "Rows a stream committed."),
           _c("weir_stream_dead_letters", "Messages a stream sent to dead letters."),
           _c("weir_stream_bytes", "Message bytes a stream consumed."),
           _c("weir_stream_batches", "Micro-batches a stream committed."))),
    Query("select stream, lag, latency_s from (select stream, lag, latency_s, row_number() "
          "over (partition by stream order by finished_at desc) as rn from stream_batches) where rn = 1", ("stream",),
          (_g("weir_stream_lag", "Consumer lag after the stream's newest batch (approximate)."),
           _g("weir_stream_latency_seconds", "End-to-end latency of the stream's newest batch."))),
)


def _families(ledger: Ledger) -> Iterator[Any]:
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

    kinds = {"counter": CounterMetricFamily, "gauge": GaugeMetricFamily}
    for query in QUERIES:
        out = [kinds[f.kind](f.name, f.help, labels=list(query.labels)) for f in query.families]
        n = len(query.labels)
        for row in ledger._exec(query.sql):
            labels = [display_name(v) if name == "table" else str(v) for name, v in zip(query.labels, row[:n], strict=True)]
            for family, value in zip(out, row[n:], strict=True):
                if value is not None:
                    family.add_metric(labels, value)
        yield from out


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
