"""Pipeline state in the run ledger: runs per data interval, task instances, attempt logs,
task results (small values passed between tasks) and the task result cache.

Uses the ledger's connection and lock. The row per (pipeline, logical_date) is UNIQUE: inserting
it is how a scheduler claims an interval, so two schedulers on one ledger never both run it.
"""

from __future__ import annotations

import json
import pickle
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from weir.state.ledger import Ledger

#: "blocked": a task's depends_on_past was not met; the run is rerun once the previous date succeeds
TERMINAL_RUN_STATES = ("success", "failed", "blocked")
_RUN_COLS = ("run_id", "pipeline_id", "logical_date", "interval_start", "interval_end", "run_type", "state",
             "conf", "owner", "heartbeat", "created_at", "started_at", "finished_at")
_TI_COLS = ("run_id", "task_id", "map_index", "state", "try_number", "max_tries", "started_at", "finished_at",
            "duration_s", "error", "sla_missed")


@dataclass(frozen=True)
class RunRecord:
    """One pipeline run (dates are UTC ISO strings)."""

    run_id: str
    pipeline_id: str
    logical_date: str
    interval_start: str
    interval_end: str
    run_type: str
    state: str
    conf: dict[str, Any]
    owner: str | None
    heartbeat: float | None
    created_at: float
    started_at: float | None
    finished_at: float | None


@dataclass(frozen=True)
class TaskInstanceRecord:
    """The latest state of one task instance of a run (map_index -1 when not mapped)."""

    run_id: str
    task_id: str
    map_index: int
    state: str | None
    try_number: int
    max_tries: int
    started_at: float | None
    finished_at: float | None
    duration_s: float | None
    error: str | None
    sla_missed: bool


def encode_value(value: Any) -> tuple[str, bytes | str]:
    """A task's return value as ('json', text) when it is plain JSON data, else ('pickle', bytes)."""
    try:
        text = json.dumps(value)
        if json.loads(text) == value:
            return "json", text
    except (TypeError, ValueError):
        pass
    return "pickle", pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def decode_value(kind: str, data: Any) -> Any:
    if kind == "json":
        return json.loads(data)
    return pickle.loads(data)  # only values this ledger's own tasks wrote


def _run(row: Sequence[Any]) -> RunRecord:
    d = dict(zip(_RUN_COLS, row, strict=True))
    d["conf"] = json.loads(d["conf"]) if d["conf"] else {}
    return RunRecord(**d)


