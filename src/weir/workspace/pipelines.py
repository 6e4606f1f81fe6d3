"""Pipelines of a project: discovery in ``pipeline-paths``, the ProjectHandle their tasks use,
and the trigger/backfill/clear/scheduler entry points of the CLI.

The project's DuckDB catalog is opened only while a task needs it (a build, SQL, a table
location) and closed when the scheduler is idle, so ``weir build`` can run between runs.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from weir.errors import ConfigError, GraphError, WeirError
from weir.orchestration.loader import LoadedPipelines, load_pipelines
from weir.orchestration.pipeline import Pipeline
from weir.orchestration.pools import Pools
from weir.orchestration.runner import PipelineRunResult, ensure_run, execute_run, new_owner
from weir.orchestration.schedule import iso, parse_date
from weir.orchestration.scheduler import Scheduler
from weir.project.loader import Project, load_project
from weir.state import Ledger
from weir.state.pipelines import PipelineStore, RunRecord


class WorkspaceProject:
    """The ProjectHandle over a weir Workspace, opened lazily and shared by a process's runs."""

    def __init__(self, project: Project, *, target: str | None, vars: dict[str, Any],
                 profiles_dir: str | Path | None) -> None:
        self.project = project
        self._target, self._vars, self._profiles = target, vars, profiles_dir
        self._ws: Any = None
        self._ws_vars: dict[str, Any] | None = None
        self._lock = threading.RLock()

    name = property(lambda self: self.project.name)
    vars = property(lambda self: dict(self.project.vars))
    pools = property(lambda self: dict(self.project.settings.pools))
    alert_settings = property(lambda self: dict(self.project.settings.alerts))

    def _workspace(self, extra_vars: dict[str, Any] | None = None) -> Any:
        from weir.workspace.workspace import Workspace

        wanted = {**self._vars, **(extra_vars or {})}
        if self._ws is not None and self._ws_vars != wanted:
            self.close()
        if self._ws is None:
            self._ws = Workspace.load(self.project.root, target=self._target, vars=wanted,
                                      profiles_dir=self._profiles)
            self._ws_vars = wanted
        return self._ws

    def build(self, select: Sequence[str] | None, exclude: Sequence[str] | None, vars: dict[str, Any] | None,
              full_refresh: bool) -> dict[str, Any]:
        """Build the selected nodes; raises WeirError naming the nodes that failed."""
        with self._lock:
            ws = self._workspace(vars)
            result = ws.build(select, exclude, full_refresh=full_refresh)
        if not result.results:
            raise GraphError(f"no nodes match --select {' '.join(select or [])!r}",
                             hint="check the selector with `weir ls --select ...`")
        failed = [r for r in result.results if r.status in ("error", "fail")]
        for r in result.results:
            print(f"{r.status.upper():<8} {r.resource_type:<8} {r.name} rows={r.rows}")
        if failed:
            raise WeirError(f"build failed: {len(failed)} of {len(result.results)} node(s): "
                            + "; ".join(f"{r.name}: {r.message}" for r in failed[:5]))
        return {"run_id": result.run_id, "counts": result.counts()}

    def execute_sql(self, sql: str) -> list[tuple[Any, ...]]:
        with self._lock:
            _, rows = self._workspace().engine.fetch(sql)
        return rows

    def table_uri(self, name: str) -> tuple[str, str, dict[str, str]]:
        with self._lock:
            ws = self._workspace()
            node = ws.project.find(name)
            rel = ws.project.relations.get(node.unique_id)
            location = node.config.get("external_location")
            if location:
                path = Path(str(location))
                return "files", str(path if path.is_absolute() else ws.project.root / path), {}
            if rel is None or node.materialized in ("view", "ephemeral"):
                raise WeirError(f"{node.resource_type} {name} is not stored as a table",
                                hint="sensors watch tables, seeds, snapshots and external sources")
            fmt_name = str(node.config.get("table_format") or ws.project.target.table_format)
            fmt = ws.formats.get(fmt_name)
            if fmt is None or not hasattr(fmt, "location"):
                return fmt_name, str(rel), {}
            return fmt_name, fmt.location(rel), dict(getattr(fmt, "storage_options", None) or {})

    def close(self) -> None:
        with self._lock:
            if self._ws is not None:
                self._ws.close()
                self._ws, self._ws_vars = None, None


