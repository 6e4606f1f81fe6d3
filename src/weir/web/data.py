"""The UI's read model of one project: builds and pipeline runs from the run ledger, the
pipelines from their files, lineage from the cached catalog, table history from the table
formats. Everything returned is plain JSON-able data (the API returns it as is)."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from pathlib import Path
from typing import Any

from weir.errors import WeirError
from weir.web.catalog import CatalogCache, compute_catalog
from weir.web.gantt import gantt
from weir.web.tables import TableReader

ACTIVE_STATES = ("running", "queued", "up_for_retry", "scheduled")


def _duration(started: float | None, finished: float | None, now: float) -> float | None:
    if started is None:
        return None
    return (finished if finished is not None else now) - started


class UIData:
    """One project opened for the UI (pipelines and project files are read once, at start)."""

    def __init__(self, project_dir: str | Path = ".", *, target: str | None = None,
                 vars: dict[str, Any] | None = None, profiles_dir: str | Path | None = None) -> None:
        from weir.workspace.pipelines import ProjectPipelines

        self.pp = ProjectPipelines(project_dir, target=target, vars=vars, profiles_dir=profiles_dir)
        self.project = self.pp.project
        self.store = self.pp.store
        self.ledger = self.store.ledger
        self.tables_reader = TableReader(self.project)
        root = self.project.root
        self.catalog = CatalogCache(lambda: compute_catalog(root, target=target, vars=vars or {},
                                                            profiles_dir=profiles_dir))
        self.catalog.refresh(self.last_build_key())

    def close(self) -> None:
        self.pp.close()

    @property
    def name(self) -> str:
        return self.project.name

    def _q(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return self.ledger._exec(sql, params)

    def last_build_key(self) -> Any:
        """Changes whenever a build finishes: the catalog's column types may have changed."""
        return self._q("select max(finished_at), count(*) from runs")[0]

    # -- builds ----------------------------------------------------------------------------
    def builds(self, limit: int = 20) -> list[dict[str, Any]]:
        now = time.time()
        return [{"run_id": r.run_id, "command": r.command, "status": r.status, "started_at": r.started_at,
                 "finished_at": r.finished_at, "duration_s": _duration(r.started_at, r.finished_at, now),
                 "nodes": r.nodes, "errors": r.errors} for r in self.ledger.runs(limit)]

    def build(self, run_id: str) -> dict[str, Any] | None:
        rows = self._q("select run_id, command, project, target, status, started_at, finished_at from runs "
                       "where run_id = ?", (run_id,))
        if not rows:
            return None
        keys = ("run_id", "command", "project", "target", "status", "started_at", "finished_at")
        run = dict(zip(keys, rows[0], strict=True))
        run["duration_s"] = _duration(run["started_at"], run["finished_at"], time.time())
        ncols = ("unique_id", "name", "resource_type", "status", "rows_affected", "duration_s", "message",
                 "started_at")
        run["nodes"] = [dict(zip(ncols, r, strict=True)) for r in self._q(
            f"select {', '.join(ncols)} from node_results where run_id = ? order by started_at", (run_id,))]
        vcols = ("unique_id", "relation", "format", "version", "operation", "rows_in", "rows_written",
                 "rows_deleted", "bytes_written", "files_added")
        run["tables"] = [dict(zip(vcols, r, strict=True)) for r in self._q(
            f"select {', '.join(vcols)} from table_versions where run_id = ? order by written_at", (run_id,))]
        ccols = ("unique_id", "check_name", "column_name", "severity", "status", "unexpected_count", "message")
        run["checks"] = [dict(zip(ccols, r, strict=True)) for r in self._q(
            f"select {', '.join(ccols)} from check_results where run_id = ? order by unique_id, rowid", (run_id,))]
        return run

    # -- pipelines ---------------------------------------------------------------------------
    def pipeline_runs(self, pipeline_id: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        now = time.time()
        out = []
        for r in self.store.runs(pipeline_id, limit=limit):
            out.append({"run_id": r.run_id, "pipeline_id": r.pipeline_id, "logical_date": r.logical_date,
                        "run_type": r.run_type, "state": r.state, "started_at": r.started_at,
                        "finished_at": r.finished_at, "duration_s": _duration(r.started_at, r.finished_at, now)})
        return out

    def pipelines(self) -> list[dict[str, Any]]:
        now = dt.datetime.now(dt.UTC)
        out = []
        for pid, p in sorted(self.pp.pipelines.items()):
            nxt = p.schedule.next_runs(1, now)
            out.append({
                "pipeline_id": pid, "schedule": str(p.schedule), "description": p.description or "",
                "tags": list(p.tags), "tasks": len(p.tasks),
                "next_run": nxt[0][1].isoformat() if nxt else None,
                "next_interval": nxt[0][0].isoformat() if nxt else None,
                "problems": [str(e) for e in p.errors],
                "last_runs": self.pipeline_runs(pid, limit=10),
            })
        return out

    def load_errors(self) -> list[str]:
        """Pipeline files that failed to load."""
        return [str(e) for e in self.pp.loaded.errors]

    def pipeline_run(self, run_id: str) -> dict[str, Any] | None:
        rec = self.store.run(run_id)
        if rec is None:
            return None
        now = time.time()
        tis = self.store.task_instances(run_id)
        tries = {(t, m): n for t, m, n in self._q(
            "select task_id, map_index, max(try_number) from task_logs where run_id = ? group by task_id, map_index",
            (run_id,))}
        tasks = []
        for ti in tis:
            tasks.append({"task_id": ti.task_id, "map_index": ti.map_index, "state": ti.state or "none",
                          "try_number": ti.try_number, "max_tries": ti.max_tries, "started_at": ti.started_at,
                          "finished_at": ti.finished_at,
                          "duration_s": ti.duration_s if ti.duration_s is not None else
                          _duration(ti.started_at, ti.finished_at, now),
                          "error": ti.error, "logged_tries": tries.get((ti.task_id, ti.map_index), 0)})
        p = self.pp.pipelines.get(rec.pipeline_id)
        if p is not None:  # tasks not started yet still get a row, in definition order
            seen = {t["task_id"] for t in tasks}
            tasks += [{"task_id": t, "map_index": -1, "state": "none", "try_number": 0, "max_tries": 0,
                       "started_at": None, "finished_at": None, "duration_s": None, "error": None,
                       "logged_tries": 0} for t in p.tasks if t not in seen]
        return {"run_id": rec.run_id, "pipeline_id": rec.pipeline_id, "logical_date": rec.logical_date,
                "interval_start": rec.interval_start, "interval_end": rec.interval_end, "run_type": rec.run_type,
                "state": rec.state, "started_at": rec.started_at, "finished_at": rec.finished_at,
                "duration_s": _duration(rec.started_at, rec.finished_at, now), "tasks": tasks,
                "gantt": gantt(tasks, rec.started_at, rec.finished_at, now)}

    def task_log(self, run_id: str, task_id: str, map_index: int | None = None) -> list[dict[str, Any]]:
        return [{"map_index": m, "try_number": t, "text": x} for m, t, x in self.store.logs(run_id, task_id, map_index)]

    # -- models, lineage, tables --------------------------------------------------------------
    def lineage(self) -> dict[str, Any] | None:
        self.catalog.refresh(self.last_build_key())
        got = self.catalog.get()
        return got[1] if got else None

    def catalog_nodes(self) -> dict[str, Any]:
        self.catalog.refresh(self.last_build_key())
        got = self.catalog.get()
        return got[0]["nodes"] if got else {}

    def model(self, uid: str) -> dict[str, Any] | None:
        """A node's catalog entry with its check history, metric series and table history."""
        node = self.catalog_nodes().get(uid)
        if node is None:
            return None
        lineage = self.lineage() or {}
        out = dict(node)
        out["column_lineage"] = (lineage.get("columns") or {}).get(uid)
        out["upstream"] = [p for p, c in lineage.get("edges", []) if c == uid]
        out["downstream"] = [c for p, c in lineage.get("edges", []) if p == uid]
        out["checks"] = self.ledger.check_history(uid, limit=1)  # the newest checked run
        out["metrics"] = metric_series(self.ledger.metric_series(uid, 30))
        out["history"], out["history_error"] = [], None
        if node.get("relation"):
            try:
                out["history"] = self.tables_reader.history(node["relation"], self.table_format(node["relation"]))
            except WeirError as exc:
                out["history_error"] = str(exc).splitlines()[0]
        return out

    def table_format(self, relation: str) -> str | None:
        rows = self._q("select format from table_versions where relation = ? order by written_at desc limit 1",
                       (relation,))
        return rows[0][0] if rows else None

    def tables(self) -> list[dict[str, Any]]:
        """Every table weir wrote, with its newest version and the run that wrote it."""
        cols = ("relation", "unique_id", "format", "version", "operation", "run_id", "written_at", "writes")
        rows = self._q(
            "select relation, unique_id, format, version, operation, run_id, written_at, n from ("
            "select *, row_number() over (partition by relation order by written_at desc) as rn, "
            "count(*) over (partition by relation) as n from table_versions) where rn = 1 order by relation")
        return [dict(zip(cols, r, strict=True)) for r in rows]

    def table_history(self, relation: str, limit: int = 50) -> list[dict[str, Any]]:
        return self.tables_reader.history(relation, self.table_format(relation), limit)

    # -- live updates --------------------------------------------------------------------------
    def state_token(self) -> tuple[Any, ...]:
        """Changes whenever a build or pipeline run or task instance changes state."""
        return (
            tuple(self._q("select count(*), max(started_at), max(finished_at), "
                          "sum(case when status = 'running' then 1 else 0 end) from runs")[0]),
            tuple(self._q("select count(*), max(created_at), max(coalesce(finished_at, 0)), "
                          "group_concat(state) from (select state, created_at, finished_at from pipeline_runs "
                          "order by created_at desc limit 50)")[0]),
            tuple(self._q("select count(*), max(coalesce(started_at, 0)), max(coalesce(finished_at, 0)), "
                          "group_concat(state) from task_instances where run_id in (select run_id from "
                          "pipeline_runs order by created_at desc limit 10)")[0]),
        )

    def state_hash(self) -> str:
        """A short digest of :meth:`state_token` (pages carry it; the event stream compares it)."""
        return hashlib.sha1(repr(self.state_token()).encode()).hexdigest()[:16]

    def live(self) -> dict[str, Any]:
        """What pages update without reload: recent builds and pipeline runs with their tasks."""
        runs = self.pipeline_runs(limit=10)
        active = [r["run_id"] for r in runs if r["state"] in ACTIVE_STATES]
        return {"builds": self.builds(10), "pipeline_runs": runs,
                "tasks": {rid: (self.pipeline_run(rid) or {}).get("tasks", []) for rid in active}}


def metric_series(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Ledger metric rows grouped into one series per (column, metric), table-level first."""
    grouped: dict[tuple[str | None, str], list[dict[str, Any]]] = {}
    for r in rows:
        grouped.setdefault((r["column_name"], r["metric"]), []).append(
            {"run_id": r["run_id"], "recorded_at": r["recorded_at"], "value": r["value"], "text": r["text_value"]})
    out = [{"column": c, "metric": m, "points": pts, "latest": pts[-1]["value"], "latest_text": pts[-1]["text"]}
           for (c, m), pts in grouped.items()]
    out.sort(key=lambda s: (s["column"] is not None, s["column"] or "", s["metric"] != "row_count", s["metric"]))
    return out