class PipelineStore:
    """Reads and writes pipeline runs and task instances in a :class:`Ledger`."""

    def __init__(self, ledger: Ledger, *, owns_ledger: bool = False) -> None:
        self.ledger = ledger
        self._owns = owns_ledger

    @classmethod
    def open(cls, path: str | Path) -> PipelineStore:
        """A store on the ledger file at ``path`` (":memory:" for a private in-memory one)."""
        return cls(Ledger(Path(path)), owns_ledger=True)

    @property
    def durable(self) -> bool:
        """False for an in-memory ledger, where writing state early protects nothing."""
        return str(self.ledger.path) != ":memory:"

    def close(self) -> None:
        if self._owns:
            self.ledger.close()

    # -- runs ------------------------------------------------------------------------------
    def create_run(self, run_id: str, pipeline_id: str, logical_date: str, interval_start: str, interval_end: str,
                   *, run_type: str, conf: dict[str, Any] | None = None, owner: str | None = None,
                   state: str = "queued") -> bool:
        """Insert a run; False when (pipeline, logical_date) already has one (someone else's claim)."""
        now = time.time()
        self.ledger._exec(
            "insert or ignore into pipeline_runs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, null, null)",
            (run_id, pipeline_id, logical_date, interval_start, interval_end, run_type, state,
             json.dumps(conf or {}, default=str), owner, now if owner else None, now))
        got = self.ledger._exec("select run_id from pipeline_runs where pipeline_id = ? and logical_date = ?",
                                (pipeline_id, logical_date))
        return bool(got) and got[0][0] == run_id

    def get_run(self, pipeline_id: str, logical_date: str) -> RunRecord | None:
        rows = self.ledger._exec(f"select {', '.join(_RUN_COLS)} from pipeline_runs "
                                 "where pipeline_id = ? and logical_date = ?", (pipeline_id, logical_date))
        return _run(rows[0]) if rows else None

    def run(self, run_id: str) -> RunRecord | None:
        rows = self.ledger._exec(f"select {', '.join(_RUN_COLS)} from pipeline_runs where run_id = ?", (run_id,))
        return _run(rows[0]) if rows else None

    def run_state(self, pipeline_id: str, logical_date: str) -> str | None:
        """State of the pipeline's run for ``logical_date`` (UTC ISO string), None if there is none."""
        rows = self.ledger._exec("select state from pipeline_runs where pipeline_id = ? and logical_date = ?",
                                 (pipeline_id, logical_date))
        return rows[0][0] if rows else None

    def runs(self, pipeline_id: str | None = None, *, states: Iterable[str] | None = None, limit: int = 50,
             start: str | None = None, end: str | None = None) -> list[RunRecord]:
        """Runs, newest logical date first, filtered by pipeline, state and logical-date range."""
        where, params = ["1 = 1"], []
        if pipeline_id is not None:
            where.append("pipeline_id = ?")
            params.append(pipeline_id)
        if states is not None:
            st = list(states)
            where.append(f"state in ({', '.join('?' * len(st))})")
            params += st
        if start is not None:
            where.append("logical_date >= ?")
            params.append(start)
        if end is not None:
            where.append("logical_date <= ?")
            params.append(end)
        rows = self.ledger._exec(f"select {', '.join(_RUN_COLS)} from pipeline_runs where {' and '.join(where)} "
                                 "order by logical_date desc, created_at desc limit ?", (*params, limit))
        return [_run(r) for r in rows]

    def latest_logical_date(self, pipeline_id: str, run_types: Sequence[str] = ("scheduled",)) -> str | None:
        rows = self.ledger._exec(
            f"select max(logical_date) from pipeline_runs where pipeline_id = ? "
            f"and run_type in ({', '.join('?' * len(run_types))})", (pipeline_id, *run_types))
        return rows[0][0] if rows else None

    def previous_run(self, pipeline_id: str, logical_date: str, since: str | None = None) -> RunRecord | None:
        """The pipeline's run with the newest logical date before ``logical_date`` (and not before
        ``since``), the run a depends_on_past task looks back at."""
        rows = self.ledger._exec(f"select {', '.join(_RUN_COLS)} from pipeline_runs where pipeline_id = ? "
                                 "and logical_date < ? and logical_date >= ? order by logical_date desc limit 1",
                                 (pipeline_id, logical_date, since or ""))
        return _run(rows[0]) if rows else None

    def claim_run(self, run_id: str, owner: str, expected_owner: str | None) -> bool:
        """Take over a run whose owner is ``expected_owner`` (compare-and-swap)."""
        self.ledger._exec("update pipeline_runs set owner = ?, heartbeat = ? where run_id = ? and owner is ?",
                          (owner, time.time(), run_id, expected_owner))
        got = self.ledger._exec("select owner from pipeline_runs where run_id = ?", (run_id,))
        return bool(got) and got[0][0] == owner

    def set_run_state(self, run_id: str, state: str, *, owner: str | None = None) -> None:
        now = time.time()
        if state == "running":
            self.ledger._exec("update pipeline_runs set state = ?, started_at = coalesce(started_at, ?), "
                              "finished_at = null, heartbeat = ?, owner = coalesce(?, owner) where run_id = ?",
                              (state, now, now, owner, run_id))
        elif state in TERMINAL_RUN_STATES:
            self.ledger._exec("update pipeline_runs set state = ?, finished_at = ?, owner = null where run_id = ?",
                              (state, now, run_id))
        else:
            self.ledger._exec("update pipeline_runs set state = ?, owner = ? where run_id = ?",
                              (state, owner, run_id))

    def heartbeat(self, run_ids: Sequence[str], owner: str) -> None:
        now = time.time()
        self.ledger._write([("update pipeline_runs set heartbeat = ? where run_id = ? and owner = ?",
                             [(now, r, owner) for r in run_ids])])

    def count_active(self, pipeline_id: str) -> int:
        rows = self.ledger._exec("select count(*) from pipeline_runs where pipeline_id = ? and state = 'running'",
                                 (pipeline_id,))
        return int(rows[0][0])

    # -- task instances, logs, results -------------------------------------------------------
    def task_instances(self, run_id: str) -> list[TaskInstanceRecord]:
        rows = self.ledger._exec(f"select {', '.join(_TI_COLS)} from task_instances where run_id = ? "
                                 "order by coalesce(started_at, 1e18), task_id, map_index", (run_id,))
        return [TaskInstanceRecord(**{**dict(zip(_TI_COLS, r, strict=True)), "sla_missed": bool(r[-1])}) for r in rows]

    def write(self, instances: Sequence[tuple[Any, ...]] = (), logs: Sequence[tuple[Any, ...]] = (),
              results: Sequence[tuple[str, str, int, Any]] = (), heartbeat: tuple[str, str] | None = None) -> None:
        """One transaction: task-instance rows (the columns of TaskInstanceRecord), attempt logs
        (run, task, map_index, try, text), results (run, task, map_index, value) and a heartbeat
        (run_id, owner)."""
        statements: list[tuple[str, list[tuple[Any, ...]]]] = []
        if instances:
            statements.append(("insert or replace into task_instances values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               list(instances)))
        if logs:
            statements.append(("insert or replace into task_logs values (?, ?, ?, ?, ?)", list(logs)))
        if results:
            statements.append(("insert or replace into task_results values (?, ?, ?, ?, ?)",
                               [(r, t, m, *encode_value(v)) for r, t, m, v in results]))
        if heartbeat is not None:
            statements.append(("update pipeline_runs set heartbeat = ? where run_id = ? and owner = ?",
                               [(time.time(), *heartbeat)]))
        if statements:
            self.ledger._write(statements)

    def results(self, run_id: str) -> dict[tuple[str, int], Any]:
        rows = self.ledger._exec("select task_id, map_index, kind, value from task_results where run_id = ?",
                                 (run_id,))
        return {(t, m): decode_value(k, v) for t, m, k, v in rows}

    def clear_tasks(self, run_id: str, states: Sequence[str]) -> int:
        """Reset the run's task instances in ``states`` so the next run of it executes them again."""
        marks = ", ".join("?" * len(states))
        n = self.ledger._exec(f"select count(*) from task_instances where run_id = ? and state in ({marks})",
                              (run_id, *states))[0][0]
        self.ledger._write([
            (f"delete from task_instances where run_id = ? and state in ({marks})", [(run_id, *states)]),
            ("update pipeline_runs set state = 'queued', finished_at = null, owner = null where run_id = ?",
             [(run_id,)]),
        ])
        return int(n)

    def drop_task_states(self, run_id: str, states: Sequence[str]) -> None:
        """Forget the run's task instances in ``states`` (the run row is left as it is)."""
        marks = ", ".join("?" * len(states))
        self.ledger._write([(f"delete from task_instances where run_id = ? and state in ({marks})",
                             [(run_id, *states)])])

    def logs(self, run_id: str, task_id: str, map_index: int | None = None) -> list[tuple[int, int, str]]:
        """(map_index, try_number, text) of a task's stored attempt logs."""
        sql = "select map_index, try_number, text from task_logs where run_id = ? and task_id = ?"
        params: tuple[Any, ...] = (run_id, task_id)
        if map_index is not None:
            sql += " and map_index = ?"
            params += (map_index,)
        return [(m, t, x) for m, t, x in self.ledger._exec(sql + " order by map_index, try_number", params)]

    # -- result cache ------------------------------------------------------------------------
    def cache_get(self, key: str) -> tuple[bool, Any]:
        rows = self.ledger._exec("select kind, value, expires_at from task_cache where cache_key = ?", (key,))
        if not rows or (rows[0][2] is not None and rows[0][2] < time.time()):
            return False, None
        return True, decode_value(rows[0][0], rows[0][1])

    def cache_put(self, key: str, pipeline_id: str, task_id: str, value: Any, expires_at: float | None) -> None:
        kind, data = encode_value(value)
        self.ledger._exec("insert or replace into task_cache values (?, ?, ?, ?, ?, ?, ?)",
                          (key, pipeline_id, task_id, kind, data, time.time(), expires_at))
