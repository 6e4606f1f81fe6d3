"""Starting and resuming pipeline runs: one run row per (pipeline, logical_date) in the store,
then the executor over the tasks that are not done yet."""

from __future__ import annotations

import datetime as dt
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from weir.errors import StateError, WeirError
from weir.orchestration.alerting import RunAlerts
from weir.orchestration.context import RunInfo
from weir.orchestration.executor import RunExecutor
from weir.orchestration.pools import Pools
from weir.orchestration.schedule import from_iso, iso, parse_date
from weir.state.pipelines import PipelineStore, RunRecord


def new_owner() -> str:
    """This process's identity on run rows: host, pid and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def new_run_id(run_type: str, logical_date: dt.datetime) -> str:
    return f"{run_type}__{iso(logical_date)[:19]}__{uuid.uuid4().hex[:8]}"


@dataclass
class PipelineRunResult:
    """The outcome of one pipeline run."""

    pipeline_id: str
    run_id: str
    logical_date: dt.datetime
    state: str
    task_states: dict[str, str | None] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)
    duration: float = 0.0
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def success(self) -> bool:
        return self.state == "success"


def _neighbours(pipeline: Any, logical: dt.datetime) -> tuple[str | None, str | None]:
    sched = pipeline.schedule
    if sched.kind not in ("cron", "delta"):
        return None, None
    tz = sched.tz
    prev = sched._prev_fire(logical - dt.timedelta(microseconds=1))
    nxt = sched._next_fire(logical)
    return prev.astimezone(tz).date().isoformat(), nxt.astimezone(tz).date().isoformat()


def run_info(pipeline: Any, rec: RunRecord, store: PipelineStore, project: Any) -> RunInfo:
    logical = from_iso(rec.logical_date)
    prev_ds, next_ds = _neighbours(pipeline, logical)
    vars_ = dict(getattr(project, "vars", None) or {}) if project is not None else {}
    return RunInfo(pipeline.pipeline_id, rec.run_id, logical, from_iso(rec.interval_start),
                   from_iso(rec.interval_end), prev_ds, next_ds, dict(rec.conf), vars_, store, project,
                   run_type=rec.run_type, tz=pipeline.schedule.tz)


def execute_run(pipeline: Any, rec: RunRecord, store: PipelineStore, *, project: Any = None,
                pools: Pools | None = None, owner: str | None = None, heartbeat: float = 2.0) -> PipelineRunResult:
    """Run (or resume) the tasks of a claimed run that are not done; record the run's final state."""
    start = time.time()
    owner = owner or new_owner()
    store.set_run_state(rec.run_id, "running", owner=owner)
    store.drop_task_states(rec.run_id, ["blocked"])  # depends_on_past is checked again
    info = run_info(pipeline, rec, store, project)
    settings = getattr(project, "alert_settings", None) if project is not None else None
    alerts = RunAlerts(pipeline, info, settings)
    if pools is None:
        pools = Pools(getattr(project, "pools", None) if project is not None else None)
    executor = RunExecutor(pipeline, info, pools=pools, owner=owner, existing=store.task_instances(rec.run_id),
                           results=store.results(rec.run_id), alerts=alerts, heartbeat=heartbeat)
    try:
        state = executor.execute()
    except BaseException:
        executor.flush(force=True)
        raise
    store.set_run_state(rec.run_id, state)
    alerts.run_event(state)
    shown = {"failed": ("failed",), "blocked": ("blocked",)}.get(state, ())
    errors = {t.task_id: t.error for t in store.task_instances(rec.run_id) if t.error and t.state in shown}
    return PipelineRunResult(pipeline.pipeline_id, rec.run_id, info.logical_date, state, executor.task_states(),
                             {k: v for k, v in executor.results.items() if "#" not in k}, time.time() - start, errors)


def default_logical_date(pipeline: Any, now: dt.datetime | None = None) -> tuple[dt.datetime, tuple[dt.datetime, dt.datetime]]:
    """For a run with no date: the latest complete interval of a scheduled pipeline, else now."""
    now = now or dt.datetime.now(dt.UTC)
    iv = pipeline.schedule.latest_complete(now)
    if iv is None:
        now = now.replace(microsecond=0)
        return now, pipeline.schedule.manual_interval(now)
    return iv[0], iv


def ensure_run(pipeline: Any, store: PipelineStore, logical: dt.datetime, interval: tuple[dt.datetime, dt.datetime],
               *, run_type: str, conf: dict[str, Any] | None = None) -> RunRecord:
    """The run for ``logical`` (created when there is none)."""
    run_id = new_run_id(run_type, logical)
    store.create_run(run_id, pipeline.pipeline_id, iso(logical), iso(interval[0]), iso(interval[1]),
                     run_type=run_type, conf=conf)
    rec = store.get_run(pipeline.pipeline_id, iso(logical))
    if rec is None:
        raise StateError(f"run of {pipeline.pipeline_id} for {iso(logical)} could not be created")
    return rec


def run_once(pipeline: Any, logical_date: dt.datetime | str | None, *, store: PipelineStore | None = None,
             project: Any = None, conf: dict[str, Any] | None = None,
             pools: dict[str, int] | None = None) -> PipelineRunResult:
    """``Pipeline.run``: run (or resume) one interval in this process."""
    pipeline.check()
    own = store is None
    st = store if store is not None else PipelineStore.open(":memory:")
    try:
        if logical_date is None:
            logical, interval = default_logical_date(pipeline)
        else:
            logical = parse_date(logical_date, pipeline.schedule.tz)
            interval = pipeline.schedule.manual_interval(logical)
        rec = ensure_run(pipeline, st, logical, interval, run_type="manual", conf=conf)
        if rec.state == "running" and rec.owner:
            raise WeirError(f"run {rec.run_id} of {pipeline.pipeline_id} is already running ({rec.owner})",
                            hint="wait for it, or let `weir scheduler` adopt it if its process died")
        limits = pools if pools is not None else (getattr(project, "pools", None) if project is not None else None)
        return execute_run(pipeline, rec, st, project=project, pools=Pools(limits))
    finally:
        if own:
            st.close()