def pipeline_folders(project: Project) -> list[Path]:
    """``pipeline-paths`` from weir.yml, else dbt_project.yml, else ``["pipelines"]``."""
    paths = project.settings.pipeline_paths or project.root_package.config.get("pipeline-paths") or ["pipelines"]
    if isinstance(paths, str):
        paths = [paths]
    return [project.root / str(p) for p in paths]


class ProjectPipelines:
    """A project's pipelines with their store (the project's run ledger) and project handle."""

    def __init__(self, project_dir: str | Path = ".", *, target: str | None = None,
                 vars: dict[str, Any] | None = None, profiles_dir: str | Path | None = None) -> None:
        self.project = load_project(Path(project_dir), target=target, cli_vars=vars or {},
                                    profiles_dir=Path(profiles_dir) if profiles_dir else None)
        self.loaded: LoadedPipelines = load_pipelines(pipeline_folders(self.project))
        self.handle = WorkspaceProject(self.project, target=target, vars=vars or {}, profiles_dir=profiles_dir)
        self._store: PipelineStore | None = None
        self.pools = Pools(self.project.settings.pools)

    def __enter__(self) -> ProjectPipelines:
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()

    def close(self) -> None:
        self.handle.close()
        if self._store is not None:
            self._store.close()

    @property
    def store(self) -> PipelineStore:
        if self._store is None:
            self._store = PipelineStore(Ledger(self.project.state_dir / "ledger.db"), owns_ledger=True)
        return self._store

    @property
    def pipelines(self) -> dict[str, Pipeline]:
        return self.loaded.pipelines

    def get(self, pipeline_id: str) -> Pipeline:
        """A pipeline by id; raises when unknown or when it has definition errors."""
        p = self.loaded.pipelines.get(pipeline_id)
        if p is None:
            import difflib

            close = difflib.get_close_matches(pipeline_id, list(self.loaded.pipelines), n=1)
            raise ConfigError(f"no pipeline {pipeline_id!r} in {', '.join(str(f) for f in pipeline_folders(self.project))}",
                              hint=f"did you mean {close[0]!r}?" if close else "list them with `weir pipelines list`")
        p.check()
        return p

    # -- running ------------------------------------------------------------------------------
    def _execute(self, p: Pipeline, rec: RunRecord) -> PipelineRunResult:
        return execute_run(p, rec, self.store, project=self.handle, pools=self.pools, owner=new_owner())

    def trigger(self, pipeline_id: str, date: str | None = None, conf: dict[str, Any] | None = None, *,
                queue: bool = False) -> PipelineRunResult | RunRecord:
        """Create a manual run (now, or for ``date``) and run it here, or leave it queued for the scheduler."""
        p = self.get(pipeline_id)
        if date is None:
            logical = dt.datetime.now(dt.UTC).replace(microsecond=0)
            interval = p.schedule.latest_complete(logical) or p.schedule.manual_interval(logical)
        else:
            logical = parse_date(date, p.schedule.tz)
            interval = p.schedule.manual_interval(logical)
        existing = self.store.get_run(p.pipeline_id, iso(logical))
        if existing is not None:
            when = logical.isoformat()
            again = (f"weir clear {pipeline_id} --date {when} --failed` (failed and blocked tasks)"
                     if existing.state in ("failed", "blocked") else f"weir clear {pipeline_id} --date {when}`")
            raise WeirError(f"{pipeline_id} already has a run for {when} ({existing.state})",
                            hint=f"rerun it with `{again}, or pick another --date")
        rec = ensure_run(p, self.store, logical, interval, run_type="manual", conf=conf)
        return rec if queue else self._execute(p, rec)

    def backfill(self, pipeline_id: str, start: str, end: str, *, max_parallel: int = 1,
                 report: Any = None) -> list[PipelineRunResult]:
        """Runs for every interval starting in [start, end]; intervals already successful are skipped,
        failed ones resume their unfinished tasks; up to ``max_parallel`` intervals at once."""
        p = self.get(pipeline_id)
        first, last = parse_date(start, p.schedule.tz), parse_date(end, p.schedule.tz)
        if last < first:
            raise ConfigError(f"--end {end} is before --start {start}")
        todo: list[RunRecord] = []
        for iv in p.schedule.between(first, last):
            rec = ensure_run(p, self.store, iv[0], iv, run_type="backfill")
            if rec.state == "success":
                if report:
                    report(f"{iso(iv[0])[:19]} already succeeded: skipped")
                continue
            if rec.state == "running" and rec.owner:
                if report:
                    report(f"{iso(iv[0])[:19]} is running elsewhere ({rec.owner}): skipped")
                continue
            if rec.state == "failed":  # resume: rerun what failed, keep what succeeded
                self.store.clear_tasks(rec.run_id, ["failed", "upstream_failed"])
                rec = self.store.run(rec.run_id) or rec
            todo.append(rec)

        slots = threading.Semaphore(max(1, max_parallel))

        def one(rec: RunRecord, owner: str) -> PipelineRunResult:
            try:
                out = execute_run(p, rec, self.store, project=self.handle, pools=self.pools, owner=owner)
            finally:
                slots.release()
            if report:
                report(f"{rec.logical_date[:19]} {out.state}")
            return out

        # oldest first, and each run is marked running before the next date starts: a depends_on_past
        # task of a later date waits for the earlier date's run instead of finding it still queued
        with ThreadPoolExecutor(max_workers=max(1, max_parallel), thread_name_prefix="weir-backfill") as pool:
            futures = []
            for rec in todo:
                slots.acquire()
                owner = new_owner()
                self.store.set_run_state(rec.run_id, "running", owner=owner)
                futures.append(pool.submit(one, rec, owner))
            return [f.result() for f in futures]

    def clear(self, pipeline_id: str, *, date: str | None = None, start: str | None = None, end: str | None = None,
              failed_only: bool = True, run: bool = True) -> list[PipelineRunResult | RunRecord]:
        """Reset the failed (and upstream_failed) tasks of the chosen runs, then rerun them."""
        p = self.get(pipeline_id)
        tz = p.schedule.tz
        if date is not None:
            recs = [r for r in [self.store.get_run(p.pipeline_id, iso(parse_date(date, tz)))] if r is not None]
        else:
            recs = self.store.runs(p.pipeline_id, limit=100_000,
                                   start=iso(parse_date(start, tz)) if start else None,
                                   end=iso(parse_date(end, tz)) if end else None)
        states = ["failed", "upstream_failed"] if failed_only else ["failed", "upstream_failed", "success", "skipped"]
        out: list[PipelineRunResult | RunRecord] = []
        for rec in sorted(recs, key=lambda r: r.logical_date):
            if rec.state == "running" and rec.owner:
                continue
            if self.store.clear_tasks(rec.run_id, states) == 0 and rec.state == "success":
                continue
            fresh = self.store.run(rec.run_id)
            assert fresh is not None
            out.append(self._execute(p, fresh) if run else fresh)
        return out

    def scheduler(self, *, heartbeat: float = 2.0, stale_after: float = 60.0) -> Scheduler:
        return Scheduler(self.loaded.pipelines, self.store, project=self.handle, pools=self.pools,
                         heartbeat=heartbeat, stale_after=stale_after, on_idle=self.handle.close)

    def find_run(self, pipeline_id: str, date: str | None) -> RunRecord:
        """The run for ``date``, or the newest run of the pipeline."""
        p = self.get(pipeline_id)
        if date is not None:
            rec = self.store.get_run(pipeline_id, iso(parse_date(date, p.schedule.tz)))
        else:
            runs = self.store.runs(pipeline_id, limit=1)
            rec = runs[0] if runs else None
        if rec is None:
            raise WeirError(f"{pipeline_id} has no run{' for ' + date if date else ''}",
                            hint="see its runs with `weir pipelines runs " + pipeline_id + "`")
        return rec
