"""The run ledger: runs, node results and table versions written.

A SQLite file in the project by default. The SQL is plain (no SQLite-only syntax
beyond the connection) so a PostgreSQL store can implement the same class.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from weir.errors import StateError

# Each entry migrates the ledger from version i to i+1; never edit a released one.
MIGRATIONS: tuple[str, ...] = (
    """
    create table runs (
        run_id text primary key,
        command text not null,
        project text not null,
        target text not null,
        status text not null,
        started_at real not null,
        finished_at real,
        args text
    );
    create table node_results (
        run_id text not null references runs(run_id),
        unique_id text not null,
        name text not null,
        resource_type text not null,
        status text not null,
        rows_affected integer,
        duration_s real,
        message text,
        compiled_path text,
        started_at real,
        finished_at real,
        primary key (run_id, unique_id)
    );
    create table table_versions (
        run_id text not null,
        unique_id text not null,
        relation text not null,
        format text not null,
        version integer,
        operation text,
        model_version text,
        written_at real not null
    );
    create index node_results_by_node on node_results(unique_id);
    create index table_versions_by_node on table_versions(unique_id);
    """,
    # 2: per-run table metrics (anomaly detection) and check results (data docs).
    # column_name is null for table-level metrics and checks; observed is JSON text.
    """
    create table table_metrics (
        run_id text not null,
        unique_id text not null,
        relation text not null,
        column_name text,
        metric text not null,
        value real,
        text_value text,
        recorded_at real not null
    );
    create table check_results (
        run_id text not null,
        unique_id text not null,
        check_name text not null,
        column_name text,
        severity text not null,
        status text not null,
        observed text,
        unexpected_count integer,
        unexpected_percent real,
        message text,
        recorded_at real not null
    );
    create index table_metrics_by_node on table_metrics(unique_id, metric, column_name, recorded_at);
    create index table_metrics_by_run on table_metrics(run_id);
    create index check_results_by_node on check_results(unique_id, recorded_at);
    create index check_results_by_run on check_results(run_id);
    """,
    # 3: orchestration — pipeline runs, task instances, attempt logs, task result cache.
    # One run per (pipeline, logical_date): the insert is the claim. Dates are UTC ISO text.
    """
    create table pipeline_runs (
        run_id text primary key,
        pipeline_id text not null,
        logical_date text not null,
        interval_start text not null,
        interval_end text not null,
        run_type text not null,
        state text not null,
        conf text,
        owner text,
        heartbeat real,
        created_at real not null,
        started_at real,
        finished_at real,
        unique (pipeline_id, logical_date)
    );
    create table task_instances (
        run_id text not null,
        task_id text not null,
        map_index integer not null,
        state text,
        try_number integer not null,
        max_tries integer not null,
        started_at real,
        finished_at real,
        duration_s real,
        error text,
        sla_missed integer not null default 0,
        primary key (run_id, task_id, map_index)
    );
    create table task_logs (
        run_id text not null,
        task_id text not null,
        map_index integer not null,
        try_number integer not null,
        text text not null,
        primary key (run_id, task_id, map_index, try_number)
    );
    create table task_results (
        run_id text not null,
        task_id text not null,
        map_index integer not null,
        kind text not null,
        value blob,
        primary key (run_id, task_id, map_index)
    );
    create table task_cache (
        cache_key text primary key,
        pipeline_id text not null,
        task_id text not null,
        kind text not null,
        value blob,
        created_at real not null,
        expires_at real
    );
    create index pipeline_runs_by_state on pipeline_runs(state, pipeline_id);
    """,
    # 4: ingestion — one row per load (the cursor itself lives in the table's commit).
    """
    create table ingest_loads (
        run_id text not null,
        unique_id text not null,
        source text not null,
        relation text not null,
        mode text not null,
        rows_read integer,
        rows_written integer,
        rows_deleted integer,
        rows_quarantined integer,
        bytes_read integer,
        commits integer,
        table_version integer,
        cursor text,
        duration_s real,
        recorded_at real not null
    );
    create index ingest_loads_by_node on ingest_loads(unique_id);
    """,
    # 5: streaming — per-batch stream metrics.
    """
    create table stream_batches (
        run_id text not null,
        stream text not null,
        batch_seq integer not null,
        started_at real not null,
        finished_at real not null,
        messages integer not null,
        bytes integer not null,
        written integer not null,
        dead_letters integer not null,
        late integer not null,
        warned integer not null,
        latency_s real,
        lag integer,
        table_version integer,
        partitions text
    );
    create index stream_batches_by_stream on stream_batches(stream, finished_at);
    create index stream_batches_by_run on stream_batches(run_id);
    """,
    # 6: metrics — what each table commit did: rows in (source rows of the write), rows
    # written and deleted, bytes and data files added (from the format's commit).
    """
    alter table table_versions add column rows_in integer;
    alter table table_versions add column rows_written integer;
    alter table table_versions add column rows_deleted integer;
    alter table table_versions add column bytes_written integer;
    alter table table_versions add column files_added integer;
    create index table_versions_by_run on table_versions(run_id);
    """,
)

#: columns of ``table_versions`` in the order ``Ledger.flush`` takes them (rows may stop after
#: ``written_at``: the write metrics of migration 6 are then null)
VERSION_COLUMNS = ("run_id", "unique_id", "relation", "format", "version", "operation", "model_version",
                   "written_at", "rows_in", "rows_written", "rows_deleted", "bytes_written", "files_added")


class MetricLike(Protocol):
    """One metric value (``weir.checks.metrics.MetricValue``; the ledger cannot import checks)."""

    @property
    def column(self) -> str | None: ...
    @property
    def metric(self) -> str: ...
    @property
    def value(self) -> float | None: ...
    @property
    def text(self) -> str | None: ...


class MetricsLike(Protocol):
    """A set of metrics (``weir.checks.metrics.TableMetrics``)."""

    @property
    def rows(self) -> Sequence[MetricLike]: ...


def _metric_filter(unique_id: str, metric: str, exclude_run_id: str | None) -> tuple[str, tuple[Any, ...]]:
    where = "unique_id = ? and metric = ?"
    params: tuple[Any, ...] = (unique_id, metric)
    if exclude_run_id is not None:
        where += " and run_id <> ?"
        params += (exclude_run_id,)
    return where, params


@dataclass(frozen=True)
class RunRow:
    run_id: str
    command: str
    status: str
    started_at: float
    finished_at: float | None
    nodes: int
    errors: int


@contextlib.contextmanager
def _file_lock(path: str | None) -> Iterator[None]:
    """An exclusive lock between processes (none for an in-memory ledger)."""
    if path is None:
        yield
        return
    with open(path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


class Ledger:
    """Thread-safe access to the ledger database."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
        except sqlite3.Error as exc:
            raise StateError(f"cannot open run ledger {path}: {exc}") from None
        self._db.execute("pragma journal_mode=wal")
        # WAL + synchronous=normal: no fsync per commit; a power cut may lose the newest
        # records, never corrupt the ledger (the table commits themselves are in Delta)
        self._db.execute("pragma synchronous=normal")
        self._lock = threading.Lock()
        self._migrate()

    def _migrate(self) -> None:
        # two processes opening an older ledger at once: one migrates, the other then
        # finds it current (reading the version and migrating is not atomic in SQLite)
        with self._lock, _file_lock(None if str(self.path) == ":memory:" else f"{self.path}.lock"):
            self._db.execute("create table if not exists schema_version (version integer not null)")
            row = self._db.execute("select max(version) from schema_version").fetchone()
            current = row[0] or 0
            for i, script in enumerate(MIGRATIONS[current:], start=current + 1):
                self._db.executescript(f"begin; {script}; insert into schema_version values ({i}); commit;")

    def _exec(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise StateError(f"run ledger error: {exc}") from None

    def start_run(self, run_id: str, command: str, project: str, target: str, args: dict[str, Any]) -> None:
        self._exec("insert into runs values (?, ?, ?, ?, 'running', ?, null, ?)",
                   (run_id, command, project, target, time.time(), json.dumps(args, default=str)))

    def finish_run(self, run_id: str, status: str) -> None:
        self._exec("update runs set status = ?, finished_at = ? where run_id = ?", (status, time.time(), run_id))

    def flush(self, node_rows: list[tuple[Any, ...]], version_rows: list[tuple[Any, ...]]) -> None:
        """Write a run's node results and table versions in one transaction."""
        with self._lock:
            try:
                self._db.execute("begin")
                self._db.executemany("insert or replace into node_results values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                     node_rows)
                n = len(VERSION_COLUMNS)
                self._db.executemany(
                    f"insert into table_versions ({', '.join(VERSION_COLUMNS)}) values ({', '.join('?' * n)})",
                    [tuple(r) + (None,) * (n - len(r)) for r in version_rows])
                self._db.execute("commit")
            except sqlite3.Error as exc:
                self._db.execute("rollback")
                raise StateError(f"run ledger error: {exc}") from None

    def runs(self, limit: int = 20) -> list[RunRow]:
        rows = self._exec(
            "select r.run_id, r.command, r.status, r.started_at, r.finished_at, count(n.unique_id), "
            "sum(case when n.status in ('error', 'fail') then 1 else 0 end) "
            "from runs r left join node_results n on n.run_id = r.run_id "
            "group by r.run_id order by r.started_at desc limit ?", (limit,))
        return [RunRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6] or 0) for r in rows]

    def node_results(self, run_id: str) -> list[dict[str, Any]]:
        cols = ["unique_id", "name", "resource_type", "status", "rows_affected", "duration_s", "message",
                "compiled_path"]
        rows = self._exec(f"select {', '.join(cols)} from node_results where run_id = ? order by started_at",
                          (run_id,))
        return [dict(zip(cols, r, strict=False)) for r in rows]

    def table_versions(self, run_id: str) -> list[dict[str, Any]]:
        cols = ["unique_id", "relation", "format", "version", "operation", "model_version"]
        rows = self._exec(f"select {', '.join(cols)} from table_versions where run_id = ?", (run_id,))
        return [dict(zip(cols, r, strict=False)) for r in rows]

    # -- quality: table metrics and check results (migration 2) ------------------------
    def _write(self, statements: list[tuple[str, list[tuple[Any, ...]]]]) -> None:
        """Run each (sql, rows) with executemany, all in one transaction."""
        with self._lock:
            try:
                self._db.execute("begin")
                for sql, rows in statements:
                    self._db.executemany(sql, rows)
                self._db.execute("commit")
            except sqlite3.Error as exc:
                self._db.execute("rollback")
                raise StateError(f"run ledger error: {exc}") from None

    def record_metrics(self, run_id: str, unique_id: str, relation: str, metrics: MetricsLike, *,
                       recorded_at: float | None = None) -> None:
        """Store a node's table metrics for a run, replacing any it recorded before in that run."""
        at = time.time() if recorded_at is None else recorded_at
        rows = [(run_id, unique_id, relation, m.column, m.metric, m.value, m.text, at) for m in metrics.rows]
        self._write([("delete from table_metrics where run_id = ? and unique_id = ?", [(run_id, unique_id)]),
                     ("insert into table_metrics values (?, ?, ?, ?, ?, ?, ?, ?)", rows)])

    def metric_history(self, unique_id: str, metric: str, column: str | None = None, limit: int = 30, *,
                       exclude_run_id: str | None = None) -> list[tuple[str, float, float | None]]:
        """The last ``limit`` (run_id, recorded_at, value) of one metric, oldest first."""
        where, params = _metric_filter(unique_id, metric, exclude_run_id)
        if column is None:
            where += " and column_name is null"
        else:
            where += " and column_name = ?"
            params += (column,)
        rows = self._exec(f"select run_id, recorded_at, value from table_metrics where {where} "
                          "order by recorded_at desc limit ?", (*params, limit))
        return [(r[0], r[1], r[2]) for r in reversed(rows)]

    def metric_histories(self, unique_id: str, metric: str, limit: int = 30, *,
                         exclude_run_id: str | None = None) -> dict[str | None, list[tuple[str, float, float | None]]]:
        """:meth:`metric_history` for every column at once (one query), keyed by column."""
        where, params = _metric_filter(unique_id, metric, exclude_run_id)
        rows = self._exec(
            "select column_name, run_id, recorded_at, value from ("
            "select column_name, run_id, recorded_at, value, row_number() over "
            "(partition by column_name order by recorded_at desc) as rn "
            f"from table_metrics where {where}) as ranked where rn <= ? "
            "order by column_name, recorded_at", (*params, limit))
        out: dict[str | None, list[tuple[str, float, float | None]]] = {}
        for col, run_id, at, value in rows:
            out.setdefault(col, []).append((run_id, at, value))
        return out

    def metric_series(self, unique_id: str, runs: int = 30) -> list[dict[str, Any]]:
        """Every metric of a node over its last ``runs`` runs with metrics, oldest first."""
        cols = ["run_id", "recorded_at", "column_name", "metric", "value", "text_value"]
        rows = self._exec(
            f"select {', '.join(cols)} from table_metrics where unique_id = ? and run_id in ("
            "select run_id from table_metrics where unique_id = ? group by run_id "
            "order by max(recorded_at) desc limit ?) order by recorded_at, column_name, metric",
            (unique_id, unique_id, runs))
        return [dict(zip(cols, r, strict=True)) for r in rows]

    def record_check_results(self, run_id: str, unique_id: str, rows: list[dict[str, Any]], *,
                             recorded_at: float | None = None) -> None:
        """Append a node's check results for a run. Each row needs ``check_name`` and ``status``
        and may have ``column_name`` (or ``column``), ``severity`` (default error), ``observed``
        (any JSON value), ``unexpected_count``, ``unexpected_percent`` and ``message``."""
        at = time.time() if recorded_at is None else recorded_at
        values = []
        for row in rows:
            if not row.get("check_name") or not row.get("status"):
                raise StateError(f"check result for {unique_id} needs check_name and status: {row!r}")
            observed = row.get("observed")
            values.append((run_id, unique_id, row["check_name"], row.get("column_name", row.get("column")),
                           row.get("severity") or "error", row["status"],
                           None if observed is None else json.dumps(observed, default=str),
                           row.get("unexpected_count"), row.get("unexpected_percent"), row.get("message"), at))
        self._write([("insert into check_results values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values)])

    def check_history(self, unique_id: str, limit: int = 20) -> list[dict[str, Any]]:
        """A node's check results in its last ``limit`` runs with checks, newest run first;
        ``observed`` is decoded from JSON."""
        cols = ["run_id", "recorded_at", "check_name", "column_name", "severity", "status", "observed",
                "unexpected_count", "unexpected_percent", "message"]
        rows = self._exec(
            f"select {', '.join('c.' + c for c in cols)} from check_results c join ("
            "select run_id, max(recorded_at) as run_at from check_results where unique_id = ? "
            "group by run_id order by run_at desc limit ?) as recent on recent.run_id = c.run_id "
            "where c.unique_id = ? order by recent.run_at desc, c.recorded_at, c.rowid",
            (unique_id, limit, unique_id))
        out = []
        for r in rows:
            item = dict(zip(cols, r, strict=True))
            item["observed"] = None if item["observed"] is None else json.loads(item["observed"])
            out.append(item)
        return out

    def checked_nodes(self) -> list[dict[str, Any]]:
        """Nodes with recorded metrics or check results: unique_id, relation (from the latest
        metrics, else None), last_run_id and last_recorded_at; most recently checked first."""
        rows = self._exec(
            "select unique_id, max(recorded_at) as at from ("
            "select unique_id, recorded_at from table_metrics union all "
            "select unique_id, recorded_at from check_results) as q group by unique_id order by at desc, unique_id")
        out = []
        for uid, at in rows:
            rel = self._exec("select relation from table_metrics where unique_id = ? "
                             "order by recorded_at desc limit 1", (uid,))
            last = self._exec(
                "select run_id from (select run_id, recorded_at from table_metrics where unique_id = ? "
                "union all select run_id, recorded_at from check_results where unique_id = ?) as q "
                "order by recorded_at desc limit 1", (uid, uid))
            out.append({"unique_id": uid, "relation": rel[0][0] if rel else None,
                        "last_run_id": last[0][0] if last else None, "last_recorded_at": at})
        return out

    def quality_runs(self, limit: int = 50) -> list[dict[str, Any]]:
        """Runs that recorded metrics or check results, newest first: run_id, command, status,
        started_at (from ``runs`` when known), recorded_at, and the nodes checked."""
        rows = self._exec(
            "select q.run_id, r.command, r.status, r.started_at, max(q.recorded_at) as at from ("
            "select run_id, recorded_at from table_metrics union all "
            "select run_id, recorded_at from check_results) as q left join runs r on r.run_id = q.run_id "
            "group by q.run_id, r.command, r.status, r.started_at order by at desc limit ?", (limit,))
        out = []
        for run_id, command, status, started_at, at in rows:
            nodes = self._exec("select distinct unique_id from table_metrics where run_id = ? union "
                               "select distinct unique_id from check_results where run_id = ? order by 1",
                               (run_id, run_id))
            out.append({"run_id": run_id, "command": command, "status": status, "started_at": started_at,
                        "recorded_at": at, "nodes": [n[0] for n in nodes]})
        return out

    def close(self) -> None:
        with self._lock:
            self._db.close()
